import { linspace, stableSortBy, type ImageEval } from './evaluateImage.ts';

/** The 101 recall thresholds 0, 0.01, …, 1 (pycocotools Params.recThrs). */
export const REC_THRS = linspace(0, 1, 101);

/** COCOeval.accumulate for one category/area/maxDet: precision [T·R] and recall [T], −1 when there is no GT. */
export function accumulatePrecision(
  evals: ImageEval[],
  maxDet: number,
  T: number,
  R: number,
): { prec: number[]; rec: number[] } {
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
