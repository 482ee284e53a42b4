import { describe, expect, it } from 'vitest';
import { checkPayload, ContractError, POSE_API, POSE_EVENTS } from './poseApi.ts';
import { validate } from '../core/schema/schema.ts';
import { acceptPredictions, moveJoint } from '../core/edit/poseEdits.ts';
import { applyDiff } from '../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION } from '../core/edit/poseRecords.ts';

const pose = {
  score: 0.9,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => (k === 2 ? null : { x: k, y: k, score: 0.5 })),
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
    expect(
      validate(POSE_EVENTS.jobProgress, {
        jobId: 'j',
        done: 1,
        total: 2,
        failed: 0,
        imagesPerSecond: 0.5,
        etaSeconds: null,
      }),
    ).toEqual([]);
  });
  it('refuses malformed payloads with every problem and its path', () => {
    try {
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
      });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ContractError);
      const paths = (e as ContractError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '$.imageId',
          '$.steps[0].diff.removed.x.joints[0].y',
          '$.steps[0].diff.removed.x.joints[0].v',
          '$.steps[0].label',
          '$.extra',
        ]),
      );
    }
    expect(() => checkPayload('listImages', 'request', { status: 'done' })).toThrow(
      /\$\.status: expected "unreviewed" or/,
    );
    expect(() => checkPayload('setStatus' as never, 'request', null)).toThrow(ContractError);
  });
  it('every method has a request and a response schema', () => {
    for (const [name, m] of Object.entries(POSE_API)) {
      expect(typeof m.request.check, name).toBe('function');
      expect(typeof m.response.check, name).toBe('function');
    }
  });
});
