// The team database follows the project's rule: each table is reached through one module (its SQL, by table name,
// appears nowhere else in src), and every team table of the migrations has its owner listed here.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTeamMigrations } from '../../src/node/team/openTeamDb.ts';
import { PROJECT_ROOT } from '../support/fixturePaths.ts';

const OWNER: Record<string, string> = {
  team_meta: 'node/team/teamMetaRepository.ts',
  team_users: 'node/team/teamUserRepository.ts',
  team_sessions: 'node/team/teamUserRepository.ts',
  team_images: 'node/team/teamImageRepository.ts',
  team_assignments: 'node/team/teamImageRepository.ts',
  team_annotations: 'node/team/teamAnnotationStore.ts',
  team_edits: 'node/team/teamAnnotationStore.ts',
  team_runs: 'node/team/teamRunRepository.ts',
  team_predictions: 'node/team/teamRunRepository.ts',
  team_maps: 'node/team/teamMapRepository.ts',
};
const SRC = path.join(PROJECT_ROOT, 'src');
const files = readdirSync(SRC, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
  .map((e) => path.relative(SRC, path.join(e.parentPath, e.name)).replace(/\\/g, '/'));

describe('team tables', () => {
  it('every team table of the migrations has one owner', () => {
    const created = loadTeamMigrations().flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1]));
    expect(created.sort()).toEqual(Object.keys(OWNER).sort());
  });

  it('each team table is named only by its own module', () => {
    const re = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+(${Object.keys(OWNER).join('|')})\b`, 'g');
    const wrong: string[] = [];
    for (const f of files) {
      const text = readFileSync(path.join(SRC, f), 'utf8');
      for (const m of text.matchAll(re)) if (OWNER[m[1]] !== f) wrong.push(`${f}: ${m[1]}`);
    }
    expect(wrong).toEqual([]);
  });
});
