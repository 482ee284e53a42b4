import type { FullResMaps } from '../codec/fullRes/fullResMaps.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/assign/refineCentroid.ts';
import { refineCentroid } from '../codec/assign/refineCentroid.ts';
import { scorePair } from '../codec/assign/scoreLimbs.ts';
import { roundHalfEven } from '../codec/cubicAxis.ts';
import { cocoToImhnJoints, type CocoJoints, type ImagePoint } from '../skeleton/imhnJoints.ts';
import { COCO_FLIP_ORDER, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';

/**
 * How well one fixed assignment of joints to keypoint types fits the network's maps, in the decoder's own terms
 * (find_people's total: candidate scores plus limb scores): `joints` = Σ over placed IMHN joints of the candidate
 * score find_peaks would give at the joint's pixel (5×5 mean of its keypoint channel, refine_centroid); `limbs` =
 * Σ over the 30 limbs (redundant ones included) with both ends placed of the score find_connections gives that
 * pair (0 when it rejects it); `acceptedLimbs` = how many it accepts.
 */
export interface AssignmentScore {
  joints: number;
  limbs: number;
  acceptedLimbs: number;
  total: number;
}

/** `imhnJoints`: 18 joints in network order (image pixels; null = absent). */
export function assignmentScore(
  maps: FullResMaps,
  imhnJoints: readonly (ImagePoint | null)[],
  peaks: PeakOptions = OFFICIAL_PEAK_OPTIONS,
): AssignmentScore {
  let joints = 0,
    limbs = 0,
    acceptedLimbs = 0;
  imhnJoints.forEach((j, t) => {
    if (!j) return;
    const ch = maps.heat[t];
    const px = clampPixel(j.x, ch.width),
      py = clampPixel(j.y, ch.height);
    joints += refineCentroid(ch, px, py, peaks).score;
  });
  for (let k = 0; k < LIMB_FROM.length; k++) {
    const a = imhnJoints[LIMB_FROM[k]],
      b = imhnJoints[LIMB_TO[k]];
    if (!a || !b) continue;
    const pair = scorePair(k, a, b, maps.sampler, maps.limbOptions);
    if (pair) {
      limbs += pair.score;
      acceptedLimbs++;
    }
  }
  return { joints, limbs, acceptedLimbs, total: joints + limbs };
}

function clampPixel(v: number, size: number): number {
  return Math.min(size - 1, Math.max(0, roundHalfEven(v)));
}

/** The person's score as labelled and with left and right exchanged (the swap key's result). */
export interface SwapScore {
  original: AssignmentScore;
  swapped: AssignmentScore;
  /** swapped.total / original.total (1 when both are 0; +∞ when only the swapped one scores). */
  ratio: number;
}

/** Left/right swap score of one person (17 COCO joints, image pixels): the limb scoring of the paper both ways. */
export function swapScore(
  maps: FullResMaps,
  joints: CocoJoints,
  peaks: PeakOptions = OFFICIAL_PEAK_OPTIONS,
): SwapScore {
  const original = assignmentScore(maps, cocoToImhnJoints(joints), peaks);
  const swapped = assignmentScore(maps, cocoToImhnJoints(COCO_FLIP_ORDER.map((src) => joints[src])), peaks);
  const ratio = original.total > 0 ? swapped.total / original.total : swapped.total > 0 ? Number.POSITIVE_INFINITY : 1;
  return { original, swapped, ratio };
}

/**
 * "Clearly higher": a person is flagged when its swapped version scores at least (1 + margin) times as much as it
 * does as labelled. Chosen on the simulated decode cases (bench/correctionsBench.ts, docs/BENCHMARKS.md): there the
 * swapped version of every correctly labelled or decoded person scores ≤ 0.965× and every deliberately swapped person
 * ≥ 1.556×; 1.25 is the rounded geometric middle of that gap. Checked on real photos (same page).
 */
export const SWAP_FLAG_MARGIN = 0.25;

export interface SwapFlag {
  id: string;
  score: SwapScore;
  flagged: boolean;
}

/**
 * Swap flags for an image's persons (predicted or labelled), as a review queue: every person with its score,
 * flagged ones first, most suspicious (highest ratio) first; persons without a left/right pair placed are skipped.
 */
export function swapFlags(
  maps: FullResMaps,
  persons: readonly { id: string; joints: CocoJoints }[],
  margin: number = SWAP_FLAG_MARGIN,
  peaks: PeakOptions = OFFICIAL_PEAK_OPTIONS,
): SwapFlag[] {
  const out: SwapFlag[] = [];
  for (const p of persons) {
    if (!COCO_FLIP_ORDER.some((src, k) => src !== k && p.joints[k])) continue;
    const score = swapScore(maps, p.joints, peaks);
    out.push({ id: p.id, score, flagged: score.ratio >= 1 + margin });
  }
  return out.sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.score.ratio - a.score.ratio);
}
