import { describe, expect, it } from 'vitest';
import { encodeTargets, keypointWindowHalf, OFFICIAL_ENCODER_OPTIONS, type EncoderPerson } from './encodeTargets.ts';
import { CHANNELS, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';
import path from 'node:path';
import { PROJECT_FIXTURES, readJson, readNpy } from '../../../test/support/fixturePaths.ts';

const H = 32,
  W = 40,
  P = H * W;
const at = (m: Float32Array, c: number, iy: number, ix: number) => m[c * P + iy * W + ix];
const cellX = (i: number) => 4 * i + 1.5; // IMHN-REFERENCE §5.1

function person(points: Record<number, [number, number]>): EncoderPerson {
  const xy = new Float64Array(36),
    labelled = new Array<boolean>(18).fill(false);
  for (const [j, [x, y]] of Object.entries(points)) {
    xy[2 * +j] = x;
    xy[2 * +j + 1] = y;
    labelled[+j] = true;
  }
  return { xy, labelled };
}

// Tolerance 1e-6: float32 arithmetic of the official generator vs float64 formulas here.
describe('encodeTargets (official GT generator, IMHN-REFERENCE §5)', () => {
  it('window half-size is 7 cells for σ = 9 (gaussian_size 14)', () =>
    expect(keypointWindowHalf(OFFICIAL_ENCODER_OPTIONS)).toBe(7));

  it('keypoint Gaussian: exp(−d²/162) per axis inside the 15-cell window, exact zeros outside, unthresholded', () => {
    const x = 61.3,
      y = 47.8;
    const m = encodeTargets([person({ 0: [x, y] })], H, W);
    const c = CHANNELS.keypointStart;
    const cx = Math.round(x / 4),
      cy = Math.round(y / 4);
    for (const [iy, ix] of [
      [cy, cx],
      [cy + 3, cx - 2],
      [cy - 7, cx + 7],
      [cy + 7, cx],
    ]) {
      const g = Math.exp(-((cellX(ix) - x) ** 2) / 162) * Math.exp(-((cellX(iy) - y) ** 2) / 162);
      expect(Math.abs(at(m, c, iy, ix) - g)).toBeLessThan(1e-6);
    }
    expect(at(m, c, cy, cx + 8)).toBe(0);
    expect(at(m, c, cy - 8, cx)).toBe(0);
    expect(at(m, c, cy - 7, cx - 7)).toBeGreaterThan(0); // corner of the window: ~1e-4, not thresholded
  });

  it('keypoints of several persons combine by max; channel 49 is the max over keypoint channels', () => {
    const m = encodeTargets([person({ 3: [60, 60] }), person({ 3: [66, 60], 5: [100, 40] })], H, W);
    const c = CHANNELS.keypointStart + 3;
    const g = (px: number, py: number, ix: number, iy: number) =>
      Math.exp(-((cellX(ix) - px) ** 2) / 162) * Math.exp(-((cellX(iy) - py) ** 2) / 162);
    expect(Math.abs(at(m, c, 15, 16) - Math.max(g(60, 60, 16, 15), g(66, 60, 16, 15)))).toBeLessThan(1e-6);
    for (let i = 0; i < P; i++) {
      let mx = 0;
      for (let j = 0; j < 18; j++) mx = Math.max(mx, m[(CHANNELS.keypointStart + j) * P + i]);
      expect(m[CHANNELS.keypointMax * P + i]).toBe(mx);
    }
  });

  it('body part: line-distance Gaussian σ 7 over the box ±4 px, floor 0.01, mean over persons', () => {
    const k = 10; // Rsho–Relb
    const a = LIMB_FROM[k],
      b = LIMB_TO[k];
    const p1 = person({ [a]: [40, 40], [b]: [100, 44] });
    const p2 = person({ [a]: [40, 50], [b]: [100, 50] }); // box rows round(11.5)=12 .. round(13.5)=14
    const one = encodeTargets([p1], H, W),
      two = encodeTargets([p1, p2], H, W);
    const line = (x1: number, y1: number, x2: number, y2: number, X: number, Y: number) => {
      const d = Math.abs((x2 - x1) * (y1 - Y) - (x1 - X) * (y2 - y1)) / (Math.hypot(x2 - x1, y2 - y1) + 1e-6);
      const g = Math.exp(-(d * d) / 98);
      return g <= 0.015 ? 0.01 : g;
    };
    const iy = 10,
      ix = 15;
    expect(Math.abs(at(one, k, iy, ix) - line(40, 40, 100, 44, cellX(ix), cellX(iy)))).toBeLessThan(1e-6);
    // Box: x from round((40−4)/4)=9 to round((100+4)/4)=26; y from 9 to round((44+4)/4)=12.
    expect(at(one, k, 12, 26)).toBeGreaterThan(0);
    expect(at(one, k, 13, 20)).toBe(0);
    expect(at(one, k, 10, 27)).toBe(0);
    expect(at(one, k, 9, 9)).toBeGreaterThan(0);
    // Inside both boxes: the mean of the two contributions (the far one is floored at 0.01).
    const iy2 = 12,
      ix2 = 20;
    const mean = (line(40, 40, 100, 44, cellX(ix2), cellX(iy2)) + line(40, 50, 100, 50, cellX(ix2), cellX(iy2))) / 2;
    expect(Math.abs(at(two, k, iy2, ix2) - mean)).toBeLessThan(1e-6);
  });

  it('skips a limb whose endpoints coincide and limbs with an unlabelled endpoint', () => {
    const m = encodeTargets([person({ 1: [50, 50], 2: [50, 50], 5: [80, 50] })], H, W);
    expect(m.subarray(9 * P, 10 * P).every((v) => v === 0)).toBe(true); // limb 9 neck–Rsho coincide
    expect(m.subarray(12 * P, 13 * P).some((v) => v > 0)).toBe(true); // limb 12 neck–Lsho
    expect(m.subarray(13 * P, 14 * P).every((v) => v === 0)).toBe(true); // limb 13 Lsho–Lelb: elbow unlabelled
  });

  it('channel 48 is the person mask eroded 3×3; everything is clipped to [0, 1]', () => {
    const mask = new Float32Array(P);
    for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) mask[y * W + x] = 1;
    const m = encodeTargets([], H, W, mask);
    expect(at(m, CHANNELS.personMask, 5, 5)).toBe(0);
    expect(at(m, CHANNELS.personMask, 6, 6)).toBe(1);
    expect(at(m, CHANNELS.personMask, 13, 13)).toBe(1);
    expect(at(m, CHANNELS.personMask, 14, 10)).toBe(0);
    expect(m.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('the elliptical option falls off along the limb too', () => {
    const p = person({ 9: [20, 60], 10: [120, 60] }); // limb 16 Rhip–Rkne? use limb from 8→9: set both
    const q = person({ 8: [20, 60], 9: [120, 60] });
    const ell = encodeTargets([q], H, W, null, { ...OFFICIAL_ENCODER_OPTIONS, limbShape: 'ellipse' });
    const off = encodeTargets([q], H, W);
    const k = 16; // 8→9
    expect(at(ell, k, 14, 17)).toBeGreaterThan(at(ell, k, 14, 6)); // centre vs near an end
    expect(Math.abs(at(off, k, 14, 17) - at(off, k, 14, 6))).toBeLessThan(1e-6); // official: no fall-off along the limb
    expect(p.labelled[9]).toBe(true);
  });

  it('encodes 20 persons on a 128×128 grid in a few ms (benchmarked in bench/encodeBench.ts)', () => {
    const persons = Array.from({ length: 20 }, (_, i) =>
      person(
        Object.fromEntries(
          Array.from({ length: 18 }, (_, j) => [j, [40 + (i % 5) * 100 + j * 3, 40 + Math.floor(i / 5) * 120 + j * 5]]),
        ),
      ),
    );
    const m = encodeTargets(persons, 128, 128);
    expect(m.length).toBe(50 * 128 * 128);
  });
});

describe('encodeTargets agrees with the Python encoder used for training (training/targets.py)', () => {
  interface Case {
    file: string;
    grid: [number, number];
    persons: { xy: number[][]; labelled: boolean[] }[];
    mask: number[][];
  }
  const dir = path.join(PROJECT_FIXTURES, 'targets');
  const { cases } = readJson<{ cases: Case[] }>(path.join(dir, 'cases.json'));
  for (const c of cases) {
    it(`${c.file}: ${c.persons.length} persons on a ${c.grid[0]}×${c.grid[1]} grid, every value within 1e-6`, () => {
      const [gh, gw] = c.grid;
      const persons = c.persons.map((p) => ({ xy: p.xy.flat(), labelled: p.labelled }));
      const mask = Float32Array.from(c.mask.flat());
      const mine = encodeTargets(persons, gh, gw, mask);
      const theirs = readNpy(path.join(dir, c.file));
      expect(theirs.shape).toEqual([50, gh, gw]);
      let max = 0;
      for (let i = 0; i < mine.length; i++) max = Math.max(max, Math.abs(mine[i] - theirs.data[i]));
      expect(max).toBeLessThan(1e-6); // float32 exp vs float64 exp rounded to float32, and sum order
    });
  }
});
