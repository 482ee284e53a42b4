import { describe, expect, it } from 'vitest';
import { EditHistory, HistoryStepError, stepDiff, stepSeq, type HistoryStep } from './editHistory.ts';
import {
  acceptPredictions,
  addPerson,
  cycleVisibility,
  deleteJoint,
  deletePerson,
  moveJoint,
  placeJoint,
} from './poseEdits.ts';
import { applyDiff, invertDiff } from './recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from './poseRecords.ts';

const pose = {
  score: 0.8,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => ({ x: 10 + k, y: 20, score: 0.5 })),
};
const predicted = (): AnnotationState =>
  applyDiff(
    EMPTY_ANNOTATION,
    acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
  );
const x0 = (h: EditHistory) => h.current.persons.p0.joints[0]!.x;

describe('EditHistory', () => {
  it('undo/redo walk the entries; a new change drops the undone ones; each operation says what it did', () => {
    const h = new EditHistory(predicted());
    expect([h.canUndo, h.canRedo]).toEqual([false, false]);
    expect(h.undo()).toBeNull();
    const a = h.apply(moveJoint(h.current, 'p0', 0, 1, 1), 'move');
    const b = h.apply(cycleVisibility(h.current, 'p0', 1), 'visibility');
    expect([a?.kind, a?.seq, b?.seq]).toEqual(['do', 1, 2]);
    expect(h.undo()).toEqual({ kind: 'undo', seq: 2, label: 'visibility' });
    expect(h.current.persons.p0.joints[1]?.v).toBe(2);
    expect(h.undo()).toEqual({ kind: 'undo', seq: 1, label: 'move' });
    expect(x0(h)).toBe(10);
    expect(h.redo()).toEqual({ kind: 'redo', seq: 1, label: 'move' });
    expect([h.canUndo, h.canRedo]).toEqual([true, true]);
    const c = h.apply(deleteJoint(h.current, 'p0', 2), 'delete joint');
    expect(c?.seq).toBe(2); // replaces the undone "visibility"
    expect(h.canRedo).toBe(false);
    expect(h.window()).toMatchObject({ cursor: 2, length: 2, first: 1 });
    expect(h.window().entries.map((e) => e.label)).toEqual(['move', 'delete joint']);
    expect(h.apply({ added: {}, updated: {}, removed: {} }, 'nothing')).toBeNull();
  });

  it('a batch (a whole drag) is one entry, one step; a batch that changes nothing is none', () => {
    const h = new EditHistory(predicted());
    h.beginBatch();
    for (let i = 1; i <= 10; i++) expect(h.apply(moveJoint(h.current, 'p0', 0, i, i), 'move joint')).toBeNull();
    expect(h.current.persons.p0.joints[0]).toMatchObject({ x: 10, y: 10 }); // shown at once…
    expect(() => h.undo()).toThrow(HistoryStepError); // …but not undoable until the batch ends
    const step = h.endBatch();
    expect(step).toMatchObject({ kind: 'do', seq: 1, label: 'move joint' });
    expect(h.window().entries).toHaveLength(1);
    h.undo();
    expect(h.current).toEqual(predicted());
    h.beginBatch();
    h.apply(addPerson(h.current, 'x'), 'add person');
    h.apply(deletePerson(h.current, 'x'), 'delete person');
    expect(h.endBatch()).toBeNull();
    const edited = new EditHistory(h.current);
    edited.apply(moveJoint(edited.current, 'p0', 2, 7, 7), 'move joint'); // an edited joint (its source stays)
    edited.beginBatch();
    edited.apply(moveJoint(edited.current, 'p0', 2, 1, 1), 'move joint');
    edited.apply(moveJoint(edited.current, 'p0', 2, 7, 7), 'move joint'); // back where it was
    expect(edited.endBatch()).toBeNull();
    h.beginBatch();
    h.apply({ added: {}, updated: {}, removed: {}, order: [['p0'], ['p0']] }, 'order');
    expect(h.endBatch()).toBeNull();
    expect(h.canRedo).toBe(true); // nothing recorded: the redo branch stays
    // A batch that adds a person and places its joints: one entry; its undo removes the person.
    h.beginBatch();
    h.apply(addPerson(h.current, 'n'), 'add person');
    h.apply(placeJoint(h.current, 'n', 0, 3, 4), 'place joint');
    h.apply(placeJoint(h.current, 'n', 1, 5, 6), 'place joint');
    expect(h.endBatch()).toMatchObject({ kind: 'do', seq: 1, label: 'add person' });
    expect(h.current.persons.n.joints[1]).toMatchObject({ x: 5, y: 6 });
    expect(h.window().entries).toHaveLength(1);
    h.undo();
    expect(h.current).toEqual(predicted());
    h.redo();
    expect(h.current.persons.n.joints[0]).toMatchObject({ x: 3, y: 4 });
  });

  it('a history restored from its window continues where it was; steps replay onto a copy', () => {
    const h = new EditHistory(predicted());
    const steps: HistoryStep[] = [];
    for (let i = 0; i < 5; i++) steps.push(h.apply(moveJoint(h.current, 'p0', i, 50 + i, 60), `move ${i}`)!);
    steps.push(h.undo()!, h.undo()!);
    const restored = new EditHistory(h.current, h.window());
    expect(restored.redo()).toEqual({ kind: 'redo', seq: 4, label: 'move 3' });
    const copy = new EditHistory(predicted());
    for (const st of steps) copy.replay(st);
    expect(copy.current).toEqual(h.current);
    expect(copy.window()).toEqual(h.window());
    expect(() => copy.replay({ kind: 'undo', seq: 5, label: 'move 4' })).toThrow(
      /does not follow the history at entry 3/,
    );
  });

  it('pages: an entry that is not loaded is asked for, then joins the loaded ones', () => {
    const full = new EditHistory(predicted());
    for (let i = 0; i < 6; i++) full.apply(moveJoint(full.current, 'p0', 0, i, i), `move ${i}`);
    const all = full.window().entries;
    const h = new EditHistory(full.current, { cursor: 6, length: 6, first: 5, entries: all.slice(4) });
    h.undo();
    h.undo();
    expect(h.missing('undo')).toBe(4);
    expect(() => h.undo()).toThrow(/entry 4 of the history is not loaded/);
    expect(() => h.addEntries(1, all.slice(0, 3))).toThrow(/do not join/);
    h.addEntries(1, all.slice(0, 4));
    expect(h.missing('undo')).toBeNull();
    while (h.undo());
    expect(h.current).toEqual(predicted());
  });

  it('stepSeq and stepDiff: the rules a store checks steps against', () => {
    const d = moveJoint(predicted(), 'p0', 0, 1, 1);
    expect([stepSeq('undo', 3), stepSeq('redo', 3), stepSeq('do', 3)]).toEqual([3, 4, 4]);
    expect(stepDiff('undo', { diff: d, label: 'm' })).toEqual(invertDiff(d));
    expect(stepDiff('redo', { diff: d, label: 'm' })).toBe(d);
    expect(() => new EditHistory(predicted(), { cursor: 3, length: 2, first: 1, entries: [] })).toThrow(
      /not a history window/,
    );
  });
});
