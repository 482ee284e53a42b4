import { describe, expect, it } from 'vitest';
import { snapToPeak } from './snapToPeak.ts';
import { correctionMaps } from './correctionMaps.ts';
import { decodeReference } from '../codec/decodeReference.ts';
import { decodeFast } from '../codec/decodeFast.ts';
import {
  DECODE_CASE_IDS,
  perfectMapsInput,
  readFixtureCase,
  standingPerson,
} from '../../../test/support/correctionCases.ts';
import { COCO_TO_IMHN } from '../skeleton/poseMeta.ts';

describe('snapToPeak', () => {
  for (const mode of ['reference', 'fast'] as const)
    it(`${mode}: snapping at every decoded peak of the 12 fixture cases returns that peak exactly`, async () => {
      let n = 0;
      for (const id of DECODE_CASE_IDS) {
        const input = await readFixtureCase(id);
        const out = mode === 'reference' ? decodeReference(input) : decodeFast(input);
        const maps = correctionMaps(input, mode);
        out.peaks.forEach((list, t) => {
          list.forEach((p) => {
            const s = snapToPeak(maps.heat[t], p);
            expect(s).not.toBeNull();
            // Exact: the same channel values, the same NMS and the same centroid refinement as the decoder.
            expect([s!.x, s!.y, s!.score, s!.distancePx]).toEqual([p.x, p.y, p.score, 0]);
            n++;
          });
        });
      }
      expect(n).toBe(488); // every peak of the 12 cases
    });

  it('from a few pixels away, goes to the nearest decoded peak within the radius, or nowhere', async () => {
    const input = await readFixtureCase('790');
    const out = decodeFast(input);
    const maps = correctionMaps(input, 'fast');
    let checked = 0;
    out.peaks.forEach((list, t) => {
      list.forEach((p) => {
        const from = { x: p.x + 4, y: p.y - 3 };
        const nearest = [...list].sort(
          (a, b) => Math.hypot(a.x - from.x, a.y - from.y) - Math.hypot(b.x - from.x, b.y - from.y),
        )[0];
        if (nearest !== p) return;
        const s = snapToPeak(maps.heat[t], from, { radiusPx: 12 });
        expect([s?.x, s?.y]).toEqual([p.x, p.y]);
        expect(s!.distancePx).toBeCloseTo(5, 0);
        checked++;
      });
    });
    expect(checked).toBeGreaterThan(20);
    const p = out.peaks[0][0];
    expect(snapToPeak(maps.heat[0], { x: p.x + 30, y: p.y }, { radiusPx: 10 })?.x).not.toBe(p.x);
  });

  it('finds the joint of a perfect map at sub-pixel precision, and nothing on an empty channel', () => {
    const person = standingPerson();
    const maps = correctionMaps(perfectMapsInput([person]), 'reference');
    const wrist = person[9]!;
    const s = snapToPeak(maps.heat[COCO_TO_IMHN[9]], { x: wrist.x + 6, y: wrist.y + 5 });
    // Tolerance 0.5 px: the Gaussian sits on the stride-4 grid and is upsampled by two cubic resizes.
    expect(Math.abs(s!.x - wrist.x)).toBeLessThan(0.5);
    expect(Math.abs(s!.y - wrist.y)).toBeLessThan(0.5);
    const empty = correctionMaps(perfectMapsInput([]), 'reference');
    expect(snapToPeak(empty.heat[4], wrist)).toBeNull();
    expect(() => snapToPeak(empty.heat[4], { x: Number.NaN, y: 1 })).toThrow(/finite/);
  });
});
