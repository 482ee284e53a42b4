import { describe, expect, it } from 'vitest';
import { affectedChannels, changeRegion, regionLosses } from './labelErrorRegion.ts';
import { labelErrorContext, labelTargets } from './labelErrorScores.ts';
import { correctionMaps } from './correctionMaps.ts';
import { OFFICIAL_ENCODER_OPTIONS } from '../codec/encodeTargets.ts';
import { focalL2Loss, OFFICIAL_FOCAL } from '../loss/focalL2Loss.ts';
import { toEncoderPerson } from '../skeleton/imhnJoints.ts';
import { COCO_TO_IMHN } from '../skeleton/poseMeta.ts';
import { gtPersons, readFixtureCase } from '../../../test/support/correctionCases.ts';

describe('labelErrorRegion: the loss change of moving one joint, computed on the cells it changes', () => {
  it('equals the change of the whole-image focal L2 over all 50 channels (fixture 129648, 14 labelled persons)', async () => {
    const input = await readFixtureCase('129648');
    const ctx = labelErrorContext(correctionMaps(input, 'fast'), input);
    const persons = gtPersons(129648);
    const m = ctx.geometry.multiplier;
    const w = OFFICIAL_FOCAL.channelWeights!;
    let checked = 0;
    persons.forEach((p, i) => {
      p.forEach((j, k) => {
        if (!j || checked >= 40) return;
        const moved = persons.map((q, n) =>
          n === i ? q.map((v, kk) => (kk === k ? { x: j.x + 11.3, y: j.y - 9.6 } : v)) : q,
        );
        const whole =
          focalL2Loss(ctx.pred, labelTargets(ctx, persons), ctx.mask) -
          focalL2Loss(ctx.pred, labelTargets(ctx, moved), ctx.mask);
        const t = COCO_TO_IMHN[k];
        const before = persons.map((q) => toEncoderPerson(q, m)),
          after = moved.map((q) => toEncoderPerson(q, m));
        const region = changeRegion(
          before[i],
          after[i],
          t,
          ctx.geometry.mapW,
          ctx.geometry.mapH,
          OFFICIAL_ENCODER_OPTIONS,
        )!;
        const channels = affectedChannels(t);
        const sum = (ls: number[]) => ls.reduce((s, l, n) => s + l * w[channels[n]], 0);
        const local = (ps: typeof before) =>
          sum(regionLosses(ctx.pred, ctx.mask, ps, region, channels, OFFICIAL_FOCAL, OFFICIAL_ENCODER_OPTIONS));
        // Tolerance: float32 rounding of coordinates translated by whole cells (≈4e-7 of the loss here).
        expect(Math.abs(local(before) - local(after) - whole)).toBeLessThan(1e-5 * (1 + Math.abs(whole)));
        checked++;
      });
    });
    expect(checked).toBe(40);
  });

  it('a shoulder moves the neck too', () => {
    expect(affectedChannels(2)).toEqual(expect.arrayContaining([30 + 2, 30 + 1, 0, 9, 49]));
    expect(affectedChannels(4)).toEqual([30 + 4, 11, 49]);
  });
});
