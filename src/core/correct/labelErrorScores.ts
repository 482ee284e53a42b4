import type { DecodeInput } from '../codec/decodeCase.ts';
import type { FullResMaps } from '../codec/fullRes/fullResMaps.ts';
import { flipAverage } from '../codec/flipAverage.ts';
import { passGeometry, type PassGeometry } from '../codec/passGeometry.ts';
import { encodeTargets, OFFICIAL_ENCODER_OPTIONS, type EncoderOptions } from '../codec/encodeTargets.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/assign/refineCentroid.ts';
import { focalL2Loss, OFFICIAL_FOCAL, type FocalOptions, type Maps } from '../loss/focalL2Loss.ts';
import { toEncoderPerson, type CocoJoints, type ImagePoint } from '../skeleton/imhnJoints.ts';
import type { EncoderPerson } from '../codec/encodeTargets.ts';
import { affectedChannels, changeRegion, regionLosses, type CellBox } from './labelErrorRegion.ts';
import { CHANNELS, COCO_TO_IMHN, IMHN_META, IMHN_KEYPOINTS } from '../skeleton/poseMeta.ts';
import { topKPeaks, personSearchBox, DEFAULT_TOP_K } from './topKPeaks.ts';
import type { ChannelPeak } from './regionPeaks.ts';

/**
 * What the label-error scores compare, for one image: the network's maps of the pass at the training scale (scale
 * closest to 1), flip-averaged, in stride-4 map space ([50, mapH, mapW]), the cells of the resized image (padding
 * excluded, as imageHardness does) and the full-resolution maps the candidates come from.
 */
export interface LabelErrorContext {
  maps: FullResMaps;
  geometry: PassGeometry;
  pred: Maps;
  mask: Float32Array;
}

export function labelErrorContext(maps: FullResMaps, input: DecodeInput): LabelErrorContext {
  const { width: W, height: H } = input.image;
  const scale = (m: number) => Math.abs(Math.log((m * H) / IMHN_META.boxSizePx));
  const pass = input.passes.reduce((best, p) => (scale(p.multiplier) < scale(best.multiplier) ? p : best));
  const g = passGeometry(W, H, pass.multiplier);
  const pred = {
    data: flipAverage(pass.maps, pass.flippedMaps),
    channels: CHANNELS.count,
    height: g.mapH,
    width: g.mapW,
  };
  const mask = new Float32Array(g.mapH * g.mapW);
  const validH = Math.ceil(g.resizedH / IMHN_META.strideInputPx),
    validW = Math.ceil(g.resizedW / IMHN_META.strideInputPx);
  for (let y = 0; y < validH; y++) mask.fill(1, y * g.mapW, y * g.mapW + validW);
  return { maps, geometry: g, pred, mask };
}

export interface LabelErrorOptions {
  /** Candidates per joint: the k highest peaks of its channel near the person. */
  k: number;
  /** A joint is flagged when moving (or adding) it to a candidate lowers the loss by ≥ this many units (below). */
  flagGain: number;
  focal: FocalOptions;
  encoder: EncoderOptions;
  peaks: PeakOptions;
}

/**
 * The flag threshold, in units of one whole keypoint: 0.5 means that putting the joint where the model sees it
 * removes at least half of the loss an entirely missed keypoint costs (3 · Σ G², the official keypoint weight).
 * Half-way between a perfect label (gain 0) and a 15-px shift under a perfect network (gain 1.0, the test); on the
 * simulated decode cases its F1 is within 0.003 of the best of the grid 0.25…1.5 (0.75) with all 15-px shifts caught;
 * checked on photos (bench/correctionsBench.ts, docs/BENCHMARKS.md).
 */
export const LABEL_ERROR_FLAG_GAIN = 0.5;

export const DEFAULT_LABEL_ERROR_OPTIONS: LabelErrorOptions = {
  k: DEFAULT_TOP_K,
  flagGain: LABEL_ERROR_FLAG_GAIN,
  focal: OFFICIAL_FOCAL,
  encoder: OFFICIAL_ENCODER_OPTIONS,
  peaks: OFFICIAL_PEAK_OPTIONS,
};

/** Focal L2 of one channel: the labelled targets and the targets with the joint at the best candidate. */
export interface ChannelLoss {
  channel: number;
  label: number;
  candidate: number;
}

export interface JointLabelError {
  /** COCO joint index. */
  joint: number;
  labelled: boolean;
  /** The candidate (image pixels) that explains the maps best, or null when the channel has none near the person. */
  candidate: ChannelPeak | null;
  /**
   * (loss as labelled − loss with the joint at the candidate) / (loss of one missed keypoint): how much closer to the
   * network the targets get by moving (or, for a missing joint, adding) the joint there; ≤ 0 when the label fits best.
   */
  gain: number;
  flagged: boolean;
  /**
   * Focal L2 per channel whose targets the joint changes (its keypoint channel, the neck's when a shoulder moves, the
   * body parts touching them, channel 49), over the cells it changes, as labelled and at the best candidate; channel
   * weights not applied.
   */
  channels: ChannelLoss[];
}

/**
 * Label-error scores of one labelled person (persons[index]; the image's other labelled persons make the targets
 * too, since the maps contain them): for each of its 17 joints, the GT targets of the pose rendered with the
 * project's encoder (§5) are compared with the network's maps by focal L2 (§6, official channel weights) as labelled
 * and with the joint at each of the top-k candidates of its keypoint channel near the person; the best candidate's
 * gain (above) ranks the joints ("the model sees this wrist elsewhere"). A joint the model has no candidate for is
 * never flagged: only a confident model (a peak ≥ thre1) can contradict a label.
 */
interface Best {
  cand: ChannelPeak;
  label: number[];
  at: number[];
  gain: number;
}

export function labelErrorScores(
  ctx: LabelErrorContext,
  persons: readonly CocoJoints[],
  index: number,
  options: Partial<LabelErrorOptions> = {},
): JointLabelError[] {
  const o = { ...DEFAULT_LABEL_ERROR_OPTIONS, ...options };
  const person = persons[index];
  if (!person) throw new RangeError(`no person ${index} among ${persons.length}`);
  const box = personSearchBox(person);
  const unit = missedKeypointLoss(o);
  const m = ctx.geometry.multiplier;
  const encoded = persons.map((p) => toEncoderPerson(p, m));
  const { mapW, mapH } = ctx.geometry;
  const losses = (people: EncoderPerson[], region: CellBox, channels: number[]) =>
    regionLosses(ctx.pred, ctx.mask, people, region, channels, o.focal, o.encoder);
  return COCO_TO_IMHN.map((imhn, joint) => {
    const channels = affectedChannels(imhn);
    const weightedSum = (ls: number[]) =>
      channels.reduce((s, c, i) => s + ls[i] * (o.focal.channelWeights ? o.focal.channelWeights[c] : 1), 0);
    let best = null as Best | null;
    for (const cand of box ? topKPeaks(ctx.maps.heat[imhn], box, o.k, o.peaks) : []) {
      const moved = toEncoderPerson(withJoint(person, joint, cand), m);
      const region = changeRegion(encoded[index], moved, imhn, mapW, mapH, o.encoder);
      if (!region) continue;
      const label = losses(encoded, region, channels);
      const at = losses(
        encoded.map((p, i) => (i === index ? moved : p)),
        region,
        channels,
      );
      const gain = (weightedSum(label) - weightedSum(at)) / unit;
      if (!best || gain > best.gain) best = { cand, label, at, gain };
    }
    let label = best?.label;
    if (!label) {
      const region = changeRegion(encoded[index], encoded[index], imhn, mapW, mapH, o.encoder);
      label = region ? losses(encoded, region, channels) : channels.map(() => 0);
    }
    return {
      joint,
      labelled: person[joint] !== null,
      candidate: best?.cand ?? null,
      gain: best?.gain ?? 0,
      flagged: best !== null && best.gain >= o.flagGain,
      channels: channels.map((channel, i) => ({ channel, label: label[i], candidate: best ? best.at[i] : label[i] })),
    };
  });
}

/** The GT maps of the labelled persons in the comparison pass ([50, mapH, mapW]; the side-by-side view's target). */
export function labelTargets(
  ctx: LabelErrorContext,
  persons: readonly CocoJoints[],
  encoder = OFFICIAL_ENCODER_OPTIONS,
): Maps {
  return targetsOf(ctx, persons, encoder);
}

function targetsOf(ctx: LabelErrorContext, persons: readonly CocoJoints[], encoder: EncoderOptions): Maps {
  const g = ctx.geometry;
  const data = encodeTargets(
    persons.map((p) => toEncoderPerson(p, g.multiplier)),
    g.mapH,
    g.mapW,
    null,
    encoder,
  );
  return { data, channels: CHANNELS.count, height: g.mapH, width: g.mapW };
}

function withJoint(p: CocoJoints, joint: number, at: ImagePoint): CocoJoints {
  return p.map((j, k) => (k === joint ? { x: at.x, y: at.y } : j));
}

const unitCache = new Map<string, number>();

/** The loss an all-zero prediction has for one keypoint alone (away from borders): the gain's unit. */
function missedKeypointLoss(o: LabelErrorOptions): number {
  const key = JSON.stringify([
    o.encoder,
    o.focal.gamma,
    o.focal.foregroundThreshold,
    o.focal.channelWeights?.[CHANNELS.keypointStart],
  ]);
  let unit = unitCache.get(key);
  if (unit === undefined) {
    const side = 64,
      xy = new Float64Array(2 * IMHN_KEYPOINTS.length),
      labelled = IMHN_KEYPOINTS.map((_, t) => t === 0);
    xy[0] = xy[1] = (side / 2) * o.encoder.strideInputPx + 1.5;
    const target = {
      data: encodeTargets([{ xy, labelled }], side, side, null, o.encoder),
      channels: CHANNELS.count,
      height: side,
      width: side,
    };
    const zero = { ...target, data: new Float32Array(target.data.length) };
    const w = new Float32Array(CHANNELS.count);
    w[CHANNELS.keypointStart] = o.focal.channelWeights ? o.focal.channelWeights[CHANNELS.keypointStart] : 1;
    unit = focalL2Loss(zero, target, null, { ...o.focal, channelWeights: w });
    unitCache.set(key, unit);
  }
  return unit;
}
