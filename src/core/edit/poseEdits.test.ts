import { describe, expect, it } from 'vitest';
import {
  acceptPredictions,
  addPerson,
  cycleVisibility,
  deleteJoint,
  deletePerson,
  moveJoint,
  nextJointIndex,
  placeJoint,
  swapLeftRight,
  EditError,
  mergeConflicts,
  mergePersons,
  movePerson,
  splitPerson,
} from './poseEdits.ts';
import { applyDiff, invertDiff, squashDiffs, DiffConflictError } from './recordDiff.ts';
import { EMPTY_ANNOTATION, personsInOrder, type AnnotationState } from './poseRecords.ts';
import type { Pose } from '../codec/assign/toPoses.ts';

const pose = (dx: number): Pose => ({
  score: 0.8,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => (k === 3 ? null : { x: 10 + k + dx, y: 20 + k, score: 0.5 })),
});
function predicted(): AnnotationState {
  return applyDiff(
    EMPTY_ANNOTATION,
    acceptPredictions(EMPTY_ANNOTATION, [pose(0), pose(100)], (i) => `p${i}`),
  );
}

describe('pose edits', () => {
  it('accepting predictions makes model joints with provenance; accepting more adds, never replaces a person', () => {
    let s = predicted();
    expect(s.order).toEqual(['p0', 'p1']);
    expect(s.persons.p0.joints[0]).toEqual({
      x: 10,
      y: 20,
      v: 2,
      source: 'model',
      model: { x: 10, y: 20, score: 0.5 },
    });
    s = applyDiff(s, moveJoint(s, 'p1', 0, 5, 5));
    s = applyDiff(
      s,
      acceptPredictions(s, [pose(50)], (i) => `q${i}`),
    );
    // Nobody's decision is replaced: p0 (accepted, untouched) and p1 (edited) stay (triage says what is pending).
    expect(s.order).toEqual(['p0', 'p1', 'q0']);
    expect(() => acceptPredictions(s, [pose(7)], () => 'p0')).toThrow(/already exists/);
  });
  it('move, place, cycle visibility 2→1→0→2 (0 keeps the position), delete joint; provenance follows', () => {
    let s = predicted();
    s = applyDiff(s, moveJoint(s, 'p0', 5, 1, 2));
    expect(s.persons.p0.joints[5]).toMatchObject({ x: 1, y: 2, source: 'edited', model: { x: 15 } });
    expect(() => moveJoint(s, 'p0', 3, 0, 0)).toThrow(EditError);
    s = applyDiff(s, placeJoint(s, 'p0', 3, 7, 8));
    expect(s.persons.p0.joints[3]).toEqual({ x: 7, y: 8, v: 2, source: 'human' });
    s = applyDiff(s, cycleVisibility(s, 'p0', 0));
    expect(s.persons.p0.joints[0]).toMatchObject({ v: 1, source: 'edited' });
    // Past 1 the joint is not labelled but keeps where it was: the next press restores it (it used to be deleted).
    s = applyDiff(s, cycleVisibility(s, 'p0', 0));
    expect(s.persons.p0.joints[0]).toEqual({
      x: 10,
      y: 20,
      v: 0,
      source: 'edited',
      model: { x: 10, y: 20, score: 0.5 },
    });
    expect(nextJointIndex(s.persons.p0, 16, 1, true)).toBe(0); // a v = 0 joint is missing (Tab/M go to it)
    s = applyDiff(s, cycleVisibility(s, 'p0', 0));
    expect(s.persons.p0.joints[0]).toMatchObject({ x: 10, y: 20, v: 2 });
    s = applyDiff(s, cycleVisibility(s, 'p0', 0));
    s = applyDiff(s, cycleVisibility(s, 'p0', 0));
    // Placing a v = 0 joint anew puts it where clicked, visible; a labelled one must be moved instead.
    s = applyDiff(s, placeJoint(s, 'p0', 0, 3, 4));
    expect(s.persons.p0.joints[0]).toMatchObject({ x: 3, y: 4, v: 2, source: 'edited', model: { x: 10 } });
    expect(() => placeJoint(s, 'p0', 0, 5, 5)).toThrow(/already placed/);
    s = applyDiff(s, deleteJoint(s, 'p0', 0));
    expect(s.persons.p0.joints[0]).toBeNull();
    s = applyDiff(s, deleteJoint(s, 'p0', 1));
    expect(s.persons.p0.joints[1]).toBeNull();
  });
  it('swap left/right permutes by the COCO flip order; add and delete persons', () => {
    let s = predicted();
    const before = s.persons.p0;
    s = applyDiff(s, swapLeftRight(s, 'p0'));
    expect(s.persons.p0.joints[5]?.x).toBe(before.joints[6]?.x);
    expect(s.persons.p0.joints[0]).toEqual(before.joints[0]);
    s = applyDiff(s, addPerson(s, 'h1'));
    expect(personsInOrder(s).map((p) => p.id)).toEqual(['p0', 'p1', 'h1']);
    s = applyDiff(s, deletePerson(s, 'p1'));
    expect(s.order).toEqual(['p0', 'h1']);
    expect(() => deletePerson(s, 'p1')).toThrow(/no person p1/);
  });
  it('Tab order: next joint, next missing joint, backwards', () => {
    const p = predicted().persons.p0;
    expect(nextJointIndex(p, 16, 1, false)).toBe(0);
    expect(nextJointIndex(p, 0, 1, true)).toBe(3);
    expect(nextJointIndex(p, 0, -1, false)).toBe(16);
  });
});

describe('whole-person edits (move, merge, split): one diff each, so one undo step', () => {
  const half = (s: AnnotationState, id: string, keep: (k: number) => boolean) =>
    applyDiff(s, {
      added: {},
      removed: {},
      updated: {
        [id]: [s.persons[id], { ...s.persons[id], joints: s.persons[id].joints.map((j, k) => (keep(k) ? j : null)) }],
      },
    });

  it('move shifts every placed joint; model joints become edited; undo restores', () => {
    const s = predicted();
    const d = movePerson(s, 'p0', 5, -2);
    const t = applyDiff(s, d);
    for (const [k, j] of s.persons.p0.joints.entries()) {
      const m = t.persons.p0.joints[k];
      if (!j) expect(m).toBeNull();
      else expect(m).toMatchObject({ x: j.x + 5, y: j.y - 2, v: j.v, source: 'edited', model: j.model });
    }
    expect(applyDiff(t, invertDiff(d))).toEqual(s);
    expect(movePerson(s, 'p0', 0, 0)).toEqual({ added: {}, updated: {}, removed: {} });
    expect(() => movePerson(s, 'p0', Number.NaN, 0)).toThrow(/finite/);
    expect(() => movePerson(s, 'nobody', 1, 1)).toThrow(/no person nobody/);
  });

  it('merge fills the kept person from the other and removes it; conflicts must be decided', () => {
    let s = predicted();
    s = half(s, 'p0', (k) => k < 8);
    s = half(s, 'p1', (k) => k >= 6);
    expect(mergeConflicts(s, 'p0', 'p1')).toEqual([6, 7]);
    expect(() => mergePersons(s, 'p0', 'p1')).toThrow(/joints 6, 7: say whose to keep/);
    expect(() => mergePersons(s, 'p0', 'p0')).toThrow(/itself/);
    const d = mergePersons(s, 'p0', 'p1', { 6: 'keep', 7: 'other' });
    const t = applyDiff(s, d);
    expect(t.order).toEqual(['p0']);
    const m = t.persons.p0.joints;
    expect(m[6]).toEqual(s.persons.p0.joints[6]);
    expect(m[7]).toEqual({ ...s.persons.p1.joints[7], source: 'edited' });
    expect(m[12]).toEqual({ ...s.persons.p1.joints[12], source: 'edited' });
    expect(m[0]).toEqual(s.persons.p0.joints[0]);
    expect(m.filter(Boolean)).toHaveLength(16); // joint 3 is missing in both
    expect(applyDiff(t, invertDiff(d))).toEqual(s);
  });

  it('split moves the chosen joints into a new person right after the original; both keep a joint', () => {
    let s = predicted();
    s = applyDiff(s, addPerson(s, 'h1'));
    const d = splitPerson(s, 'p0', [13, 14, 15, 16], 'legs');
    const t = applyDiff(s, d);
    expect(t.order).toEqual(['p0', 'legs', 'p1', 'h1']);
    expect(t.persons.legs.joints.map((j, k) => (j ? k : -1)).filter((k) => k >= 0)).toEqual([13, 14, 15, 16]);
    expect(t.persons.legs.joints[13]).toEqual({ ...s.persons.p0.joints[13], source: 'edited' });
    expect(t.persons.p0.joints.slice(13).every((j) => j === null)).toBe(true);
    expect(t.persons.p0.joints[0]).toEqual(s.persons.p0.joints[0]);
    expect(applyDiff(t, invertDiff(d))).toEqual(s);
    expect(() => splitPerson(s, 'p0', [], 'x')).toThrow(/choose the joints/);
    expect(() => splitPerson(s, 'p0', [3], 'x')).toThrow(/joint 3 of person p0 is not placed/);
    expect(() => splitPerson(s, 'p0', [99], 'x')).toThrow(/outside/);
    expect(() => splitPerson(s, 'p0', [13], 'p1')).toThrow(/already exists/);
    const all = s.persons.p0.joints.flatMap((j, k) => (j ? [k] : []));
    expect(() => splitPerson(s, 'p0', all, 'x')).toThrow(/leave it empty/);
  });
});

describe('record diffs and history', () => {
  it('invert undoes, squash composes, and a diff that does not fit is refused', () => {
    const s0 = predicted();
    const d1 = moveJoint(s0, 'p0', 0, 1, 1);
    const s1 = applyDiff(s0, d1);
    const d2 = moveJoint(s1, 'p0', 0, 2, 2);
    const s2 = applyDiff(s1, d2);
    expect(applyDiff(s2, invertDiff(squashDiffs(d1, d2)))).toEqual(s0);
    expect(applyDiff(s0, squashDiffs(d1, d2))).toEqual(s2);
    expect(() => applyDiff(EMPTY_ANNOTATION, d1)).toThrow(DiffConflictError);
    const add = addPerson(s0, 'x'),
      del = deletePerson(applyDiff(s0, add), 'x');
    expect(applyDiff(s0, squashDiffs(add, del))).toEqual(s0);
  });
});
