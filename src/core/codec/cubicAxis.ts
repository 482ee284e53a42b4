/**
 * One axis of OpenCV's `cv::resize(..., INTER_CUBIC)` on float32 data, reproduced bit for bit.
 *
 * Source: OpenCV imgproc/src/resize.cpp (`resize` coefficient set-up, `interpolateCubic`, `HResizeCubic`,
 * `VResizeCubic`). For destination index d: fx = (float)((d + 0.5)·(1/invScale) − 0.5), sx = floor(fx), t = fx − sx
 * (float), four Keys weights (a = −0.75) computed in float32 at t, taps sx−1..sx+2 clamped to [0, srcLen−1]
 * (border replicate). `invScale` is OpenCV's inv_scale: the `fx`/`fy` argument, or dstLen/srcLen when dsize is given.
 */
export interface CubicAxis {
  srcLen: number;
  dstLen: number;
  /** [dstLen × 4] clamped source indices of the four taps. */
  index: Int32Array;
  /** [dstLen × 4] float32 Keys weights of the four taps. */
  weight: Float32Array;
}

const f32 = Math.fround;
const A = f32(-0.75);

/** OpenCV `interpolateCubic(x, coeffs)` evaluated in float32, written into `out[o..o+3]`. */
export function keysWeightsF32(t: number, out: Float32Array, o: number): void {
  const x = f32(t);
  const x1 = f32(x + 1);
  // coeffs[0] = ((A*(x + 1) - 5*A)*(x + 1) + 8*A)*(x + 1) - 4*A;
  const c0 = f32(f32(f32(f32(f32(f32(A * x1) - f32(5 * A)) * x1) + f32(8 * A)) * x1) - f32(4 * A));
  // coeffs[1] = ((A + 2)*x - (A + 3))*x*x + 1;
  const c1 = f32(f32(f32(f32(f32(f32(A + 2) * x) - f32(A + 3)) * x) * x) + 1);
  // coeffs[2] = ((A + 2)*(1 - x) - (A + 3))*(1 - x)*(1 - x) + 1;
  const y = f32(1 - x);
  const c2 = f32(f32(f32(f32(f32(f32(A + 2) * y) - f32(A + 3)) * y) * y) + 1);
  // coeffs[3] = 1.f - coeffs[0] - coeffs[1] - coeffs[2];
  const c3 = f32(f32(f32(1 - c0) - c1) - c2);
  out[o] = c0;
  out[o + 1] = c1;
  out[o + 2] = c2;
  out[o + 3] = c3;
}

/** Builds the tap table of one resize axis (see file comment). */
export function cubicAxis(srcLen: number, dstLen: number, invScale: number): CubicAxis {
  if (!(srcLen > 0 && dstLen > 0))
    throw new RangeError(`cubicAxis: lengths must be positive (src ${srcLen}, dst ${dstLen})`);
  const scale = 1 / invScale;
  const index = new Int32Array(dstLen * 4);
  const weight = new Float32Array(dstLen * 4);
  for (let d = 0; d < dstLen; d++) {
    let fx = f32((d + 0.5) * scale - 0.5);
    const sx = Math.floor(fx);
    fx = f32(fx - sx);
    keysWeightsF32(fx, weight, d * 4);
    for (let k = 0; k < 4; k++) {
      const s = sx - 1 + k;
      index[d * 4 + k] = s < 0 ? 0 : s >= srcLen ? srcLen - 1 : s;
    }
  }
  return { srcLen, dstLen, index, weight };
}

/** OpenCV's output length for a scale factor: saturate_cast<int>(len·factor), i.e. round half to even. */
export function scaledLength(len: number, factor: number): number {
  return roundHalfEven(len * factor);
}

/** Python 3 `round()` / numpy `round` / C `lrint` on a double: round half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Composite (stage 1 then stage 2) weights of each output over stage-1 source cells, float64: taps start..start+len−1. */
export interface CompositeAxis {
  start: Int32Array;
  len: Int32Array;
  weight: Float64Array;
}
/** Maximum composite taps per output (stride COMPOSITE_TAPS in `weight`). */
export const COMPOSITE_TAPS = 8;

/**
 * The composite of two resize axes applied in order (stage 1 `a1`, then stage 2 `a2` on its output), as one
 * linear map from a1's source to a2's destination. Real-number composition of the float32 weights: values it gives
 * differ from OpenCV's chained float32 passes only by float rounding (≈1e-6 relative).
 */
export function compositeAxis(a1: CubicAxis, a2: CubicAxis, fixedTaps = 0): CompositeAxis {
  const n = a2.dstLen;
  const out: CompositeAxis = {
    start: new Int32Array(n),
    len: new Int32Array(n),
    weight: new Float64Array(n * COMPOSITE_TAPS),
  };
  for (let d = 0; d < n; d++) {
    let lo = Infinity,
      hi = -Infinity;
    for (let k = 0; k < 4; k++) {
      const m = a2.index[d * 4 + k];
      for (let q = 0; q < 4; q++) {
        const s = a1.index[m * 4 + q];
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
    }
    if (hi - lo + 1 > COMPOSITE_TAPS) throw new RangeError(`composite resize kernel spans ${hi - lo + 1} cells`);
    // fixedTaps > 0: every output gets exactly that many in-range taps (zero weights padded, start moved left near
    // the end) so evaluation loops have a fixed length; needs a source of at least fixedTaps cells.
    const fixed = fixedTaps > 0 && a1.srcLen >= fixedTaps;
    if (fixed && hi - lo + 1 > fixedTaps)
      throw new RangeError(`composite kernel spans ${hi - lo + 1} cells, more than ${fixedTaps}`);
    if (fixed) lo = Math.min(lo, a1.srcLen - fixedTaps);
    out.start[d] = lo;
    out.len[d] = fixed ? fixedTaps : hi - lo + 1;
    for (let k = 0; k < 4; k++) {
      const m = a2.index[d * 4 + k];
      for (let q = 0; q < 4; q++)
        out.weight[d * COMPOSITE_TAPS + a1.index[m * 4 + q] - lo] += a2.weight[d * 4 + k] * a1.weight[m * 4 + q];
    }
  }
  return out;
}

/** Largest natural tap count over the outputs of a composite axis. */
export function maxTaps(a: CompositeAxis): number {
  let m = 0;
  for (let d = 0; d < a.len.length; d++) if (a.len[d] > m) m = a.len[d];
  return m;
}
