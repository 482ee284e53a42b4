// Facts that are declared in one place and read everywhere else in src/node, src/cli and the server and Electron
// layers over them: detection settings (the contract), the map-cache key (mapCache.ts), round half to even (core),
// the joint count (the skeleton meta).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';

const sources = (dir: string, tests = false) =>
  readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && e.name.endsWith('.test.ts') === tests)
    .map((e) => path.relative(PROJECT_ROOT, path.join(e.parentPath, e.name)).replace(/\\/g, '/'));
const NODE_CLI = ['src/node', 'src/cli', 'src/server', 'src/main', 'src/preload'].flatMap((d) => sources(d));

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
});
