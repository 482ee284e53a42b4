import { describe, expect, it } from 'vitest';
import type { Pose } from '../codec/assign/toPoses.ts';
import { acceptPredictions, deleteJoint, moveJoint, placeJoint, addPerson } from '../edit/poseEdits.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../edit/poseRecords.ts';
import { applyDiff, invertDiff, squashDiffs } from '../edit/recordDiff.ts';
import { rebaseDiff } from '../edit/rebaseDiff.ts';
import { diffMismatches, diffShapeProblems } from '../edit/diffChecks.ts';
import { acceptTriaged, nextPending, predictionKey, rejectTriaged, triagePredictions } from './predictionTriage.ts';
import { predictedPersonAt } from './predictionHit.ts';

/** A standing person at (cx, 100), 17 joints spread over 60 × 120 px. */
const person = (cx: number, score: number): Pose => ({
  score,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => ({ x: cx + (k % 2 ? 15 : -15), y: 40 + 7 * k, score: 0.4 + k / 40 })),
});
const poses = [person(100, 0.95), person(300, 0.92), person(500, 0.4), person(700, -0.3)];
const size = { width: 800, height: 300 };

describe('prediction triage', () => {
  it('keys: stable for the same pose, different for any other', () => {
    expect(predictionKey(person(100, 0.95))).toBe(predictionKey(poses[0]));
    const moved = { ...poses[0], joints: poses[0].joints.map((j, k) => (k === 3 ? { ...j!, x: j!.x + 0.01 } : j)) };
    expect(predictionKey(moved)).not.toBe(predictionKey(poses[0]));
    expect(new Set(poses.map(predictionKey)).size).toBe(4);
  });
  it('below the threshold: hidden, not pending; pending ones highest score first', () => {
    const t = triagePredictions(EMPTY_ANNOTATION, poses, 0.9);
    expect(t.all.map((x) => x.status)).toEqual(['pending', 'pending', 'below', 'below']);
    expect(t.pending.map((x) => x.index)).toEqual([0, 1]);
    expect(t.counts).toEqual({ below: 2, taken: 0, rejected: 0, covered: 0, pending: 2 });
    expect(triagePredictions(EMPTY_ANNOTATION, poses, -1).pending.map((x) => x.index)).toEqual([0, 1, 2, 3]);
  });
  it('taken by provenance (also after its joints are moved or deleted), rejected by key, covered by OKS', () => {
    let s: AnnotationState = applyDiff(
      EMPTY_ANNOTATION,
      acceptPredictions(EMPTY_ANNOTATION, [poses[0]], () => 'a'),
    );
    s = applyDiff(s, moveJoint(s, 'a', 0, 1, 1));
    s = applyDiff(s, deleteJoint(s, 'a', 1));
    let t = triagePredictions(s, poses, 0.9);
    expect(t.all[0].status).toBe('taken');
    s = applyDiff(s, rejectTriaged(s, [t.all[1]]));
    t = triagePredictions(s, poses, 0.9);
    expect(t.all[1].status).toBe('rejected');
    expect(t.pending).toEqual([]);
    // A person placed by hand where a prediction is (an imported GT, say) covers it: it is not asked about.
    let h = applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'h'));
    for (const [k, j] of poses[1].joints.entries()) h = applyDiff(h, placeJoint(h, 'h', k, j!.x + 1, j!.y - 1));
    expect(triagePredictions(h, poses, 0.9).all[1].status).toBe('covered');
    // One joint placed is no cover (its box has no size: the OKS needs it exact).
    const one = applyDiff(
      applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'o')),
      placeJoint(applyDiff(EMPTY_ANNOTATION, addPerson(EMPTY_ANNOTATION, 'o')), 'o', 0, 90, 45),
    );
    expect(triagePredictions(one, poses, 0.9).all[0].status).toBe('pending');
  });
  it('a rejection is one diff: it applies, checks, inverts (undo brings the prediction back), squashes and rebases', () => {
    const t = triagePredictions(EMPTY_ANNOTATION, poses, 0.9);
    const d = rejectTriaged(EMPTY_ANNOTATION, t.pending);
    expect(diffShapeProblems(d, size)).toEqual([]);
    expect(diffMismatches(EMPTY_ANNOTATION, d)).toEqual([]);
    const s = applyDiff(EMPTY_ANNOTATION, d);
    expect(s.rejectedPredictions).toEqual(t.pending.map((x) => x.key));
    expect(triagePredictions(s, poses, 0.9).pending).toEqual([]);
    const back = applyDiff(s, invertDiff(d));
    expect(back).toEqual(EMPTY_ANNOTATION); // the field left out again, as states without rejections have it
    expect(rejectTriaged(s, t.pending)).toEqual({ added: {}, updated: {}, removed: {} }); // nothing new
    const both = squashDiffs(
      rejectTriaged(EMPTY_ANNOTATION, [t.pending[0]]),
      rejectTriaged(applyDiff(EMPTY_ANNOTATION, rejectTriaged(EMPTY_ANNOTATION, [t.pending[0]])), [t.pending[1]]),
    );
    expect(applyDiff(EMPTY_ANNOTATION, both)).toEqual(s);
    // Made on an older state: the keys it adds join whatever another window rejected meanwhile.
    const other = applyDiff(EMPTY_ANNOTATION, rejectTriaged(EMPTY_ANNOTATION, [t.pending[1]]));
    const r = rebaseDiff(other, rejectTriaged(EMPTY_ANNOTATION, [t.pending[0]]));
    expect(r.conflicts).toEqual([]);
    expect(new Set(applyDiff(other, r.diff).rejectedPredictions)).toEqual(new Set(s.rejectedPredictions));
    expect(diffMismatches(EMPTY_ANNOTATION, { ...d, rejectedPredictions: [['x'], ['x', 'y']] })).toHaveLength(1);
    expect(diffShapeProblems({ ...d, rejectedPredictions: [[], ['y', 'y']] }, size)[0].message).toMatch(
      /more than once/,
    );
  });
  it('accepting keeps the decoder scores; next pending wraps; a click selects the person under it', () => {
    const t = triagePredictions(EMPTY_ANNOTATION, poses, 0.9);
    const s = applyDiff(
      EMPTY_ANNOTATION,
      acceptTriaged(EMPTY_ANNOTATION, [t.pending[1]], () => 'q'),
    );
    expect(s.persons.q.score).toBe(0.92);
    expect(s.persons.q.joints[16]).toMatchObject({ source: 'model', model: { score: 0.8 } });
    expect(nextPending(t, null)?.index).toBe(0);
    expect(nextPending(t, t.pending[1].key)?.index).toBe(0);
    expect(nextPending(t, t.pending[0].key, -1)?.index).toBe(1);
    expect(predictedPersonAt(t.pending, 300, 60, 5)?.index).toBe(1); // inside its box
    expect(predictedPersonAt(t.pending, 115, 47, 3)?.index).toBe(0); // on a joint
    expect(predictedPersonAt(t.pending, 200, 250, 5)).toBeNull();
  });
});
