import { COCO_SIGMAS } from '../skeleton/poseMeta.ts';
import { numpySum } from './numpySum.ts';

/** Machine epsilon at 1 (np.spacing(1)), added to the GT area as pycocotools does. */
const SPACING_1 = 2.220446049250313e-16;
const VARS = COCO_SIGMAS.map((s) => (s * 2) ** 2);
/** Scratch for the exp terms (evaluation is synchronous, so one buffer serves every call). */
const TERMS = new Float64Array(COCO_SIGMAS.length);

export interface OksGt {
  keypoints: ArrayLike<number>;
  bbox: ArrayLike<number>;
  area: number;
}

/**
 * Object keypoint similarity of one detection to one GT person, exactly as pycocotools `COCOeval.computeOks`:
 * e_k = (dx² + dy²) / (2σ_k)² / (area + ε) / 2 over the GT's labelled keypoints (v > 0), OKS = mean(exp(−e_k)).
 * A GT without labelled keypoints measures the distance to the box [x − w, x + 2w] × [y − h, y + 2h] instead.
 * Keypoints are 17 COCO [x, y, v] triplets in image pixels.
 */
export function computeOks(dt: ArrayLike<number>, gt: OksGt): number {
  const g = gt.keypoints;
  let labelled = 0;
  for (let k = 0; k < COCO_SIGMAS.length; k++) if (g[3 * k + 2] > 0) labelled++;
  const [bx, by, bw, bh] = [gt.bbox[0], gt.bbox[1], gt.bbox[2], gt.bbox[3]];
  const x0 = bx - bw,
    x1 = bx + bw * 2,
    y0 = by - bh,
    y1 = by + bh * 2;
  const terms = TERMS;
  let t = 0;
  for (let k = 0; k < COCO_SIGMAS.length; k++) {
    const xd = dt[3 * k],
      yd = dt[3 * k + 1];
    let dx: number, dy: number;
    if (labelled > 0) {
      if (!(g[3 * k + 2] > 0)) continue;
      dx = xd - g[3 * k];
      dy = yd - g[3 * k + 1];
    } else {
      dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
      dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
    }
    const e = (dx * dx + dy * dy) / VARS[k] / (gt.area + SPACING_1) / 2;
    terms[t++] = Math.exp(-e);
  }
  return numpySum(terms, 0, t) / t;
}
