// Each table is reached through one module: every SQL statement of src is in the module that owns the tables it
// names (the CLI, the server, Electron and the contract call services and hold none), statements are prepared only
// there, and transactions begin only in writeTransaction.ts.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { loadMigrations } from '../src/node/db/openProjectDb.ts';
import { PROJECT_ROOT } from '../test/support/fixturePaths.ts';

/** Table → the one module (path under src/) whose SQL may name it. */
const OWNER: Record<string, string> = {
  images: 'node/db/imageRepository.ts',
  models: 'node/db/modelRepository.ts',
  inference_runs: 'node/db/runRepository.ts',
  predictions: 'node/db/runRepository.ts',
  project_meta: 'node/db/projectMetaRepository.ts',
  detect_settings: 'node/db/detectSettingsRepository.ts',
  annotations: 'node/project/annotationStore.ts',
  edits: 'node/project/annotationStore.ts',
  map_cache: 'node/project/mapCache.ts',
  review_settings: 'node/db/reviewSettingsRepository.ts',
  trainings: 'node/db/trainingRepository.ts',
  model_scores: 'node/db/trainingRepository.ts',
  trainer_claim: 'node/db/trainingRepository.ts',
  model_comparisons: 'node/db/comparisonRepository.ts',
};

/**
 * Reads of another module's table that are part of a fact of this one, each with why. A prediction is its image's
 * only while the image has the content it was made from (migration 009): whether it is current is a join on
 * images.content_hash, kept in one constant of runRepository rather than in every caller.
 */
const JOINS: Record<string, string[]> = { 'node/db/runRepository.ts': ['images'] };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(path.join(PROJECT_ROOT, 'src'), path.join(e.parentPath, e.name)).replace(/\\/g, '/'));
}
const FILES = sourceFiles(path.join(PROJECT_ROOT, 'src'));
const read = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'src', f), 'utf8');

/** The string and template literals of a file (comments never count). */
function literals(source: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    else if (ts.isTemplateExpression(n))
      out.push(n.head.text + n.templateSpans.map((s) => ` ? ${s.literal.text}`).join(''));
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true));
  return out;
}

/** Tables a piece of SQL names (FROM, JOIN, INTO, UPDATE, TABLE, ON: upper case, as this code base writes SQL). */
function tablesIn(sql: string): string[] {
  const names = Object.keys(OWNER).join('|');
  const re = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+(${names})\b`, 'g');
  return [...sql.matchAll(re)].map((m) => m[1]);
}

describe('services own SQL', () => {
  it('knows every table of the schema', () => {
    const created = loadMigrations().flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1]));
    expect(created.sort()).toEqual(Object.keys(OWNER).sort());
  });

  it('every table is named only by its own module', () => {
    const wrong: string[] = [];
    for (const f of FILES)
      for (const sql of literals(read(f)))
        for (const t of tablesIn(sql))
          if (
            OWNER[t] !== f &&
            !(JOINS[f]?.includes(t) && /\bJOIN\s+images\b/.test(sql) && !/\b(?:INTO|UPDATE)\s+images\b/.test(sql))
          )
            wrong.push(`${f}: ${t} (owned by ${OWNER[t]})`);
    expect(wrong).toEqual([]);
  });

  it('statements are prepared only in the table modules, and no transaction begins outside writeTransaction', () => {
    const preparing = new Set([...Object.values(OWNER), 'node/db/statementCache.ts']);
    const wrong: string[] = [];
    for (const f of FILES) {
      const src = read(f);
      if (/\.prepare\(|\bdb\.exec\(/.test(src) && !preparing.has(f) && f !== 'node/db/openProjectDb.ts')
        wrong.push(`${f}: prepares or executes SQL`);
      const begins = /\.(immediate|exclusive)\(/.test(src) || literals(src).some((x) => /\bBEGIN\b/i.test(x));
      // the team database's (PostgreSQL) transactions begin in their own one module (issue 17)
      if (begins && f !== 'node/db/writeTransaction.ts' && f !== 'node/team/teamTransaction.ts')
        wrong.push(`${f}: begins a transaction`);
    }
    expect(wrong).toEqual([]);
  });

  it('an image row is made in one place: the images repository', () => {
    const inserting = FILES.filter((f) => literals(read(f)).some((s) => /INSERT\s+(OR \w+\s+)?INTO images\b/i.test(s)));
    expect(inserting).toEqual(['node/db/imageRepository.ts']);
  });
});
