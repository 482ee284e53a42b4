import type { CocoAnnotation, CocoDataset, CocoKeypointResult } from '../coco/cocoTypes.ts';
import { COCO_KEYPOINTS, COCO_SIGMAS } from '../skeleton/poseMeta.ts';
import { createKeypointEvaluator, type CocoStats, type PrecisionCurve } from './cocoEval.ts';
import { computeOks } from './computeOks.ts';

const JOINT_COUNT = COCO_KEYPOINTS.length;

/**
 * What the evaluation panel shows for one run against reviewed ground truth: the pycocotools numbers (cocoEval.ts),
 * each image's own AP and mean OKS, the precision–recall curve and each joint's keypoint similarity.
 */
export interface EvaluationReport {
  overall: CocoStats;
  perImage: ImageEvaluation[];
  curve: PrecisionCurve;
  joints: JointError[];
}

export interface ImageEvaluation {
  /** The GT file's image id. */
  cocoId: number;
  AP: number;
  AR: number;
  /**
   * Mean OKS of the image's GT persons (non-crowd, with labelled keypoints) to the predictions matched to them —
   * greedily in descending prediction score, each prediction to the unmatched GT person it overlaps most (OKS > 0),
   * as COCOeval matches at its lowest threshold —, a GT person left unmatched counting 0. Null: no such GT person.
   */
  oks: number | null;
  gtPersons: number;
  predictions: number;
}

/**
 * One COCO joint over every matched pair: `similarity` is the mean per-joint term of OKS, exp(−d²/(2·s²·k²)) with s² the
 * GT area and k = 2σ (1: on the spot; 0.5: about one σ-scaled radius off); `medianPx` the median distance in pixels.
 * Only labelled GT joints (v > 0) count; null when no pair has the joint labelled.
 */
export interface JointError {
  joint: number;
  similarity: number | null;
  medianPx: number | null;
  count: number;
}

/** The detections pycocotools keeps per image: the 20 highest scores, in a stable order. */
const MAX_DETS = 20;

export function evaluationReport(gt: CocoDataset, results: CocoKeypointResult[]): EvaluationReport {
  const evaluator = createKeypointEvaluator(gt, results, MAX_DETS);
  const ids = gt.images.map((i) => i.id);
  const gtBy = groupByImage(gt.annotations);
  const dtBy = groupByImage(results);
  const jointTerms: number[][] = Array.from({ length: JOINT_COUNT }, () => []);
  const jointPx: number[][] = Array.from({ length: JOINT_COUNT }, () => []);
  const perImage = gt.images.map((im): ImageEvaluation => {
    const persons = (gtBy.get(im.id) ?? []).filter((g) => !g.iscrowd && g.num_keypoints > 0);
    const dts = (dtBy.get(im.id) ?? [])
      .map((d, i) => ({ d, i }))
      .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
      .slice(0, MAX_DETS)
      .map((x) => x.d);
    const pairs = greedyMatch(persons, dts);
    for (const [g, d] of pairs) addJointErrors(g, d, jointTerms, jointPx);
    const st = evaluator.stats([im.id]);
    return {
      cocoId: im.id,
      AP: st.AP,
      AR: st.AR,
      oks: persons.length ? pairs.reduce((s, [g, d]) => s + computeOks(d.keypoints, g), 0) / persons.length : null,
      gtPersons: persons.length,
      predictions: (dtBy.get(im.id) ?? []).length,
    };
  });
  return {
    overall: evaluator.stats(ids),
    perImage,
    curve: evaluator.precisionCurve(ids),
    joints: jointTerms.map((terms, joint) => ({
      joint,
      similarity: terms.length ? terms.reduce((a, b) => a + b, 0) / terms.length : null,
      medianPx: jointPx[joint].length ? median(jointPx[joint]) : null,
      count: terms.length,
    })),
  };
}

/** Each prediction (in score order) to the unmatched GT person it has the highest OKS with, when that is > 0. */
function greedyMatch(persons: CocoAnnotation[], dts: CocoKeypointResult[]): [CocoAnnotation, CocoKeypointResult][] {
  const taken = new Set<number>();
  const pairs: [CocoAnnotation, CocoKeypointResult][] = [];
  for (const d of dts) {
    let best = -1,
      bestOks = 0;
    persons.forEach((g, j) => {
      if (taken.has(j)) return;
      const o = computeOks(d.keypoints, g);
      if (o > bestOks) {
        bestOks = o;
        best = j;
      }
    });
    if (best < 0) continue;
    taken.add(best);
    pairs.push([persons[best], d]);
  }
  return pairs;
}

function addJointErrors(g: CocoAnnotation, d: CocoKeypointResult, terms: number[][], px: number[][]): void {
  for (let k = 0; k < JOINT_COUNT; k++) {
    if (!(g.keypoints[3 * k + 2] > 0)) continue;
    const dx = d.keypoints[3 * k] - g.keypoints[3 * k],
      dy = d.keypoints[3 * k + 1] - g.keypoints[3 * k + 1];
    const d2 = dx * dx + dy * dy;
    const kappa2 = (2 * COCO_SIGMAS[k]) ** 2;
    terms[k].push(Math.exp(-d2 / kappa2 / (g.area + Number.EPSILON) / 2));
    px[k].push(Math.sqrt(d2));
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function groupByImage<T extends { image_id: number }>(items: T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const x of items) {
    const l = m.get(x.image_id);
    if (l) l.push(x);
    else m.set(x.image_id, [x]);
  }
  return m;
}
