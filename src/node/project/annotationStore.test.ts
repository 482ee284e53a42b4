import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { AnnotationStore } from './annotationStore.ts';
import { acceptPredictions, addPerson, cycleVisibility, moveJoint } from '../../core/edit/poseEdits.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { exportCoco } from './cocoExchange.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION } from '../../core/edit/poseRecords.ts';
import { EditHistory } from '../../core/edit/editHistory.ts';

function project() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sp-ann-')), 'p.sqlite');
  const db = openProjectDb(file);
  db.prepare(
    "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 100, 100, 0, 0)",
  ).run();
  return { db, file };
}
const pose = { score: 0.9, neck: null, joints: Array.from({ length: 17 }, (_, k) => ({ x: k, y: k, score: 0.5 })) };

describe('AnnotationStore', () => {
  it('persists edits; a drag is one step; undo/redo survive a restart (reopened database)', () => {
    const { db, file } = project();
    let store = new AnnotationStore(db);
    let s = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept predictions',
    ).state;
    for (let i = 1; i <= 5; i++)
      s = store.apply(1, moveJoint(s, 'p0', 0, 50 + i, 60), 'move joint', { group: 'drag-7' }).state;
    s = store.apply(1, cycleVisibility(s, 'p0', 1), 'visibility').state;
    expect(store.history(1).undo.map((e) => e.label)).toEqual(['accept predictions', 'move joint', 'visibility']);
    expect(store.undo(1)?.label).toBe('visibility');
    db.close();
    const db2 = openProjectDb(file);
    store = new AnnotationStore(db2);
    const { state, revision } = store.load(1);
    expect(state.persons.p0.joints[0]).toMatchObject({ x: 55, y: 60, source: 'edited' });
    expect(state.persons.p0.joints[1]?.v).toBe(2);
    expect(revision).toBe(8);
    expect(store.undo(1)?.label).toBe('move joint');
    expect(store.load(1).state.persons.p0.joints[0]).toMatchObject({ x: 0, y: 0, source: 'model' });
    expect(store.redo(1)?.label).toBe('move joint');
    const h = store.history(1);
    expect([h.undo.length, h.redo.length]).toEqual([2, 1]);
    // The same entries drive the in-memory editor history.
    const editor = new EditHistory(store.load(1).state, h.undo, h.redo);
    editor.redo();
    expect(editor.current.persons.p0.joints[1]?.v).toBe(1);
    store.apply(1, moveJoint(store.load(1).state, 'p0', 2, 9, 9), 'move joint');
    expect(store.history(1).redo).toHaveLength(0);
    db2.close();
  });
  it('refuses an edit that does not fit, leaving the stored state and history unchanged', () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const s = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    ).state;
    const stale = moveJoint(s, 'p0', 0, 1, 1);
    store.apply(1, { added: {}, updated: {}, removed: { p0: s.persons.p0 } }, 'delete person');
    expect(() => store.apply(1, stale, 'move joint')).toThrow(/person p0 does not exist/);
    expect(store.history(1).undo.map((e) => e.label)).toEqual(['accept', 'delete person']);
  });
});

/** The ApiError a call throws (code, message, details). */
function refusal(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('AnnotationStore: revisions (two writers from the same loaded state)', () => {
  const setup = () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const loaded = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose, pose], (i) => `p${i}`),
      'accept',
    );
    return { db, store, loaded };
  };
  it('an edit on an older revision that changes other joints is re-based: both changes are kept', () => {
    const { store, loaded } = setup();
    const a = store.apply(1, moveJoint(loaded.state, 'p0', 0, 50, 50), 'A', { baseRevision: loaded.revision });
    const b = store.apply(1, moveJoint(loaded.state, 'p0', 5, 60, 60), 'B', { baseRevision: loaded.revision });
    expect(b.revision).toBe(a.revision + 1);
    const { state } = store.load(1);
    expect(state.persons.p0.joints[0]).toMatchObject({ x: 50, y: 50 });
    expect(state.persons.p0.joints[5]).toMatchObject({ x: 60, y: 60 });
    // The history holds the diff as applied: undoing B keeps A.
    store.undo(1);
    expect(store.load(1).state.persons.p0.joints[0]).toMatchObject({ x: 50, y: 50 });
    expect(store.load(1).state.persons.p0.joints[5]).toMatchObject({ x: 5, y: 5 });
  });
  it('an edit on an older revision of the same joint is refused with 409 and the current annotation', () => {
    const { store, loaded } = setup();
    const a = store.apply(1, moveJoint(loaded.state, 'p1', 3, 70, 70), 'A', { baseRevision: loaded.revision });
    const e = refusal(() =>
      store.apply(1, moveJoint(loaded.state, 'p1', 3, 80, 80), 'B', { baseRevision: loaded.revision }),
    );
    expect([e.code, e.status]).toEqual(['conflict', 409]);
    expect(e.message).toMatch(/another writer changed left ear of person p1 since revision 1 \(now 2\)/);
    expect(e.details).toEqual({ state: a.state, revision: a.revision, canUndo: true, canRedo: false });
    expect(store.load(1).revision).toBe(a.revision);
    // Undo names the revision its window saw: a stale one is refused the same way.
    expect(refusal(() => store.undo(1, { baseRevision: loaded.revision })).code).toBe('conflict');
    expect(store.undo(1, { baseRevision: a.revision })?.label).toBe('A');
  });
});

describe('AnnotationStore: payloads that would break the project are refused (422), nothing stored', () => {
  const { db } = project();
  const store = new AnnotationStore(db);
  const { state, revision } = store.apply(
    1,
    acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
    'accept',
  );
  const p0 = state.persons.p0;
  const attacks: [string, RecordDiff, RegExp][] = [
    [
      'order naming persons that do not exist',
      { added: {}, updated: {}, removed: {}, order: [state.order, ['p0', 'ghost']] },
      /order: names person ghost/,
    ],
    [
      'a map key that is not the id',
      { added: { x: { ...p0, id: 'y' } }, updated: {}, removed: {} },
      /diff\.added\.x\.id: must be the key/,
    ],
    [
      'a joint list of 5',
      { added: {}, updated: { p0: [p0, { ...p0, joints: p0.joints.slice(0, 5) }] }, removed: {} },
      /must list exactly 17 joints/,
    ],
    [
      '±1e308 coordinates',
      {
        added: {},
        updated: { p0: [p0, { ...p0, joints: p0.joints.map((j) => j && { ...j, x: 1e308 }) }] },
        removed: {},
      },
      /too far outside the 100×100 image/,
    ],
    [
      'a before that is not the stored record',
      moveJoint({ ...state, persons: { p0: { ...p0, crowd: true } } }, 'p0', 0, 1, 1),
      /is not the stored record of person p0/,
    ],
    [
      'imported COCO fields added by an edit',
      { added: { n: { ...p0, id: 'n', coco: { id: 5 } } }, updated: {}, removed: {} },
      /cannot carry imported COCO fields/,
    ],
  ];
  for (const [what, diff, message] of attacks)
    it(what, () => {
      const e = refusal(() => store.apply(1, diff, 'attack', { baseRevision: revision }));
      expect([e.code, e.status]).toEqual(['unprocessable', 422]);
      expect(e.message).toMatch(message);
      expect(store.load(1)).toEqual({ state, revision });
      expect(store.history(1).undo).toHaveLength(1);
      expect(() => exportCoco(db)).not.toThrow();
    });
  it('an image that does not exist: not_found', () => {
    expect(refusal(() => store.apply(99, addPerson(EMPTY_ANNOTATION, 'a'), 'x')).code).toBe('not_found');
  });
});

describe('AnnotationStore: saving costs the same however long the history', () => {
  it('every history query is an indexed range (migration 005), none scans the image history', () => {
    const { db } = project();
    const plans = [
      'DELETE FROM edits WHERE image_id = 1 AND undone = 1',
      'SELECT id FROM edits WHERE image_id = 1 AND undone = 0 ORDER BY seq DESC LIMIT 1',
      'SELECT id FROM edits WHERE image_id = 1 AND undone = 1 ORDER BY seq LIMIT 1',
      'SELECT EXISTS (SELECT 1 FROM edits WHERE image_id = 1 AND undone = 1)',
    ].map((q) => (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all() as { detail: string }[]).map((r) => r.detail).join('; '));
    for (const plan of plans)
      expect(plan).toMatch(/USING (COVERING )?INDEX edits_by_state \(image_id=\? AND undone=\?\)/);
  });
});
