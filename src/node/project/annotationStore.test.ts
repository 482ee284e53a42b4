import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { AnnotationStore } from './annotationStore.ts';
import { acceptPredictions, cycleVisibility, moveJoint } from '../../core/edit/poseEdits.ts';
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
    for (let i = 1; i <= 5; i++) s = store.apply(1, moveJoint(s, 'p0', 0, 50 + i, 60), 'move joint', 'drag-7').state;
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
    expect(() => store.apply(1, stale, 'move joint')).toThrow(/does not exist/);
    expect(store.history(1).undo.map((e) => e.label)).toEqual(['accept', 'delete person']);
  });
});
