/**
 * The fast decoder's float32 arithmetic (decodeKernels.ts) in TypeScript, on any arrays: Math.fround after every
 * operation equals the float32 operation for +, −, ×, ÷ (53 ≥ 2·24 + 2: double rounding is innocuous), so these
 * give the WebAssembly kernels' bits. Used by the TypeScript kernels (on the heap) and by PassUpsampler's tiles for
 * the heatmap overlay (on its own tables), so the overlay shows the values the decoder thresholds.
 */
const f32 = Math.fround;

/** A composite-kernel axis (fastTables.ts): per output, the first of 8 taps and 8 float32 weights. */
export interface CompositeTable {
  start: Int32Array;
  startOff: number;
  weight: Float32Array;
  weightOff: number;
}

/** Row sum h of 8 taps plane[s..s+7] with weights w[k..k+7]: t_l = a_l·w_l + a_{l+4}·w_{l+4}; (t0 + t2) + (t1 + t3). */
export function rowSum(plane: Float32Array, s: number, w: Float32Array, k: number): number {
  const t0 = f32(f32(plane[s] * w[k]) + f32(plane[s + 4] * w[k + 4]));
  const t1 = f32(f32(plane[s + 1] * w[k + 1]) + f32(plane[s + 5] * w[k + 5]));
  const t2 = f32(f32(plane[s + 2] * w[k + 2]) + f32(plane[s + 6] * w[k + 6]));
  const t3 = f32(f32(plane[s + 3] * w[k + 3]) + f32(plane[s + 7] * w[k + 7]));
  return f32(f32(t0 + t2) + f32(t1 + t3));
}

/**
 * Pass values u of image columns x0..x0+nx−1, rows y0..y0+ny−1 of a [*, width] plane at planeOff, divided by
 * `divisor` and stored (or added, `accumulate`) to out[outOff + j·outStride + i]. `scratch` holds outStride floats
 * per map row the tile reads.
 */
export function compositeTile(
  plane: Float32Array,
  planeOff: number,
  width: number,
  x: CompositeTable,
  y: CompositeTable,
  x0: number,
  y0: number,
  nx: number,
  ny: number,
  out: Float32Array,
  outOff: number,
  outStride: number,
  scratch: Float32Array,
  scratchOff: number,
  divisor: number,
  accumulate: boolean,
): void {
  const ys = y.start,
    yo = y.startOff,
    yw = y.weight,
    xs = x.start,
    xo = x.startOff,
    xw = x.weight,
    xwo = x.weightOff;
  const rFirst = ys[yo + y0],
    rLast = ys[yo + y0 + ny - 1] + 7,
    div = f32(divisor);
  for (let r = rFirst; r <= rLast; r++) {
    const row = planeOff + r * width,
      o = scratchOff + (r - rFirst) * outStride;
    for (let i = 0; i < nx; i++) scratch[o + i] = rowSum(plane, row + xs[xo + x0 + i], xw, xwo + (x0 + i) * 8);
  }
  for (let j = 0; j < ny; j++) {
    const yy = y0 + j,
      b = scratchOff + (ys[yo + yy] - rFirst) * outStride,
      w = y.weightOff + yy * 8,
      o = outOff + j * outStride,
      S = outStride;
    const w0 = yw[w],
      w1 = yw[w + 1],
      w2 = yw[w + 2],
      w3 = yw[w + 3],
      w4 = yw[w + 4],
      w5 = yw[w + 5],
      w6 = yw[w + 6],
      w7 = yw[w + 7];
    for (let i = 0; i < nx; i++) {
      const c = b + i;
      let acc = f32(w0 * scratch[c]);
      acc = f32(acc + f32(w1 * scratch[c + S]));
      acc = f32(acc + f32(w2 * scratch[c + 2 * S]));
      acc = f32(acc + f32(w3 * scratch[c + 3 * S]));
      acc = f32(acc + f32(w4 * scratch[c + 4 * S]));
      acc = f32(acc + f32(w5 * scratch[c + 5 * S]));
      acc = f32(acc + f32(w6 * scratch[c + 6 * S]));
      acc = f32(acc + f32(w7 * scratch[c + 7 * S]));
      if (div !== 1) acc = f32(acc / div); // x / 1 = x exactly
      out[o + i] = accumulate ? f32(out[o + i] + acc) : acc;
    }
  }
}

/** The pass value u at one pixel (x, y): the same as compositeTile there, before division. */
export function compositePoint(
  plane: Float32Array,
  planeOff: number,
  width: number,
  x: CompositeTable,
  y: CompositeTable,
  px: number,
  py: number,
): number {
  const w = y.weightOff + py * 8;
  let s = planeOff + y.start[y.startOff + py] * width + x.start[x.startOff + px];
  let acc = 0;
  for (let k = 0; k < 8; k++, s += width) {
    const term = f32(y.weight[w + k] * rowSum(plane, s, x.weight, x.weightOff + px * 8));
    acc = k === 0 ? term : f32(acc + term);
  }
  return acc;
}
