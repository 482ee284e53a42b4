// Two writers on one project, as they happen in practice: two HTTP clients of one server (two windows), and two
// server processes on one project database file (two `simplepose serve`, or a second app next to a script). Each
// writer edits the same two persons from the state it last saw; afterwards the database is read back: every
// acknowledged edit must be there unless a later acknowledged edit wrote the same joint, none may be refused, and
// the history must replay to the stored state.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';
import { startServer } from '../../src/server/startServer.ts';
import { judgeOutcome, runWriters, seedImage, spawnServer } from '../support/editWriters.ts';

const EDITS_PER_WRITER = 500;
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

describe('two writers, 1,000 interleaved edits of the same persons', () => {
  it('two HTTP clients of one server: 0 refused, 0 lost', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-2w-'));
    const db = openProjectDb(path.join(root, 'p.sqlite'));
    const initial = seedImage(db, 2);
    const server = await startServer({ service: createProjectService(db, root), root, token: 'tok' });
    stops.push(() => server.close());
    const e = { base: `http://127.0.0.1:${server.port}`, token: 'tok' };
    const o = await runWriters([e, e], { imageId: 1, personIds: ['w0', 'w1'], editsPerWriter: EDITS_PER_WRITER });
    const judged = judgeOutcome(db, 1, initial, o);
    expect(o.refused).toEqual([]);
    expect(o.acknowledged).toHaveLength(2 * EDITS_PER_WRITER);
    expect(judged).toMatchObject({ lost: 0, refused: 0, historyRows: 2 * EDITS_PER_WRITER, replays: true });
    expect(judged.finalRevision).toBe(1 + 2 * EDITS_PER_WRITER);
    expect(o.conflicts).toBeGreaterThan(0); // the writers did collide on the same joints
  }, 120_000);

  it('two server processes on one project file: 0 refused ("database is locked"), 0 lost', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-2s-'));
    const file = path.join(root, 'p.sqlite');
    const setup = openProjectDb(file);
    const initial = seedImage(setup, 2);
    setup.close();
    const servers = await Promise.all([spawnServer(file, root), spawnServer(file, root)]);
    for (const s of servers) stops.push(() => s.child.kill());
    const o = await runWriters(
      servers.map((s) => s.endpoint),
      { imageId: 1, personIds: ['w0', 'w1'], editsPerWriter: EDITS_PER_WRITER, seed: 7 },
    );
    const db = openProjectDb(file, { readonly: true });
    const judged = judgeOutcome(db, 1, initial, o);
    db.close();
    expect(o.refused).toEqual([]);
    expect(judged).toMatchObject({ lost: 0, refused: 0, historyRows: 2 * EDITS_PER_WRITER, replays: true });
    expect(o.conflicts).toBeGreaterThan(0);
  }, 180_000);

  it('a review status set by one writer is not overwritten by another that opens the image later', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-2st-'));
    const file = path.join(root, 'p.sqlite');
    const one = openProjectDb(file),
      two = openProjectDb(file);
    seedImage(one, 1);
    const a = createProjectService(one, root),
      b = createProjectService(two, root);
    await a.setStatus({ imageId: 1, status: 'accepted' });
    // Window B's list still says "unreviewed": opening the image marks it in progress only from that status.
    expect(await b.setStatus({ imageId: 1, status: 'in_progress', ifStatus: 'unreviewed' })).toEqual({
      ok: true,
      status: 'accepted',
    });
    expect((await a.listImages({})).images[0].status).toBe('accepted');
    one.close();
    two.close();
  });
});
