import { describe, expect, it } from 'vitest';
import { labelErrorContext, labelErrorScores, labelTargets, LABEL_ERROR_FLAG_GAIN } from './labelErrorScores.ts';
import { correctionMaps } from './correctionMaps.ts';
import { focalL2Loss } from '../loss/focalL2Loss.ts';
import { CHANNELS, COCO_TO_IMHN } from '../skeleton/poseMeta.ts';
import type { CocoJoints } from '../skeleton/imhnJoints.ts';
import { perfectMapsInput, standingPerson } from '../../../test/support/correctionCases.ts';

const LEFT_WRIST = 9;
const a = standingPerson(),
  b = standingPerson(130);
const input = perfectMapsInput([a, b]);
const ctx = labelErrorContext(correctionMaps(input, 'reference'), input);
const withWrist = (p: CocoJoints, at: { x: number; y: number } | null) => p.map((j, k) => (k === LEFT_WRIST ? at : j));

describe('labelErrorScores (maps = the encoder’s targets for persons a and b: a perfect network)', () => {
  it('a perfect label scores ~0 on every joint: no flag, per-channel focal L2 exactly 0', () => {
    const target = labelTargets(ctx, [a, b]);
    expect(focalL2Loss(ctx.pred, target, ctx.mask)).toBe(0);
    for (const j of labelErrorScores(ctx, [a, b], 0)) {
      expect(j.flagged).toBe(false);
      // The best candidate is the joint itself (refined from the upsampled map, ≤ 0.5 px away): moving there
      // cannot lower a zero loss. Tolerance 0.01 units of one missed keypoint.
      expect(j.gain).toBeLessThan(0.01);
      for (const c of j.channels) expect(c.label).toBe(0);
      expect(Math.hypot(j.candidate!.x - a[j.joint]!.x, j.candidate!.y - a[j.joint]!.y)).toBeLessThan(0.5);
    }
  });

  it('a wrist labelled 15 px off is flagged, with the model’s wrist as the candidate; the other joints are not', () => {
    const wrist = a[LEFT_WRIST]!;
    const off = withWrist(a, { x: wrist.x + 12, y: wrist.y + 9 });
    const scores = labelErrorScores(ctx, [off, b], 0);
    const w = scores[LEFT_WRIST];
    expect(w.flagged).toBe(true);
    expect(w.gain).toBeGreaterThan(0.8); // ≈ 1.0: the targets of a 15-px shift at σ = 9 px overlap by half
    expect(Math.hypot(w.candidate!.x - wrist.x, w.candidate!.y - wrist.y)).toBeLessThan(0.5);
    expect(w.channels[0]).toMatchObject({ channel: CHANNELS.keypointStart + COCO_TO_IMHN[LEFT_WRIST] });
    expect(w.channels[0].label).toBeGreaterThan(w.channels[0].candidate);
    expect(scores.filter((j) => j.flagged).map((j) => j.joint)).toEqual([LEFT_WRIST]);
    expect(scores.every((j) => j.joint === LEFT_WRIST || j.gain < w.gain / 4)).toBe(true);
  });

  it('a missing wrist the model sees is flagged, with the candidate where it sees it', () => {
    const scores = labelErrorScores(ctx, [withWrist(a, null), b], 0);
    const w = scores[LEFT_WRIST];
    expect(w.labelled).toBe(false);
    expect(w.flagged).toBe(true);
    expect(Math.hypot(w.candidate!.x - a[LEFT_WRIST]!.x, w.candidate!.y - a[LEFT_WRIST]!.y)).toBeLessThan(0.5);
    expect(scores.filter((j) => j.flagged).map((j) => j.joint)).toEqual([LEFT_WRIST]);
  });

  it('a wrist labelled on the neighbour’s wrist is flagged through the body parts it bends', () => {
    const scores = labelErrorScores(ctx, [withWrist(a, b[LEFT_WRIST]), b], 0);
    const w = scores[LEFT_WRIST];
    expect(w.flagged).toBe(true);
    expect(Math.hypot(w.candidate!.x - a[LEFT_WRIST]!.x, w.candidate!.y - a[LEFT_WRIST]!.y)).toBeLessThan(0.5);
    // Its own keypoint channel agrees (b has a wrist there); the elbow–wrist part does not.
    const part = w.channels.find((c) => c.channel < CHANNELS.keypointStart)!;
    expect(part.label).toBeGreaterThan(part.candidate);
  });

  it('a network that sees nothing contradicts nothing', () => {
    const empty = perfectMapsInput([]);
    const blank = labelErrorContext(correctionMaps(empty, 'fast'), empty);
    for (const j of labelErrorScores(blank, [withWrist(a, { x: 10, y: 10 })], 0)) {
      expect(j.candidate).toBeNull();
      expect(j.flagged).toBe(false);
    }
    expect(() => labelErrorScores(blank, [a], 3)).toThrow(/no person 3/);
  });

  it('the flag threshold is half a missed keypoint', () => expect(LABEL_ERROR_FLAG_GAIN).toBe(0.5));
});
