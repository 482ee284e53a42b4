import { describe, expect, it } from 'vitest';
import { clampToBounds, diffMismatches, diffShapeProblems, stateProblems } from './diffChecks.ts';
import { addPerson, moveJoint, placeJoint } from './poseEdits.ts';
import { applyDiff, type RecordDiff } from './recordDiff.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT, type PersonRecord } from './poseRecords.ts';

const size = { width: 640, height: 480 };
const one = applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'p'));
const s = applyDiff(one, placeJoint(one, 'p', 0, 10, 10));
const p = s.persons.p;
const paths = (d: RecordDiff, imported = false) => diffShapeProblems(d, size, imported).map((x) => x.path);

describe('diff checks', () => {
  it('accepts what the editing commands make', () => {
    expect(diffShapeProblems(moveJoint(s, 'p', 0, 600, 470), size)).toEqual([]);
    expect(diffShapeProblems(addPerson(s, 'q'), size)).toEqual([]);
  });
  it('a person has exactly the skeleton joint count; the map key is its id; no unknown fields', () => {
    const short: PersonRecord = { ...p, joints: p.joints.slice(0, 5) };
    expect(diffShapeProblems({ added: { q: { ...short, id: 'q' } }, updated: {}, removed: {} }, size)[0].message).toBe(
      `must list exactly ${JOINT_COUNT} joints (the skeleton's keypoints), got 5`,
    );
    expect(paths({ added: { q: p }, updated: {}, removed: {} })).toEqual(['diff.added.q.id']);
    expect(paths({ added: { q: { ...p, id: 'q', extra: 1 } as PersonRecord }, updated: {}, removed: {} })).toEqual([
      'diff.added.q.extra',
    ]);
  });
  it('coordinates are finite and within one image size of the image', () => {
    for (const x of [1e308, -1e308, Number.NaN, 640 * 2 + 1, -641]) {
      const d = moveJoint(s, 'p', 0, x, 10);
      expect(paths(d), String(x)).toEqual(['diff.updated.p[1].joints[0]']);
    }
    expect(paths(moveJoint(s, 'p', 0, -640, 960))).toEqual([]);
    expect(clampToBounds(1e9, -1e9, size)).toEqual({ x: 1280, y: -480 });
  });
  it('one section per person; imported COCO fields only through an import', () => {
    const both = { added: { p: { ...p } }, updated: {}, removed: { p } };
    expect(paths(both)).toEqual(['diff.removed.p']);
    const withCoco = { ...p, coco: { id: 7 } };
    expect(paths({ added: { p: withCoco }, updated: {}, removed: {} })).toEqual(['diff.added.p']);
    expect(paths({ added: { p: withCoco }, updated: {}, removed: {} }, true)).toEqual([]);
    expect(paths({ added: {}, updated: { p: [p, withCoco] }, removed: {} })).toEqual(['diff.updated.p[1]']);
  });
  it('a diff must fit the stored records; the resulting order names every person once', () => {
    const stale = moveJoint(s, 'p', 0, 5, 5);
    const moved = applyDiff(s, moveJoint(s, 'p', 0, 1, 1));
    expect(diffMismatches(moved, stale).map((x) => x.message)).toEqual(['is not the stored record of person p']);
    expect(diffMismatches(s, { ...stale, order: [['x'], ['p']] }).map((x) => x.path)).toEqual(['diff.order[0]']);
    expect(stateProblems({ persons: s.persons, order: ['p', 'ghost'] })[0].message).toBe(
      'names person ghost, which is not in the annotation',
    );
    expect(stateProblems({ persons: s.persons, order: [] })[0].message).toBe('leaves out person p');
  });
});
