import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { toPoses } from './toPoses.ts';
import { decodeReference } from '../decodeReference.ts';
import { DECODE_FIXTURES, readDecodeCase } from '../../../../test/support/fixturePaths.ts';

describe('toPoses', () => {
  it('gives the COCO results coordinates plus each joint score and the person score', async () => {
    const out = decodeReference(await readDecodeCase(path.join(DECODE_FIXTURES, '790', 'case.json')));
    const poses = toPoses(out.persons, out.peaks.flat());
    expect(poses).toHaveLength(out.results.length);
    poses.forEach((p, i) => {
      expect(p.score).toBe(out.results[i].score);
      p.joints.forEach((j, k) => {
        if (j) {
          expect([j.x, j.y]).toEqual(out.results[i].keypoints.slice(3 * k, 3 * k + 2));
          expect(j.score).toBeGreaterThan(0);
        } else expect(out.results[i].keypoints[3 * k + 2]).toBe(0);
      });
    });
  });
});
