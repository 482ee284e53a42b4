// Facts that are declared in one place and read everywhere else in src/node, src/cli and the server and Electron
// layers over them: detection settings (the contract), the map-cache key (mapCache.ts), round half to even (core),
// the joint count (the skeleton meta); and across src, the review statuses (the contract), the person score
// threshold's range (core/review, which the migration's CHECK repeats) and an export's review-status field.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { loadMigrations } from '../src/node/db/openProjectDb.ts';
import { PERSON_SCORE_THRESHOLD_RANGE } from '../src/core/review/personScoreThreshold.ts';

const sources = (dir: string, tests = false) =>
  readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && e.name.endsWith('.test.ts') === tests)
    .map((e) => path.relative(PROJECT_ROOT, path.join(e.parentPath, e.name)).replace(/\\/g, '/'));
const NODE_CLI = ['src/node', 'src/cli', 'src/server', 'src/main', 'src/preload'].flatMap((d) => sources(d));
/** Every source file of src, React components included. */
const ALL_SRC = readdirSync(path.join(PROJECT_ROOT, 'src'), { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
  .map((e) => path.relative(PROJECT_ROOT, path.join(e.parentPath, e.name)).replace(/\\/g, '/'));

/** Every node of a kind in a file, with the file and line. */
function find(file: string, pick: (n: ts.Node, sf: ts.SourceFile) => string | null): string[] {
  const sf = ts.createSourceFile(
    file,
    readFileSync(path.join(PROJECT_ROOT, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    const hit = pick(n, sf);
    if (hit !== null) out.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1} ${hit}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}
const propName = (n: ts.Node, sf: ts.SourceFile) =>
  (ts.isPropertySignature(n) || ts.isPropertyAssignment(n)) && n.name ? n.name.getText(sf) : null;

describe('declared once', () => {
  it("detection settings: only the contract lists their fields (node and cli use the contract's type)", () => {
    const fields = NODE_CLI.flatMap((f) =>
      find(f, (n, sf) =>
        // a settings field as the contract types it (a stored row's `scales: string` is another thing)
        ts.isPropertySignature(n) &&
        /^(scales|flip)$/.test(propName(n, sf)!) &&
        /number\[\]|boolean/.test(n.type?.getText(sf) ?? '')
          ? n.getText(sf)
          : null,
      ),
    );
    expect(fields).toEqual([]);
  });

  it('the map-cache key is built in mapCache.ts only', () => {
    const built = NODE_CLI.filter((f) => f !== 'src/node/project/mapCache.ts').flatMap((f) =>
      find(f, (n, sf) => (ts.isPropertyAssignment(n) && propName(n, sf) === 'imageHash' ? n.getText(sf) : null)),
    );
    expect(built).toEqual([]);
  });

  it('round half to even has one definition in src', () => {
    const all = [...sources('src/core'), ...NODE_CLI].flatMap((f) =>
      find(f, (n, sf) =>
        ts.isFunctionDeclaration(n) && n.name?.getText(sf) === 'roundHalfEven' ? 'roundHalfEven' : null,
      ),
    );
    expect(all.map((hit) => hit.split(':')[0])).toEqual(['src/core/codec/cubicAxis.ts']);
  });

  it('no joint count (17) or COCO keypoint triple count (51) written as a number: the skeleton meta says it', () => {
    const literals = [...NODE_CLI, ...sources('src/node', true).filter((f) => !f.endsWith('annotationStore.test.ts'))]
      .filter((f) => f !== 'src/node/inference/poseModel.test.ts') // its 17 is a wrong model's channel count
      .flatMap((f) =>
        find(f, (n, sf) => (ts.isNumericLiteral(n) && ['17', '51'].includes(n.getText(sf)) ? n.getText(sf) : null)),
      );
    expect(literals).toEqual([]);
  });

  it('no joint count (17, 51 = 17 × 3) in core, contract or the renderer: not as a number, nor in a message', () => {
    // The meta itself and the kernels' tables (channel offsets, not joint counts) are where such numbers may stand.
    const files = ALL_SRC.filter((f) => !/^src\/(node|cli|server|main|preload)\//.test(f)).filter(
      (f) => f !== 'src/core/skeleton/poseMeta.ts' && !f.includes('/kernels/'),
    );
    const count = /(?<![\w.-])(17|51)(?![\w.])/;
    const literals = files.flatMap((f) =>
      find(f, (n, sf) => {
        if (ts.isNumericLiteral(n)) return ['17', '51'].includes(n.getText(sf)) ? n.getText(sf) : null;
        const text =
          ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isJsxText(n)
            ? n.text
            : ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)
              ? n.text
              : null;
        return text !== null && count.test(text) ? JSON.stringify(text) : null;
      }),
    );
    expect(literals).toEqual([]);
  });

  it('the review statuses are listed once, by the contract (ImageStatus): no other list of them in src', () => {
    const lists = ALL_SRC.filter((f) => f !== 'src/contract/apiPayloads.ts').flatMap((f) =>
      find(f, (n) => {
        if (!ts.isArrayLiteralExpression(n)) return null;
        const names = n.elements.filter(ts.isStringLiteral).map((e) => e.text);
        return names.includes('unreviewed') && names.includes('no_person') ? 'a list of review statuses' : null;
      }),
    );
    expect(lists).toEqual([]);
  });

  it("the person score threshold's range is checked in one place, and migration 007's CHECK holds the same bounds", () => {
    const own = 'src/core/review/personScoreThreshold.ts';
    const comparisons = ALL_SRC.filter((f) => f !== own).flatMap((f) =>
      find(f, (n, sf) =>
        ts.isBinaryExpression(n) &&
        [
          ts.SyntaxKind.LessThanToken,
          ts.SyntaxKind.LessThanEqualsToken,
          ts.SyntaxKind.GreaterThanToken,
          ts.SyntaxKind.GreaterThanEqualsToken,
        ].includes(n.operatorToken.kind) &&
        /\b(PERSON_SCORE_THRESHOLD_RANGE|RANGE)\b/.test(n.getText(sf))
          ? `${n.getText(sf)} (use personScoreThresholdProblem)`
          : null,
      ),
    );
    expect(comparisons).toEqual([]);
    const sql = loadMigrations().find((m) => m.name.endsWith('-review-settings.sql'))!;
    expect(sql.version).toBe(7);
    const check = /person_score_threshold BETWEEN (-?[\d.]+) AND (-?[\d.]+)/.exec(sql.sql);
    expect(check && { min: Number(check[1]), max: Number(check[2]) }).toEqual(PERSON_SCORE_THRESHOLD_RANGE);
  });

  it("an `all` export's review-status field is named once (cocoExport.ts REVIEW_STATUS_FIELD)", () => {
    const named = ALL_SRC.filter((f) => f !== 'src/node/project/cocoExport.ts').flatMap((f) =>
      find(f, (n) => (ts.isStringLiteral(n) && n.text === 'review_status' ? n.text : null)),
    );
    expect(named).toEqual([]);
  });
});
