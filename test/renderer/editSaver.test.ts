// The review app's save path (EditSaver) over the real project service: two windows on one project file (two
// services, two connections, as two servers or an app next to a script), and a database another writer locks.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService, type ProjectService } from '../../src/node/project/projectService.ts';
import { EditSaver } from '../../src/renderer/editor/editSaver.ts';
import { moveJoint } from '../../src/core/edit/poseEdits.ts';
import { seedImage } from '../support/editWriters.ts';

function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-saver-'));
  const file = path.join(root, 'p.sqlite');
  const db = openProjectDb(file);
  seedImage(db, 2, 640, 480);
  db.close();
  return { root, file };
}
async function window(file: string, root: string, sleep?: (ms: number) => Promise<void>) {
  const db = openProjectDb(file);
  const service: ProjectService = createProjectService(db, root);
  const messages: string[] = [];
  const shown: number[] = [];
  const saver = new EditSaver(
    service,
    { onState: (_id, v) => shown.push(v.revision), onMessage: (m) => messages.push(m) },
    sleep,
  );
  const a = await service.getAnnotation({ imageId: 1 });
  saver.loaded(1, a.state, a.revision);
  return { db, service, saver, messages, shown };
}
const joint = (s: { persons: Record<string, { joints: ({ x: number; y: number } | null)[] }> }, p: string, k: number) =>
  s.persons[p].joints[k];

describe('EditSaver: two windows on one project', () => {
  it("shows the other window's change and keeps its own; the same joint: its own value wins, said so", async () => {
    const { root, file } = project();
    const a = await window(file, root),
      b = await window(file, root);
    await a.saver.commit(1, moveJoint(a.saver.shown(1)!.state, 'w0', 0, 100, 100), 'A nose').saved;
    // B has not heard of A's edit: its save is re-based onto it by the server.
    await b.saver.commit(1, moveJoint(b.saver.shown(1)!.state, 'w0', 5, 200, 200), 'B shoulder').saved;
    expect(joint(b.saver.shown(1)!.state, 'w0', 0)).toMatchObject({ x: 100, y: 100 });
    expect(joint(b.saver.shown(1)!.state, 'w0', 5)).toMatchObject({ x: 200, y: 200 });
    // Both change joint 7 from the states they have: B's save meets a 409, B shows A's change and keeps its own.
    await a.saver.commit(1, moveJoint(a.saver.shown(1)!.state, 'w0', 7, 10, 10), 'A elbow').saved;
    await b.saver.commit(1, moveJoint(b.saver.shown(1)!.state, 'w0', 7, 20, 20), 'B elbow').saved;
    expect(b.messages.at(-1)).toMatch(
      /^Another window changed this image: .*left elbow of person w0 now as you set it/,
    );
    const stored = await a.service.getAnnotation({ imageId: 1 });
    expect(joint(stored.state, 'w0', 0)).toMatchObject({ x: 100, y: 100 });
    expect(joint(stored.state, 'w0', 5)).toMatchObject({ x: 200, y: 200 });
    expect(joint(stored.state, 'w0', 7)).toMatchObject({ x: 20, y: 20 });
    expect(b.saver.shown(1)).toEqual({ state: stored.state, revision: stored.revision, pending: 0 });
    expect(stored.revision).toBe(5); // seed + 4 saved edits: none lost, none refused
  });
  it('a busy database: the edit is kept and sent again, never thrown away; a malformed one is dropped with its reason', async () => {
    const { root, file } = project();
    let release = () => undefined as void;
    const retried = new Promise<void>((r) => (release = r));
    const w = await window(file, root, () => retried);
    w.db.pragma('busy_timeout = 20');
    const lock = new Database(file);
    lock.exec('BEGIN IMMEDIATE');
    const before = w.saver.shown(1)!;
    const { view, saved } = w.saver.commit(1, moveJoint(before.state, 'w1', 2, 33, 44), 'move');
    expect(joint(view.state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    await expect
      .poll(() => w.messages.at(-1))
      .toMatch(
        /^Not saved yet \(the edit was not saved: the project database stayed locked .*\); your edit is kept and sent again in 0\.5 s$/,
      );
    expect(w.saver.shown(1)).toMatchObject({ pending: 1, revision: before.revision });
    lock.exec('ROLLBACK');
    release();
    await saved;
    expect(w.messages.at(-1)).toBe('Saved: move');
    expect(joint((await w.service.getAnnotation({ imageId: 1 })).state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    const bad = w.saver.commit(1, moveJoint(w.saver.shown(1)!.state, 'w1', 2, 1e6, 0), 'too far');
    await bad.saved;
    expect(w.messages.at(-1)).toMatch(/^Not saved: the edit was refused: .*too far outside the 640×480 image/);
    expect(w.saver.shown(1)!.pending).toBe(0);
    expect(joint(w.saver.shown(1)!.state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    lock.close();
  });
});
