import { describe, expect, it } from 'vitest';
import { rebaseDiff, describeConflict } from './rebaseDiff.ts';
import { addPerson, deletePerson, moveJoint, placeJoint } from './poseEdits.ts';
import { applyDiff } from './recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from './poseRecords.ts';

const base: AnnotationState = applyDiff(
  applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'a')),
  addPerson(applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'a')), 'b'),
);
const placed = [0, 1, 2, 3].reduce((s, k) => applyDiff(s, placeJoint(s, 'a', k, 10 + k, 20)), base);

describe('rebaseDiff (field by field)', () => {
  it('two edits of one person on different joints both survive', () => {
    const theirs = applyDiff(placed, moveJoint(placed, 'a', 0, 100, 100)); // another writer moved the nose
    const mine = moveJoint(placed, 'a', 3, 50, 50); // made on the old state
    const { diff, conflicts } = rebaseDiff(theirs, mine);
    expect(conflicts).toEqual([]);
    const out = applyDiff(theirs, diff);
    expect(out.persons.a.joints[0]).toMatchObject({ x: 100, y: 100 });
    expect(out.persons.a.joints[3]).toMatchObject({ x: 50, y: 50 });
    expect(diff.updated.a[0]).toEqual(theirs.persons.a); // its before values are the current record
  });
  it('the same joint changed differently is a conflict; keepOwn takes the diff value and still lists it', () => {
    const theirs = applyDiff(placed, moveJoint(placed, 'a', 2, 1, 1));
    const mine = moveJoint(placed, 'a', 2, 7, 7);
    const r = rebaseDiff(theirs, mine);
    expect(r.conflicts).toEqual([{ personId: 'a', field: 'joint:2' }]);
    expect(describeConflict(r.conflicts[0])).toBe('right eye of person a');
    const kept = rebaseDiff(theirs, mine, true);
    expect(applyDiff(theirs, kept.diff).persons.a.joints[2]).toMatchObject({ x: 7, y: 7 });
    expect(kept.conflicts).toHaveLength(1);
    // The same change made twice is no conflict and nothing left to do.
    expect(rebaseDiff(applyDiff(placed, mine), mine)).toEqual({
      diff: { added: {}, updated: {}, removed: {} },
      conflicts: [],
    });
  });
  it('deleting a person someone changed since is a conflict; one already deleted is nothing to do', () => {
    const theirs = applyDiff(placed, moveJoint(placed, 'a', 1, 2, 2));
    expect(rebaseDiff(theirs, deletePerson(placed, 'a')).conflicts).toEqual([{ personId: 'a', field: 'person' }]);
    const gone = applyDiff(placed, deletePerson(placed, 'b'));
    expect(rebaseDiff(gone, deletePerson(placed, 'b')).diff.removed).toEqual({});
    // Moving a joint of a person someone deleted: a conflict; keepOwn brings the person back with the move.
    const r = rebaseDiff(applyDiff(placed, deletePerson(placed, 'a')), moveJoint(placed, 'a', 0, 3, 3), true);
    expect(r.conflicts).toEqual([{ personId: 'a', field: 'person' }]);
    expect(Object.keys(r.diff.added)).toEqual(['a']);
  });
  it('an order change made on another order: conflict; keepOwn keeps every person once', () => {
    const added = applyDiff(placed, addPerson(placed, 'c'));
    const mine = { added: {}, updated: {}, removed: {}, order: [placed.order, ['b', 'a']] as [string[], string[]] };
    expect(rebaseDiff(added, mine).conflicts).toEqual([{ personId: null, field: 'order' }]);
    const kept = rebaseDiff(added, mine, true);
    expect(applyDiff(added, kept.diff).order).toEqual(['b', 'a', 'c']);
  });
});
