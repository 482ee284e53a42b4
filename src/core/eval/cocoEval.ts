import type { CocoDataset, CocoKeypointResult } from '../coco/cocoTypes.ts';
import { numpySum } from './numpySum.ts';
import { accumulatePrecision, REC_THRS } from './accumulatePrecision.ts';
import { evaluateImage, IOU_THRS, loadResults, prepareImage, type ImageEval, type Prepared } from './evaluateImage.ts';

/** The ten numbers pycocotools prints for iouType 'keypoints' (maxDets 20). */
export interface CocoStats {
  AP: number;
  AP50: number;
  AP75: number;
  APm: number;
  APl: number;
  AR: number;
  AR50: number;
  AR75: number;
  ARm: number;
  ARl: number;
}
export const STAT_NAMES: (keyof CocoStats)[] = ['AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'AR50', 'AR75', 'ARm', 'ARl'];

/**
 * The precision–recall curve COCOeval.accumulate interpolates (person category, area "all", maxDets 20): precision
 * at each of the 101 recall thresholds 0, 0.01, …, 1, at OKS 0.50, at OKS 0.75, and averaged over the ten OKS
 * thresholds (AP is the mean of `mean`); −1 where there is no ground truth.
 */
export interface PrecisionCurve {
  recall: number[];
  oks50: number[];
  oks75: number[];
  mean: number[];
}

export interface KeypointEvaluator {
  stats(imageIds: number[]): CocoStats;
  precisionCurve(imageIds: number[]): PrecisionCurve;
}

export interface EvalOptions {
  /** Images evaluated (default: every GT image); duplicates removed and sorted like pycocotools. */
  imageIds?: number[];
  maxDets?: number;
}

/** 'all', 'medium', 'large' area ranges in pixels² (pycocotools Params.setKpParams). */
const AREA_RNG: [number, number][] = [
  [0, 1e10],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];

/**
 * COCO keypoint AP/AR exactly as pycocotools 2.0 (`COCO.loadRes` + `COCOeval(iouType='keypoints')` evaluate,
 * accumulate, summarize): crowd and zero-keypoint GTs ignored, medium/large area ranges, maxDets 20, the
 * 101-point interpolated precision, stable (mergesort) score orders, GT id 0 counted as unmatched.
 */
export function evaluateKeypoints(
  gt: CocoDataset,
  results: CocoKeypointResult[],
  options: EvalOptions = {},
): CocoStats {
  return createKeypointEvaluator(gt, results, options.maxDets).stats(options.imageIds ?? gt.images.map((i) => i.id));
}

/**
 * The evaluator with ground truth and results grouped once, so that many image subsets (e.g. every image on its own,
 * for a per-image AP) cost no more than one evaluation of the whole set.
 */
export function createKeypointEvaluator(
  gt: CocoDataset,
  results: CocoKeypointResult[],
  maxDets = 20,
): KeypointEvaluator {
  const maxDet = maxDets;
  const catIds = [...new Set(gt.categories.map((c) => c.id))].sort((a, b) => a - b);
  const dts = loadResults(results);
  const gtBy = groupBy(gt.annotations, (a) => `${a.image_id}/${a.category_id}`);
  const dtBy = groupBy(dts, (d) => `${d.image_id}/${(d as unknown as CocoKeypointResult).category_id}`);
  const prepared = new Map<string, Prepared | null>();
  const prepare = (img: number, cat: number) => {
    const key = `${img}/${cat}`;
    if (!prepared.has(key)) prepared.set(key, prepareImage(gtBy.get(key) ?? [], dtBy.get(key) ?? [], maxDet));
    return prepared.get(key)!;
  };
  const T = IOU_THRS.length,
    R = REC_THRS.length;
  /** COCOeval.accumulate: per category, per area range, precision [T·R] and recall [T]. */
  const accumulated = (imageIdsIn: number[]) => {
    const imgIds = [...new Set(imageIdsIn)].sort((a, b) => a - b);
    const precision: number[][][] = [],
      recall: number[][][] = [];
    for (const cat of catIds) {
      const perImage = imgIds.map((img) => prepare(img, cat));
      const pc: number[][] = [],
        rc: number[][] = [];
      AREA_RNG.forEach((rng) => {
        const evals = perImage
          .map((p) => (p ? evaluateImage(p, rng, maxDet) : null))
          .filter((e): e is ImageEval => e !== null);
        const { prec, rec } = accumulatePrecision(evals, maxDet, T, R);
        pc.push(prec);
        rc.push(rec);
      });
      precision.push(pc);
      recall.push(rc);
    }
    return { precision, recall };
  };
  return {
    precisionCurve(imageIds: number[]): PrecisionCurve {
      // The person category's interpolated precision over the 101 recall points, area "all" (−1: no GT at all).
      const pc = accumulated(imageIds).precision[0]?.[0] ?? new Array<number>(T * R).fill(-1);
      const at = (t: number) => pc.slice(t * R, (t + 1) * R);
      const meanOverT = REC_THRS.map((_, r) => {
        const v = IOU_THRS.map((_, t) => pc[t * R + r]).filter((x) => x > -1);
        return v.length ? numpySum(v) / v.length : -1;
      });
      return {
        recall: [...REC_THRS],
        oks50: at(IOU_THRS.indexOf(0.5)),
        oks75: at(IOU_THRS.indexOf(0.75)),
        mean: meanOverT,
      };
    },
    stats(imageIdsIn: number[]): CocoStats {
      const { precision, recall } = accumulated(imageIdsIn);
      const mean = (vals: number[]) => {
        const v = vals.filter((x) => x > -1);
        return v.length ? numpySum(v) / v.length : -1;
      };
      const ap = (area: number, t?: number) => mean(precision.flatMap((pc) => collect(pc[area], R, t)));
      const ar = (area: number, t?: number) => mean(recall.flatMap((rc) => collect(rc[area], 1, t)));
      const t50 = IOU_THRS.indexOf(0.5),
        t75 = IOU_THRS.indexOf(0.75);
      return {
        AP: ap(0),
        AP50: ap(0, t50),
        AP75: ap(0, t75),
        APm: ap(1),
        APl: ap(2),
        AR: ar(0),
        AR50: ar(0, t50),
        AR75: ar(0, t75),
        ARm: ar(1),
        ARl: ar(2),
      };
    },
  };
}

/** Values of one IoU threshold t (stored T-major, R per threshold), all of them when t is undefined, none for −1. */
function collect(values: number[], R: number, t: number | undefined): number[] {
  if (t === -1) return [];
  if (t === undefined) return values;
  return values.slice(t * R, (t + 1) * R);
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const l = m.get(k);
    if (l) l.push(it);
    else m.set(k, [it]);
  }
  return m;
}
