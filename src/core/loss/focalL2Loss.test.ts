import { describe, expect, it } from 'vitest';
import {
  bilinearResize,
  blockAverage,
  focalL2Loss,
  multiScaleLoss,
  OFFICIAL_FOCAL,
  PLAIN_L2,
  type Maps,
} from './focalL2Loss.ts';

const maps = (values: number[], channels = 1, height = 1, width = values.length / channels): Maps => ({
  data: Float32Array.from(values),
  channels,
  height,
  width,
});

// Hand-computed from IMHN-REFERENCE §6; tolerance 1e-6 (float32 inputs).
describe('focalL2Loss', () => {
  it('γ = 1 (code at HEAD): factor |1 − S| on foreground (G ≥ 0.01), |S| on background', () => {
    const pred = maps([0.6, 0.2]),
      gt = maps([1, 0]);
    const o = { ...OFFICIAL_FOCAL, channelWeights: null };
    expect(focalL2Loss(pred, gt, null, o)).toBeCloseTo(0.16 * 0.4 + 0.04 * 0.2, 6);
  });
  it('γ = 2 (paper): factor (1 − s_t)²', () => {
    const o = { ...OFFICIAL_FOCAL, gamma: 2 as const, channelWeights: null };
    expect(focalL2Loss(maps([0.6, 0.2]), maps([1, 0]), null, o)).toBeCloseTo(0.16 * 0.16 + 0.04 * 0.04, 6);
  });
  it('plain L2 ignores the focal factor; the mask zeroes pixels; channel weights scale channels', () => {
    expect(focalL2Loss(maps([0.6, 0.2]), maps([1, 0]), null, PLAIN_L2)).toBeCloseTo(0.2, 6);
    expect(focalL2Loss(maps([0.6, 0.2]), maps([1, 0]), Float32Array.from([0, 1]), PLAIN_L2)).toBeCloseTo(0.04, 6);
    const w = { ...PLAIN_L2, channelWeights: Float32Array.from([3, 0.1]) };
    expect(focalL2Loss(maps([0.5, 0.5], 2, 1, 1), maps([0, 0], 2, 1, 1), null, w)).toBeCloseTo(0.75 + 0.025, 6);
  });
  it('official channel weights: keypoints ×3, person mask ×0.1', () => {
    const w = OFFICIAL_FOCAL.channelWeights!;
    expect([w[0], w[29], w[30], w[47], w[48], w[49]]).toEqual([1, 1, 3, 3, Math.fround(0.1), 1]);
  });
  it('rejects maps of different shapes with a clear message', () => {
    expect(() => focalL2Loss(maps([1, 2]), maps([1]), null)).toThrow(/differ/);
  });
  it('block average and bilinear resize follow PyTorch', () => {
    expect(Array.from(blockAverage(maps([1, 2, 3, 4], 1, 2, 2), 1, 1).data)).toEqual([2.5]);
    expect(Array.from(bilinearResize(Float32Array.from([0, 1, 2, 3]), 1, 4, 1, 2))).toEqual([0.5, 2.5]);
  });
  it('multi-scale: Σ λ_s · mean over stacks / Σ λ_s', () => {
    const s0 = maps([0.5, 0.5, 0.5, 0.5], 1, 2, 2),
      s1 = maps([0.5], 1, 1, 1);
    const target = maps([0, 0, 0, 0], 1, 2, 2);
    const loss = multiScaleLoss(
      [
        [s0, s1],
        [s0, s1],
      ],
      target,
      null,
      PLAIN_L2,
      [1, 3],
    );
    expect(loss).toBeCloseTo((1 * 1 + 3 * 0.25) / 4, 6);
  });
});
