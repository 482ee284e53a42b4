// Seeded annotation errors on images with maps and ground truth, scored by the correction core: which swap and
// label-error flags fire on clean and on deliberately broken labels. Used by bench/correctionsBench.ts.
import type { DecodeInput } from '../../src/core/codec/decodeCase.ts';
import { decodeFast } from '../../src/core/codec/decodeFast.ts';
import { toPoses } from '../../src/core/codec/assign/toPoses.ts';
import { cocoKeypointChannel, correctionMaps, type CorrectionMaps } from '../../src/core/correct/correctionMaps.ts';
import { swapScore } from '../../src/core/correct/swapScore.ts';
import { labelErrorContext, labelErrorScores, type JointLabelError } from '../../src/core/correct/labelErrorScores.ts';
import { regionPeaks } from '../../src/core/correct/regionPeaks.ts';
import type { CocoJoints, ImagePoint } from '../../src/core/skeleton/imhnJoints.ts';
import { COCO_FLIP_ORDER } from '../../src/core/skeleton/poseMeta.ts';
import { seededRandom, type Random } from '../../src/core/synth/seededRandom.ts';

/** One image: its decode input (maps), its labelled persons and the persons the decoder finds in the maps. */
export interface ImageCase {
  name: string;
  input: DecodeInput;
  gt: CocoJoints[];
  maps: CorrectionMaps;
  predicted: CocoJoints[];
}

export function imageCase(name: string, input: DecodeInput, gt: CocoJoints[]): ImageCase {
  const out = decodeFast(input);
  const predicted = toPoses(out.persons, out.peaks.flat()).map((p) => p.joints);
  return { name, input, gt, maps: correctionMaps(input, 'fast'), predicted };
}

/** Persons worth reviewing (and seeding): at least this many labelled joints. */
export const MIN_JOINTS = 5;
const placed = (p: CocoJoints) => p.filter((j) => j !== null).length;
const hasLeftRight = (p: CocoJoints) => COCO_FLIP_ORDER.some((src, k) => src !== k && p[k] !== null);
const swapped = (p: CocoJoints) => COCO_FLIP_ORDER.map((src) => p[src]);

/** Swap ratios: labelled persons as labelled and swapped, and the decoder's persons (clean by construction). */
export interface SwapTrials {
  labelled: number[];
  swapped: number[];
  predicted: number[];
}

export function swapTrials(cases: ImageCase[]): SwapTrials {
  const t: SwapTrials = { labelled: [], swapped: [], predicted: [] };
  for (const c of cases) {
    for (const p of c.gt) {
      if (placed(p) < MIN_JOINTS || !hasLeftRight(p)) continue;
      t.labelled.push(swapScore(c.maps, p).ratio);
      t.swapped.push(swapScore(c.maps, swapped(p)).ratio);
    }
    for (const p of c.predicted) if (hasLeftRight(p)) t.predicted.push(swapScore(c.maps, p).ratio);
  }
  return t;
}

export type SeededKind = 'shift15' | 'wrongPerson' | 'missingWrist';

/**
 * One label-error trial: the seeded joint's gain and whether the maps show that joint at its true place at all (a
 * candidate ≥ thre1 within 8 px: otherwise no map-based check can catch it), and for the person's other joints
 * (not seeded) their gains and how far the best candidate is from the label (NaN: no candidate or not labelled).
 */
export interface LabelTrial {
  kind: SeededKind | 'clean';
  seededGain: number | null;
  seededVisible: boolean;
  otherGains: number[];
  otherDistPx: number[];
}

const VISIBLE_PX = 8;

export function labelTrials(cases: ImageCase[], seed = 1): LabelTrial[] {
  const rng = seededRandom(seed);
  const out: LabelTrial[] = [];
  for (const c of cases) {
    const ctx = labelErrorContext(c.maps, c.input);
    c.gt.forEach((p, a) => {
      if (placed(p) < MIN_JOINTS) return;
      out.push({
        kind: 'clean',
        seededGain: null,
        seededVisible: false,
        ...others(labelErrorScores(ctx, c.gt, a), -1, p),
      });
      for (const kind of ['shift15', 'wrongPerson', 'missingWrist'] as const) {
        const e = seedError(kind, c, a, rng);
        if (!e) continue;
        const scores = labelErrorScores(
          ctx,
          c.gt.map((q, i) => (i === a ? e.joints : q)),
          a,
        );
        out.push({
          kind,
          seededGain: scores[e.joint].gain,
          seededVisible: visibleAt(c, e.joint, p[e.joint]!),
          ...others(scores, e.joint, e.joints),
        });
      }
    });
  }
  return out;
}

/** The person's other joints: their gains and how far each best candidate is from its label. */
function others(scores: JointLabelError[], skip: number, joints: CocoJoints) {
  const rest = scores.filter((j) => j.joint !== skip);
  const dist = (j: JointLabelError) => {
    const l = joints[j.joint];
    return l && j.candidate ? Math.hypot(l.x - j.candidate.x, l.y - j.candidate.y) : Number.NaN;
  };
  return { otherGains: rest.map((j) => j.gain), otherDistPx: rest.map(dist) };
}

/** Whether the maps show joint k near its true place: a candidate (≥ thre1) within VISIBLE_PX. */
function visibleAt(c: ImageCase, k: number, truth: ImagePoint): boolean {
  const r = VISIBLE_PX;
  const near = { x0: truth.x - r, y0: truth.y - r, x1: truth.x + r, y1: truth.y + r };
  return regionPeaks(cocoKeypointChannel(c.maps, k), near).some((q) => Math.hypot(q.x - truth.x, q.y - truth.y) <= r);
}

const WRISTS = [9, 10];

/** The person's joints with one seeded error, and which joint; null when the person does not allow that error. */
function seedError(
  kind: SeededKind,
  c: ImageCase,
  a: number,
  rng: Random,
): { joints: CocoJoints; joint: number } | null {
  const p = c.gt[a];
  const labelled = p.flatMap((j, k) => (j ? [k] : []));
  const put = (k: number, at: ImagePoint | null) => p.map((j, i) => (i === k ? at : j));
  const { width: W, height: H } = c.input.image;
  if (kind === 'shift15') {
    const k = rng.pick(labelled);
    for (let tries = 0; tries < 20; tries++) {
      const angle = rng.uniform(0, 2 * Math.PI);
      const at = { x: p[k]!.x + 15 * Math.cos(angle), y: p[k]!.y + 15 * Math.sin(angle) };
      if (at.x >= 0 && at.y >= 0 && at.x <= W - 1 && at.y <= H - 1) return { joints: put(k, at), joint: k };
    }
    return null;
  }
  if (kind === 'missingWrist') {
    const ws = WRISTS.filter((k) => p[k]);
    if (!ws.length) return null;
    const k = rng.pick(ws);
    return { joints: put(k, null), joint: k };
  }
  // wrongPerson: the joint placed on another labelled person's joint of the same type (wrists first), ≥ 15 px away.
  const options = labelled.flatMap((k) =>
    c.gt.flatMap((q, b) =>
      b !== a && q[k] && Math.hypot(q[k]!.x - p[k]!.x, q[k]!.y - p[k]!.y) >= 15 ? [{ k, at: q[k]! }] : [],
    ),
  );
  if (!options.length) return null;
  const wrists = options.filter((o) => WRISTS.includes(o.k));
  const o = rng.pick(wrists.length ? wrists : options);
  return { joints: put(o.k, o.at), joint: o.k };
}

/**
 * Precision/recall of a flag rule over seeded trials. False flags: any non-seeded joint over the threshold (clean
 * trials included); `falseFlagsFar`: those whose candidate lies ≥ 8 px from the label, i.e. where the maps themselves
 * put the joint elsewhere. `recallVisible`: recall over the seeded errors the maps can show (see LabelTrial).
 */
export function labelFlagStats(trials: LabelTrial[], threshold: number) {
  let tp = 0,
    fp = 0,
    far = 0,
    positives = 0,
    visible = 0,
    visibleCaught = 0,
    cleanJoints = 0,
    cleanFlags = 0;
  const perKind: Record<string, { seeded: number; caught: number; visible: number }> = {};
  for (const t of trials) {
    t.otherGains.forEach((g, i) => {
      if (g < threshold) return;
      fp++;
      if (t.otherDistPx[i] >= VISIBLE_PX) far++;
    });
    if (t.kind === 'clean') {
      cleanJoints += t.otherGains.length;
      cleanFlags += t.otherGains.filter((g) => g >= threshold).length;
      continue;
    }
    positives++;
    const caught = t.seededGain !== null && t.seededGain >= threshold;
    perKind[t.kind] ??= { seeded: 0, caught: 0, visible: 0 };
    perKind[t.kind].seeded++;
    if (t.seededVisible) {
      visible++;
      perKind[t.kind].visible++;
      if (caught) visibleCaught++;
    }
    if (caught) {
      tp++;
      perKind[t.kind].caught++;
    }
  }
  const precision = tp + fp ? tp / (tp + fp) : Number.NaN,
    recall = positives ? tp / positives : Number.NaN;
  return {
    threshold,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    seeded: positives,
    caught: tp,
    recallVisible: visible ? visibleCaught / visible : Number.NaN,
    visible,
    falseFlags: fp,
    falseFlagsFar: far,
    cleanJoints,
    cleanFlagRate: cleanJoints ? cleanFlags / cleanJoints : Number.NaN,
    perKind,
  };
}

/** Swap flags at a margin: seeded swaps caught, false flags on labelled and on predicted persons. */
export function swapFlagStats(t: SwapTrials, margin: number) {
  const over = (xs: number[]) => xs.filter((r) => r >= 1 + margin).length;
  const tp = over(t.swapped),
    fp = over(t.labelled) + over(t.predicted);
  return {
    margin,
    seeded: t.swapped.length,
    caught: tp,
    recall: t.swapped.length ? tp / t.swapped.length : Number.NaN,
    precision: tp + fp ? tp / (tp + fp) : Number.NaN,
    falseFlagsLabelled: over(t.labelled),
    labelled: t.labelled.length,
    falseFlagsPredicted: over(t.predicted),
    predicted: t.predicted.length,
  };
}
