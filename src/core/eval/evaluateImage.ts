// pycocotools COCOeval for one image: loadRes, _prepare (OKS of every detection to every GT) and evaluateImg (the
// greedy matching at each OKS threshold). accumulatePrecision.ts turns these per-image results into precision/recall.
import type { CocoAnnotation, CocoKeypointResult } from '../coco/cocoTypes.ts';
import { computeOks } from './computeOks.ts';

/** The ten OKS thresholds 0.50, 0.55, …, 0.95 (pycocotools Params.iouThrs). */
export const IOU_THRS = linspace(0.5, 0.95, 10);

/** A detection as COCO.loadRes makes it: ids 1..n in input order, area from the keypoints' extent. */
export interface Dt {
  id: number;
  image_id: number;
  keypoints: number[];
  score: number;
  area: number;
}
/** evaluateImg's output for one area range: per OKS threshold, which detections matched or are ignored. */
export interface ImageEval {
  dtScores: number[];
  dtMatched: Uint8Array[];
  dtIgnore: Uint8Array[];
  gtIgnore: Uint8Array;
}

/** One image/category after _prepare: detections by score, cut to maxDet, and their OKS [dt × gt] row-major. */
export interface Prepared {
  gts: CocoAnnotation[];
  gtIgnore: boolean[];
  dts: Dt[];
  ious: Float64Array;
}

/** COCO.loadRes for keypoints: area and bbox from the keypoints' extent (including (0, 0) of absent ones), ids 1..n. */
export function loadResults(results: CocoKeypointResult[]): Dt[] {
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

/** _prepare + computeOks for one image/category: dts sorted by score (stable) and cut to maxDet; OKS [dt × gt]. */
export function prepareImage(gts: CocoAnnotation[], dtsIn: Dt[], maxDet: number): Prepared | null {
  if (gts.length === 0 && dtsIn.length === 0) return null;
  const dts = stableSortBy(dtsIn, (d) => -d.score).slice(0, maxDet);
  const gtIgnore = gts.map((g) => Boolean(g.iscrowd) || g.num_keypoints === 0);
  const ious = new Float64Array(dts.length * gts.length);
  if (gts.length && dts.length)
    dts.forEach((d, i) => {
      gts.forEach((g, j) => {
        ious[i * gts.length + j] = computeOks(d.keypoints, g);
      });
    });
  return { gts, gtIgnore, dts, ious };
}

/** COCOeval.evaluateImg for one area range. */
export function evaluateImage(p: Prepared, [aLo, aHi]: [number, number], maxDet: number): ImageEval {
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

/** np.linspace(start, stop, n): start + i·step, the last exactly stop. */
export function linspace(start: number, stop: number, n: number): number[] {
  const step = (stop - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : i * step + start));
}

/** Sorted by key ascending, ties in input order (numpy's mergesort, as pycocotools sorts). */
export function stableSortBy<T>(items: T[], key: (t: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.item);
}
