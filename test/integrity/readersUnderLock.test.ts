// Another process holding the project's write lock for longer than busy_timeout (a long import, a detection
// committing, a second server): before the fix, reading an image's heatmaps (GET /maps/<id>, the hardness queue)
// wrote its cache bookkeeping, found the database busy, and treated that as a damaged cache entry — answered 500
// and tried to delete the entry and its map files (which it did whenever the lock was released in between) —, and
// setStatus, a write outside writeTransaction, answered 500 "internal error: database is locked". Reads never need
// the lock (WAL); a write the lock refuses is a 503 that says so, like an edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyModel } from '../support/processes.ts';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dispatch } from '../../src/contract/dispatch.ts';
import { readMedia } from '../../src/node/project/projectMedia.ts';
import { makeAttackProject, type AttackProject } from '../support/attackProject.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';

let p: AttackProject;
beforeAll(async () => {
  p = await makeAttackProject();
  const service = p.project.service;
  const finished = new Promise((resolve) => service.events.once('jobFinished', resolve));
  await service.startDetect({
    modelPath: copyModel(path.join(MODEL_FIXTURES, 'tiny.onnx'), p.project.root, 'tiny'), // models come from the project folder
    settings: { scales: [0.25], flip: false, mode: 'fast' },
  });
  expect(await finished).toMatchObject({ status: 'done' });
  p.project.db.pragma('busy_timeout = 50'); // the default waits 5 s per attempt
}, 60_000);
afterAll(() => p?.close());

/** Runs `f` while a second connection (another process, as far as SQLite can tell) holds the write lock. */
async function whileLocked<T>(f: () => Promise<T>): Promise<T> {
  const other = new Database(p.project.db.name);
  other.exec('BEGIN IMMEDIATE');
  try {
    return await f();
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
}

describe('readers and small writes while another writer holds the lock', () => {
  it('the heatmaps of an image are served, and its cache entry kept', async () => {
    const entries = () => p.project.db.prepare('SELECT COUNT(*) FROM map_cache').pluck().get();
    const before = entries();
    expect(before).toBeGreaterThan(0);
    const reply = await whileLocked(() => readMedia(p.project.service, `/maps/${p.imageId}`));
    expect([reply.status, reply.type]).toEqual([200, 'application/octet-stream']);
    expect(entries()).toBe(before);
    expect((await readMedia(p.project.service, `/maps/${p.imageId}`)).status).toBe(200);
  });
  it('setStatus is refused as unavailable (503) with the reason, changing nothing; then it saves', async () => {
    const status = () => p.project.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(p.imageId);
    const before = status();
    const r = await whileLocked(() =>
      dispatch(p.project.service, 'setStatus', { imageId: p.imageId, status: 'accepted' }),
    );
    expect(r).toMatchObject({
      ok: false,
      code: 'unavailable',
      error: expect.stringMatching(/locked by another writer/),
    });
    expect(status()).toBe(before);
    expect(await dispatch(p.project.service, 'setStatus', { imageId: p.imageId, status: 'accepted' })).toEqual({
      ok: true,
      value: { ok: true, status: 'accepted' },
    });
  });
});
