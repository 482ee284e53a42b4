import { describe, expect, it } from 'vitest';
import { checkPayload, ContractError, isValidEvent } from './checkPayload.ts';
import { POSE_API } from './poseApi.ts';
import { acceptPredictions, moveJoint } from '../core/edit/poseEdits.ts';
import { applyDiff } from '../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT } from '../core/edit/poseRecords.ts';

const pose = {
  score: 0.9,
  neck: null,
  joints: Array.from({ length: JOINT_COUNT }, (_, k) => (k === 2 ? null : { x: k, y: k, score: 0.5 })),
};
const issuesOf = (f: () => void) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ContractError);
    return (e as ContractError).issues;
  }
  throw new Error('accepted');
};

describe('PoseApi contract', () => {
  it('accepts the payloads the core produces (diffs, annotation states)', () => {
    const d = acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0');
    const state = applyDiff(EMPTY_ANNOTATION, d);
    expect(() =>
      checkPayload('saveEdits', 'request', {
        imageId: 3,
        revision: 0,
        steps: [{ kind: 'do', seq: 1, diff: d, label: 'accept' }],
      }),
    ).not.toThrow();
    expect(() =>
      checkPayload('saveEdits', 'request', {
        imageId: 3,
        revision: 1,
        steps: [
          { kind: 'do', diff: moveJoint(state, 'p0', 0, 5, 5), label: 'move' },
          { kind: 'undo', seq: 2 },
        ],
      }),
    ).not.toThrow();
    const history = { cursor: 1, length: 1, first: 1, entries: [{ diff: d, label: 'accept' }] };
    expect(() => checkPayload('getAnnotation', 'response', { state, revision: 2, history })).not.toThrow();
    const progress = { jobId: 'j', done: 1, total: 2, failed: 0, imagesPerSecond: 0.5, etaSeconds: null };
    expect(isValidEvent('jobProgress', progress)).toBe(true);
    expect(isValidEvent('jobProgress', { ...progress, done: -1 })).toBe(false);
  });
  it('refuses malformed payloads with every problem and its path', () => {
    const paths = issuesOf(() =>
      checkPayload('saveEdits', 'request', {
        imageId: 0,
        revision: 0,
        steps: [
          {
            kind: 'do',
            diff: {
              added: {},
              updated: {},
              removed: { x: { id: 'x', joints: [{ x: 1, y: 'a', v: 3, source: 'model' }], crowd: false } },
            },
            label: 7,
          },
        ],
        extra: true,
      }),
    ).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.imageId',
        '$.steps[0].diff.removed.x.joints',
        '$.steps[0].diff.removed.x.joints[0].y',
        '$.steps[0].diff.removed.x.joints[0].v',
        '$.steps[0].label',
        '$.extra',
      ]),
    );
    expect(() => checkPayload('listImages', 'request', { status: 'done' })).toThrow(
      /\$\.status: expected "unreviewed" or "in_progress" or .*, got "done"/,
    );
    expect(() => checkPayload('setStatus' as never, 'request', null)).toThrow(ContractError);
    expect(() => checkPayload('dropTables' as never, 'request', {})).toThrow(/unknown method dropTables/);
  });
  it('a person has exactly the skeleton meta joint count, no more and no fewer', () => {
    const d = acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0');
    const p0 = d.added.p0;
    for (const n of [3, JOINT_COUNT - 1, JOINT_COUNT + 1]) {
      const joints = Array.from({ length: n }, (_, k) => p0.joints[k % JOINT_COUNT]);
      const issues = issuesOf(() =>
        checkPayload('saveEdits', 'request', {
          imageId: 1,
          revision: 0,
          steps: [{ kind: 'do', diff: { added: { p0: { ...p0, joints } }, updated: {}, removed: {} }, label: 'x' }],
        }),
      );
      expect(issues).toEqual([
        { path: '$.steps[0].diff.added.p0.joints', message: `exactly ${JOINT_COUNT} items, got ${n}` },
      ]);
    }
    const poses = (n: number) => ({ runId: 1, maps: null, poses: [{ ...pose, joints: pose.joints.slice(0, n) }] });
    expect(issuesOf(() => checkPayload('getPredictions', 'response', poses(3)))[0].path).toBe('$.poses[0].joints');
    expect(() => checkPayload('getPredictions', 'response', poses(JOINT_COUNT))).not.toThrow();
  });
  const NO_HISTORY = { cursor: 0, length: 0, first: 1, entries: [] };
  it('a COCO passthrough field may hold any JSON string, "Infinity" and "NaN" included', () => {
    const d = acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0');
    const p0 = { ...d.added.p0, coco: { id: 4, caption: 'Infinity and NaN', attributes: { pose: ['Infinity'] } } };
    const state = { persons: { p0 }, order: ['p0'] };
    expect(() => checkPayload('getAnnotation', 'response', { state, revision: 1, history: NO_HISTORY })).not.toThrow();
    const nonJson = { ...p0, coco: { area: Number.POSITIVE_INFINITY, f: () => 1 } };
    const issues = issuesOf(() =>
      checkPayload('getAnnotation', 'response', {
        state: { persons: { p0: nonJson }, order: ['p0'] },
        revision: 1,
        history: NO_HISTORY,
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['$.state.persons.p0.coco.area', '$.state.persons.p0.coco.f']);
    expect(issues[0].message).toMatch(/^expected JSON data/);
  });
  it('every method has a request and a response schema', () => {
    for (const [name, m] of Object.entries(POSE_API)) {
      expect(typeof m.request.safeParse, name).toBe('function');
      expect(typeof m.response.safeParse, name).toBe('function');
    }
  });
});
