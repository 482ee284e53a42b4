import type { CocoAnnotation, CocoDataset, CocoKeypointResult } from '../coco/cocoTypes.ts';
import { computeOks } from './computeOks.ts';
import { numpySum } from './numpySum.ts';

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

const IOU_THRS = linspace(0.5, 0.95, 10);
const REC_THRS = linspace(0, 1, 101);
/** 'all', 'medium', 'large' area ranges in pixels² (pycocotools Params.setKpParams). */
const AREA_RNG: [number, number][] = [
  [0, 1e10],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];

interface Dt {
  id: number;
  image_id: number;
  keypoints: number[];
  score: number;
  area: number;
}
interface ImageEval {
  dtScores: number[];
  dtMatched: Uint8Array[];
  dtIgnore: Uint8Array[];
  gtIgnore: Uint8Array;
}

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
        const { prec, rec } = accumulate(evals, maxDet, T, R);
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

/** COCO.loadRes for keypoints: area and bbox from the keypoints' extent (including (0, 0) of absent ones), ids 1..n. */
function loadResults(results: CocoKeypointResult[]): Dt[] {
  return results.map((r, i) => {
    let x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
    for (let k = 0; k < r.keypoints.length; k += 3) {
      x0 = Math.min(x0, r.keypoints[k]);
      x1 = Math.max(x1, r.keypoints[k]);
      y0 = Math.min(y0, r.keypoints[k + 1]);
      y1 = Math.max(y1, r.keypoints[k + 1]);
    }
    return { ...r, id: i + 1, area: (x1 - x0) * (y1 - y0) };
  });
}

interface Prepared {
  gts: CocoAnnotation[];
  gtIgnore: boolean[];
  dts: Dt[];
  ious: Float64Array;
}

/** _prepare + computeOks for one image/category: dts sorted by score (stable) and cut to maxDet; OKS [dt × gt]. */
function prepareImage(gts: CocoAnnotation[], dtsIn: Dt[], maxDet: number): Prepared | null {
  if (gts.length === 0 && dtsIn.length === 0) return null;
  const dts = stableSortBy(dtsIn, (d) => -d.score).slice(0, maxDet);
  const gtIgnore = gts.map((g) => Boolean(g.iscrowd) || g.num_keypoints === 0);
  const ious = new Float64Array(dts.length * gts.length);
  if (gts.length && dts.length)
    dts.forEach((d, i) =>
      gts.forEach((g, j) => {
        ious[i * gts.length + j] = computeOks(d.keypoints, g);
      }),
    );
  return { gts, gtIgnore, dts, ious };
}

/** COCOeval.evaluateImg for one area range. */
function evaluateImage(p: Prepared, [aLo, aHi]: [number, number], maxDet: number): ImageEval {
  const nG = p.gts.length;
  const ignoreFlag = p.gts.map((g, j) => (p.gtIgnore[j] || g.area < aLo || g.area > aHi ? 1 : 0));
  const gtOrder = stableSortBy(
    p.gts.map((_, j) => j),
    (j) => ignoreFlag[j],
  );
  const gt = gtOrder.map((j) => p.gts[j]);
  const gtIg = Uint8Array.from(gtOrder, (j) => ignoreFlag[j]);
  const dt = p.dts.slice(0, maxDet);
  const crowd = gt.map((g) => g.iscrowd === 1);
  const dtMatched: Uint8Array[] = [],
    dtIgnore: Uint8Array[] = [];
  for (const thr of IOU_THRS) {
    const gtm = new Float64Array(gt.length);
    const dtm = new Uint8Array(dt.length),
      dtIg = new Uint8Array(dt.length);
    if (nG && dt.length) {
      dt.forEach((d, di) => {
        let iou = Math.min(thr, 1 - 1e-10),
          m = -1;
        for (let gi = 0; gi < gt.length; gi++) {
          if (gtm[gi] > 0 && !crowd[gi]) continue;
          if (m > -1 && gtIg[m] === 0 && gtIg[gi] === 1) break;
          const o = p.ious[di * nG + gtOrder[gi]];
          if (o < iou) continue;
          iou = o;
          m = gi;
        }
        if (m === -1) return;
        dtIg[di] = gtIg[m];
        dtm[di] = gt[m].id !== 0 ? 1 : 0; // pycocotools stores the GT id: an id of 0 reads as "no match"
        gtm[m] = d.id;
      });
    }
    dt.forEach((d, di) => {
      if (!dtm[di] && (d.area < aLo || d.area > aHi)) dtIg[di] = 1;
    });
    dtMatched.push(dtm);
    dtIgnore.push(dtIg);
  }
  return { dtScores: dt.map((d) => d.score), dtMatched, dtIgnore, gtIgnore: gtIg };
}

/** COCOeval.accumulate for one category/area/maxDet: precision [T·R] and recall [T], −1 when there is no GT. */
function accumulate(evals: ImageEval[], maxDet: number, T: number, R: number): { prec: number[]; rec: number[] } {
  const prec = new Array<number>(T * R).fill(-1),
    rec = new Array<number>(T).fill(-1);
  if (evals.length === 0) return { prec, rec };
  let npig = 0;
  for (const e of evals) for (const g of e.gtIgnore) if (g === 0) npig++;
  if (npig === 0) return { prec, rec };
  // Concatenate detections image by image (as np.concatenate does), then sort by score, stable.
  const scores: number[] = [],
    ownerImage: number[] = [],
    ownerDet: number[] = [];
  evals.forEach((e, ei) => {
    const n = Math.min(maxDet, e.dtScores.length);
    for (let di = 0; di < n; di++) {
      scores.push(e.dtScores[di]);
      ownerImage.push(ei);
      ownerDet.push(di);
    }
  });
  const order = stableSortBy(
    scores.map((_, i) => i),
    (i) => -scores[i],
  );
  const nd = order.length;
  const rc = new Float64Array(nd),
    pr = new Float64Array(nd);
  for (let t = 0; t < T; t++) {
    let tp = 0,
      fp = 0;
    for (let n = 0; n < nd; n++) {
      const e = evals[ownerImage[order[n]]],
        di = ownerDet[order[n]];
      const matched = e.dtMatched[t][di] === 1,
        ignored = e.dtIgnore[t][di] === 1;
      if (!ignored) {
        if (matched) tp++;
        else fp++;
      }
      rc[n] = tp / npig;
      pr[n] = tp / (fp + tp + 2.220446049250313e-16);
    }
    rec[t] = nd ? rc[nd - 1] : 0;
    for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    for (let r = 0; r < R; r++) {
      const idx = searchSortedLeft(rc, REC_THRS[r]);
      if (idx >= nd) {
        for (let q = r; q < R; q++) prec[t * R + q] = 0;
        break;
      }
      prec[t * R + r] = pr[idx];
    }
  }
  return { prec, rec };
}

function searchSortedLeft(a: Float64Array, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** np.linspace(start, stop, n): start + i·step, the last exactly stop. */
function linspace(start: number, stop: number, n: number): number[] {
  const step = (stop - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : i * step + start));
}

function stableSortBy<T>(items: T[], key: (t: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.item);
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
