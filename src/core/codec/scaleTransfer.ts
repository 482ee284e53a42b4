import { compositeAxis, cubicAxis, type CompositeAxis } from './cubicAxis.ts';

/**
 * One axis of a pass as the decoder upsamples it: map cells → image pixels, the official two cubic resizes (map ×4
 * cropped to the resized length, then to the image; IMHN-REFERENCE §2 step 10) composed into one kernel (≤ 8 taps).
 */
export interface PassAxis {
  mapLen: number;
  resizedLen: number;
  imageLen: number;
}

/**
 * A linear map from the cells of one pass's map axis to the cells of another's (sparse rows: row i reads source
 * cells start[i] .. start[i] + len[i] − 1 with weights weight[offset[i] ..]). Spaces: map cells of each pass.
 */
export interface AxisTransfer {
  dstLen: number;
  start: Int32Array;
  len: Int32Array;
  offset: Int32Array;
  weight: Float64Array;
}

/** Ridge, relative to the mean diagonal of the normal matrix: keeps cells the image barely sees (padding) bounded. */
const RIDGE = 1e-4;
/** Weights below this fraction of their row's largest are dropped (far below float16's 1e-3 of the cache). */
const TRUNCATE = 1e-6;

function axisOf(a: PassAxis): CompositeAxis {
  return compositeAxis(
    cubicAxis(a.mapLen, a.resizedLen, 4),
    cubicAxis(a.resizedLen, a.imageLen, a.imageLen / a.resizedLen),
  );
}

/**
 * The least-squares transfer from pass `src` to pass `dst` along one axis: T = (AᵀA + λI)⁻¹ Aᵀ B, where B upsamples
 * `src` to the image and A upsamples `dst` (both the decoder's kernels). A map M on `src`'s cells, moved to `dst`'s
 * as T·M (per axis), is the `dst` map whose upsampling is nearest, over every image pixel, to M's own upsampling.
 * Both axes must be of the same image (same imageLen).
 */
export function scaleTransfer(dst: PassAxis, src: PassAxis): AxisTransfer {
  if (dst.imageLen !== src.imageLen)
    throw new RangeError(`axes of different images (${dst.imageLen}, ${src.imageLen})`);
  const a = axisOf(dst),
    b = axisOf(src);
  const n = dst.mapLen,
    m = src.mapLen;
  const band = 8; // |i − j| < 8: two cells within one composite kernel
  const normal = new Float64Array(n * band); // normal[i·band + d] = (AᵀA)[i][i − d]
  const cross = new Float64Array(n * m); // (AᵀB)[i][j]
  const W = 8; // COMPOSITE_TAPS: the stride of compositeAxis weights
  for (let px = 0; px < dst.imageLen; px++) {
    const sa = a.start[px],
      sb = b.start[px];
    for (let p = 0; p < a.len[px]; p++) {
      const wa = a.weight[px * W + p];
      if (wa === 0) continue;
      const i = sa + p;
      for (let q = 0; q <= p; q++) normal[i * band + (p - q)] += wa * a.weight[px * W + q];
      for (let q = 0; q < b.len[px]; q++) cross[i * m + sb + q] += wa * b.weight[px * W + q];
    }
  }
  let diag = 0;
  for (let i = 0; i < n; i++) diag += normal[i * band];
  const lambda = (RIDGE * diag) / n;
  for (let i = 0; i < n; i++) normal[i * band] += lambda;
  choleskyBand(normal, n, band);
  const col = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) col[i] = cross[i * m + j];
    solveBand(normal, n, band, col);
    for (let i = 0; i < n; i++) cross[i * m + j] = col[i];
  }
  return truncated(cross, n, m);
}

/** In place: the banded lower Cholesky factor L (L·Lᵀ = the matrix), same layout (l[i·band + d] = L[i][i − d]). */
function choleskyBand(l: Float64Array, n: number, band: number): void {
  for (let i = 0; i < n; i++) {
    for (let d = Math.min(i, band - 1); d >= 0; d--) {
      const j = i - d;
      let s = l[i * band + d];
      for (let k = Math.max(0, i - band + 1, j - band + 1); k < j; k++)
        s -= l[i * band + (i - k)] * l[j * band + (j - k)];
      l[i * band + d] = d === 0 ? Math.sqrt(s) : s / l[j * band];
    }
  }
}

/** In place: x ← (L·Lᵀ)⁻¹ x for a factor from choleskyBand. */
function solveBand(l: Float64Array, n: number, band: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = Math.max(0, i - band + 1); k < i; k++) s -= l[i * band + (i - k)] * x[k];
    x[i] = s / l[i * band];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < Math.min(n, i + band); k++) s -= l[k * band + (k - i)] * x[k];
    x[i] = s / l[i * band];
  }
}

/** The dense rows as sparse ones, each cut to the span of its weights above TRUNCATE of its largest. */
function truncated(dense: Float64Array, n: number, m: number): AxisTransfer {
  const start = new Int32Array(n),
    len = new Int32Array(n),
    offset = new Int32Array(n);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let j = 0; j < m; j++) max = Math.max(max, Math.abs(dense[i * m + j]));
    let lo = 0,
      hi = -1;
    if (max > 0) {
      while (Math.abs(dense[i * m + lo]) < TRUNCATE * max) lo++;
      hi = m - 1;
      while (Math.abs(dense[i * m + hi]) < TRUNCATE * max) hi--;
    }
    start[i] = lo;
    len[i] = hi - lo + 1;
    offset[i] = kept.length;
    for (let j = lo; j <= hi; j++) kept.push(dense[i * m + j]);
  }
  return { dstLen: n, start, len, offset, weight: Float64Array.from(kept) };
}
