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
      checkPayload('applyEdit', 'request', { imageId: 3, revision: 0, diff: d, label: 'accept' }),
    ).not.toThrow();
    expect(() =>
      checkPayload('applyEdit', 'request', {
        imageId: 3,
        revision: 1,
        diff: moveJoint(state, 'p0', 0, 5, 5),
        label: 'move',
        group: 'drag-1',
      }),
    ).not.toThrow();
    expect(() =>
      checkPayload('getAnnotation', 'response', { state, revision: 2, canUndo: true, canRedo: false }),
    ).not.toThrow();
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
      checkPayload('applyEdit', 'request', {
        imageId: 0,
        diff: {
          added: {},
          updated: {},
          removed: { x: { id: 'x', joints: [{ x: 1, y: 'a', v: 3, source: 'model' }], crowd: false } },
        },
        label: 7,
        extra: true,
      });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ContractError);
      const paths = (e as ContractError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          '$.imageId',
          '$.diff.removed.x.joints[0].y',
          '$.diff.removed.x.joints[0].v',
          '$.label',
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
