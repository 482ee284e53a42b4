// Another writer holding the project's write lock: an edit waits for it (busy_timeout), is retried within a bound,
// and is then refused with a message that says what happened — nothing half-written; released, it saves.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';
import { WRITE_ATTEMPTS } from '../../src/node/db/writeTransaction.ts';
import { moveJoint } from '../../src/core/edit/poseEdits.ts';
import { seedImage } from '../support/editWriters.ts';

describe('a project database locked by another writer', () => {
  it('an edit is refused as unavailable (503) after a bounded wait, changing nothing; then it saves', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-busy-'));
    const file = path.join(root, 'p.sqlite');
    const db = openProjectDb(file);
    seedImage(db, 1);
    db.pragma('busy_timeout = 50'); // the default waits 5 s per attempt
    const service = createProjectService(db, root);
    const before = await service.getAnnotation({ imageId: 1 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE'); // e.g. an import in another process
    const t0 = performance.now();
    const edit = () =>
      service.saveEdits({
        imageId: 1,
        revision: before.revision,
        steps: [{ kind: 'do', seq: 2, diff: moveJoint(before.state, 'w0', 0, 99, 99), label: 'move' }],
      });
    const refused = await edit().then(
      () => null,
      (e: Error & { code?: string; status?: number }) => e,
    );
    const waited = performance.now() - t0;
    expect(refused?.code).toBe('unavailable');
    expect(refused?.status).toBe(503);
    expect(refused?.message).toMatch(
      new RegExp(
        `^the edit was not saved: the project database stayed locked by another writer .* through ${WRITE_ATTEMPTS} tries`,
      ),
    );
    expect(waited).toBeGreaterThanOrEqual(WRITE_ATTEMPTS * 50 - 10);
    expect(waited).toBeLessThan(5000);
    other.exec('ROLLBACK');
    expect(await service.getAnnotation({ imageId: 1 })).toEqual(before);
    expect((await edit()).revision).toBe(before.revision + 1);
    other.close();
    db.close();
  });
});
