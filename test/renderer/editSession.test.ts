// The review app's edit path (EditSession: the core EditHistory per image, and its save queue) over the real project
// service: two windows on one project file (two services, two connections, as two servers or an app next to a
// script), a database another writer locks, a restart, a history longer than what is loaded at first.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { createProjectService } from '../../src/node/project/projectService.ts';
import { EditSession } from '../../src/renderer/editor/editSession.ts';
import { moveJoint } from '../../src/core/edit/poseEdits.ts';
import { seedImage } from '../support/editWriters.ts';
import { serviceClient } from './studioHarness.ts';

function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-session-'));
  const file = path.join(root, 'p.sqlite');
  const db = openProjectDb(file);
  seedImage(db, 2, 640, 480);
  db.close();
  return { root, file };
}
async function window(file: string, root: string, sleep?: (ms: number) => Promise<void>) {
  const db = openProjectDb(file);
  const service = createProjectService(db, root);
  const client = serviceClient(service);
  const messages: string[] = [];
  let changes = 0;
  const session = new EditSession(
    client.api,
    { changed: () => changes++, say: (m) => messages.push(m) },
    sleep ?? (() => Promise.resolve()),
  );
  session.loaded(1, await client.api.getAnnotation({ imageId: 1 }));
  client.calls.length = 0;
  return { db, service, session, client, messages, changes: () => changes };
}
const joint = (s: { persons: Record<string, { joints: ({ x: number; y: number } | null)[] }> }, p: string, k: number) =>
  s.persons[p].joints[k];
const shown = (w: Awaited<ReturnType<typeof window>>) => w.session.shown(1)!;

describe('EditSession: one history, run here, saved there', () => {
  it('undo is one local step and one save (no second round trip); redo too; the history survives a restart', async () => {
    const { root, file } = project();
    const w = await window(file, root);
    await w.session.commit(1, moveJoint(shown(w).state, 'w0', 0, 100, 100), 'nose');
    await w.session.commit(1, moveJoint(shown(w).state, 'w0', 1, 101, 101), 'eye');
    w.client.calls.length = 0;
    const undone = w.session.history(1, 'undo');
    // Shown at once, before the save's answer.
    expect(joint(shown(w).state, 'w0', 1)).toMatchObject({ x: 5, y: 6 });
    expect(w.messages.at(-1)).toBe('Undid: eye');
    await undone;
    expect(w.client.calls).toEqual(['saveEdits']);
    await w.session.history(1, 'redo');
    await w.session.history(1, 'undo');
    expect(w.client.calls).toEqual(['saveEdits', 'saveEdits', 'saveEdits']);
    expect(shown(w)).toMatchObject({ canUndo: true, canRedo: true, pending: 0, revision: 6 });
    w.db.close();
    // Another window after a restart: the history comes with the annotation, undo goes on from where it was.
    const again = await window(file, root);
    expect(shown(again)).toMatchObject({ canUndo: true, canRedo: true, revision: 6 });
    await again.session.history(1, 'undo');
    expect(joint(shown(again).state, 'w0', 0)).toMatchObject({ x: 5, y: 5 });
    await again.session.history(1, 'undo'); // the seed itself
    await again.session.history(1, 'undo');
    expect(again.messages.at(-1)).toBe('Nothing to undo.');
    expect(again.client.calls).toEqual(['saveEdits', 'saveEdits']);
    expect((await again.service.getAnnotation({ imageId: 1 })).state.order).toEqual([]);
  });

  it('a batch (a drag) is one save and one undo step', async () => {
    const { root, file } = project();
    const w = await window(file, root);
    w.session.beginBatch(1);
    for (let i = 1; i <= 5; i++)
      await w.session.commit(1, moveJoint(shown(w).state, 'w0', 0, 10 * i, 10), 'Move joint');
    expect(w.client.calls).toEqual([]);
    expect(shown(w).pending).toBe(1); // the open gesture: not saved, never overwritten by a reload
    await w.session.endBatch(1);
    expect(w.client.calls).toEqual(['saveEdits']);
    const stored = await w.service.getAnnotation({ imageId: 1 });
    expect(stored.history).toMatchObject({ cursor: 2, length: 2 });
    expect(joint(stored.state, 'w0', 0)).toMatchObject({ x: 50, y: 10 });
    await w.session.history(1, 'undo');
    expect(joint((await w.service.getAnnotation({ imageId: 1 })).state, 'w0', 0)).toMatchObject({ x: 5, y: 5 });
  });

  it('a history longer than the first page: older entries are paged in once, then undo goes on locally', async () => {
    const { root, file } = project();
    const w = await window(file, root);
    for (let i = 0; i < 45; i++) await w.session.commit(1, moveJoint(shown(w).state, 'w0', i % 17, i, 3), `m${i}`);
    const again = await window(file, root);
    for (let i = 0; i < 46; i++) await again.session.history(1, 'undo');
    expect(again.client.calls.filter((c) => c === 'getEditHistory')).toHaveLength(1);
    expect(again.client.calls.filter((c) => c === 'saveEdits')).toHaveLength(46);
    expect((await again.service.getAnnotation({ imageId: 1 })).state.order).toEqual([]);
    expect(shown(again)).toMatchObject({ canUndo: false, canRedo: true });
  });
});

describe('EditSession: two windows on one project', () => {
  it("shows the other window's change and keeps its own; the same joint: its own value wins, said so", async () => {
    const { root, file } = project();
    const a = await window(file, root),
      b = await window(file, root);
    await a.session.commit(1, moveJoint(shown(a).state, 'w0', 0, 100, 100), 'A nose');
    // B has not heard of A's edit: its save is re-based onto it by the server, which answers with the annotation.
    await b.session.commit(1, moveJoint(shown(b).state, 'w0', 5, 200, 200), 'B shoulder');
    expect(joint(shown(b).state, 'w0', 0)).toMatchObject({ x: 100, y: 100 });
    expect(joint(shown(b).state, 'w0', 5)).toMatchObject({ x: 200, y: 200 });
    // Both change joint 7 from the states they have: B's save meets a 409, B shows A's change and keeps its own.
    await a.session.commit(1, moveJoint(shown(a).state, 'w0', 7, 10, 10), 'A elbow');
    await b.session.commit(1, moveJoint(shown(b).state, 'w0', 7, 20, 20), 'B elbow');
    expect(b.messages.at(-1)).toMatch(
      /^Another window changed this image: .*left elbow of person w0 now as you set it/,
    );
    const stored = await a.service.getAnnotation({ imageId: 1 });
    expect(joint(stored.state, 'w0', 0)).toMatchObject({ x: 100, y: 100 });
    expect(joint(stored.state, 'w0', 5)).toMatchObject({ x: 200, y: 200 });
    expect(joint(stored.state, 'w0', 7)).toMatchObject({ x: 20, y: 20 });
    expect(shown(b)).toMatchObject({ state: stored.state, revision: stored.revision, pending: 0 });
    expect(stored.revision).toBe(5); // seed + 4 saved edits: none lost, none refused
    // B's history is the project's: its undo takes B's own last change, then A's.
    await b.session.history(1, 'undo');
    expect(joint((await a.service.getAnnotation({ imageId: 1 })).state, 'w0', 7)).toMatchObject({ x: 10, y: 10 });
  });

  it('an undo made on a state another window changed since is refused; the window shows that change, says so', async () => {
    const { root, file } = project();
    const a = await window(file, root),
      b = await window(file, root);
    await b.session.commit(1, moveJoint(shown(b).state, 'w1', 3, 33, 33), 'B ear');
    await a.session.commit(1, moveJoint(shown(a).state, 'w0', 0, 1, 1), 'A nose'); // re-based: A now knows B's
    await b.session.history(1, 'undo'); // B undoes "B ear" on a revision A moved on from
    expect(b.messages.at(-1)).toBe(
      'Another window changed this image: it is shown as it is now, and your undo was not applied (undo again to undo its latest change)',
    );
    const stored = await a.service.getAnnotation({ imageId: 1 });
    expect(shown(b)).toMatchObject({ state: stored.state, revision: stored.revision, pending: 0 });
    expect(joint(stored.state, 'w1', 3)).toMatchObject({ x: 33, y: 33 });
    await b.session.history(1, 'undo'); // now on what it has seen: A's nose
    expect(joint((await a.service.getAnnotation({ imageId: 1 })).state, 'w0', 0)).toMatchObject({ x: 5, y: 5 });
  });

  it('a busy database: the steps are kept and sent again (together), never thrown away; a malformed one is dropped with its reason', async () => {
    const { root, file } = project();
    let release: () => void = () => {};
    const retried = new Promise<void>((r) => (release = r));
    const w = await window(file, root, () => retried);
    w.db.pragma('busy_timeout = 20');
    const lock = new Database(file);
    lock.exec('BEGIN IMMEDIATE');
    const before = shown(w);
    const saved = w.session.commit(1, moveJoint(before.state, 'w1', 2, 33, 44), 'move');
    expect(joint(shown(w).state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    await expect
      .poll(() => w.messages.at(-1))
      .toMatch(
        /^Not saved yet \(the edit was not saved: the project database stayed locked .*\); your edit is kept and sent again in 0\.5 s$/,
      );
    void w.session.history(1, 'undo');
    void w.session.history(1, 'redo');
    const more = w.session.commit(1, moveJoint(shown(w).state, 'w1', 4, 1, 2), 'another');
    expect(shown(w)).toMatchObject({ pending: 4, revision: before.revision });
    lock.exec('ROLLBACK');
    w.client.calls.length = 0;
    release();
    await Promise.all([saved, more]);
    expect(w.client.calls).toEqual(['saveEdits']); // the four steps in one save
    expect(w.messages.at(-1)).toBe('Saved: move, undo move, redo move, another');
    const stored = await w.service.getAnnotation({ imageId: 1 });
    expect(joint(stored.state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    expect(stored.revision).toBe(before.revision + 4);
    const bad = w.session.commit(1, moveJoint(shown(w).state, 'w1', 2, 1e6, 0), 'too far');
    await bad;
    expect(w.messages.at(-1)).toMatch(/^Not saved: too far: the edit was refused: .*too far outside the 640×480 image/);
    expect(shown(w).pending).toBe(0);
    expect(joint(shown(w).state, 'w1', 2)).toMatchObject({ x: 33, y: 44 });
    lock.close();
  });

  it('another person’s newer state, taken in the middle of a drag: the drag stays, and the line names who', async () => {
    const { root, file } = project();
    const a = await window(file, root);
    const b = await window(file, root);
    b.session.beginBatch(1); // b's gesture is open: nothing of it is saved yet
    await a.session.commit(1, moveJoint(shown(a).state, 'w0', 0, 100, 100), 'nose');
    b.session.loaded(1, await b.client.api.getAnnotation({ imageId: 1 }), 'alice');
    expect(b.messages.at(-1)).toBe('alice changed this image: its changes are shown and yours kept');
    expect(joint(shown(b).state, 'w0', 0)).toMatchObject({ x: 100, y: 100 });
    await b.session.commit(1, moveJoint(shown(b).state, 'w0', 3, 55, 66), 'ear');
    await b.session.endBatch(1);
    await b.session.idle();
    const stored = (await a.client.api.getAnnotation({ imageId: 1 })).state;
    expect([joint(stored, 'w0', 0), joint(stored, 'w0', 3)]).toMatchObject([
      { x: 100, y: 100 },
      { x: 55, y: 66 },
    ]);
    // nothing of b's pending: the newer state is simply taken, and said whose
    await a.session.commit(1, moveJoint(shown(a).state, 'w0', 1, 7, 8), 'eye');
    b.session.loaded(1, await b.client.api.getAnnotation({ imageId: 1 }), 'alice');
    expect(b.messages.at(-1)).toBe('alice changed this image');
    a.db.close();
    b.db.close();
  });
});
