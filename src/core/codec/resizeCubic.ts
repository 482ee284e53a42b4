import { cubicAxis, type CubicAxis } from './cubicAxis.ts';

const f32 = Math.fround;

/** A stack of float32 planes, `[C, H, W]` row-major. */
export interface Planes {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/**
 * How OpenCV's float vertical pass orders its arithmetic. `cv2.resize` works on interleaved HWC rows of
 * `interleavedChannels` floats per pixel; `VResizeCubicVec_32f` handles the first ⌊W·C/simdLanes⌋·simdLanes floats
 * of a row as ((b3·S3 + b2·S2) + b1·S1) + b0·S0 (v_muladd without FMA) and the tail as
 * ((S0·b0 + S1·b1) + S2·b2) + S3·b3. simdLanes = 4 for SSE builds (Debian OpenCV 4.6, checked bit-exact).
 */
export interface VerticalOrder {
  interleavedChannels: number;
  simdLanes: number;
}

export interface ResizeOptions {
  invScaleX?: number;
  invScaleY?: number;
  order?: Partial<VerticalOrder>;
}

/**
 * Full-plane `cv2.resize(src, dsize, interpolation=INTER_CUBIC)` on float32, bit-exact with OpenCV's float path.
 * `invScaleX/Y` default to dst/src (dsize given); pass 4 for `fx=fy=4`.
 * Shapes: src [C, srcH, srcW] → [C, dstH, dstW]. Each channel is independent with identical weights.
 */
export function resizeCubic(src: Planes, dstH: number, dstW: number, options: ResizeOptions = {}): Planes {
  const ax = cubicAxis(src.width, dstW, options.invScaleX ?? dstW / src.width);
  const ay = cubicAxis(src.height, dstH, options.invScaleY ?? dstH / src.height);
  const order: VerticalOrder = { interleavedChannels: src.channels, simdLanes: 4, ...options.order };
  const out = new Float32Array(src.channels * dstH * dstW);
  const rowBuf = new Float32Array(src.height * dstW);
  for (let c = 0; c < src.channels; c++) {
    const plane = src.data.subarray(c * src.height * src.width, (c + 1) * src.height * src.width);
    for (let y = 0; y < src.height; y++) horizontalRow(plane, y * src.width, ax, rowBuf, y * dstW, 0, dstW);
    const dst = out.subarray(c * dstH * dstW, (c + 1) * dstH * dstW);
    const xTail = scalarTailStart(dstW, c, order);
    for (let y = 0; y < dstH; y++) verticalRow(rowBuf, dstW, ay, y, dst, y * dstW, 0, dstW, 0, 0, xTail);
  }
  return { data: out, channels: src.channels, height: dstH, width: dstW };
}

/** First column x of channel c that OpenCV computes in the scalar (forward-order) tail of a row `width` wide. */
export function scalarTailStart(width: number, channel: number, order: VerticalOrder): number {
  const c = order.interleavedChannels;
  const tailStart = Math.floor((width * c) / order.simdLanes) * order.simdLanes;
  return Math.max(0, Math.ceil((tailStart - channel) / c));
}

/** One output row segment [x0, x1) of the horizontal pass: dst[dstOff + x − x0] for x in [x0, x1). */
export function horizontalRow(
  src: ArrayLike<number>,
  srcOff: number,
  ax: Pick<CubicAxis, 'index' | 'weight'>,
  dst: Float32Array,
  dstOff: number,
  x0: number,
  x1: number,
): void {
  const idx = ax.index;
  const w = ax.weight;
  for (let x = x0, o = dstOff; x < x1; x++, o++) {
    const k = x * 4;
    let v = f32(src[srcOff + idx[k]] * w[k]);
    v = f32(v + f32(src[srcOff + idx[k + 1]] * w[k + 1]));
    v = f32(v + f32(src[srcOff + idx[k + 2]] * w[k + 2]));
    dst[o] = f32(v + f32(src[srcOff + idx[k + 3]] * w[k + 3]));
  }
}

/**
 * One output row y of the vertical pass over columns [x0, x1). `rows` holds source rows (index − rowBase), each
 * `stride` wide, starting at column colBase; results go to dst[dstOff ..]. Columns ≥ xTail use the scalar order.
 */
export function verticalRow(
  rows: Float32Array,
  stride: number,
  ay: Pick<CubicAxis, 'index' | 'weight'>,
  y: number,
  dst: Float32Array,
  dstOff: number,
  x0: number,
  x1: number,
  rowBase: number,
  colBase: number,
  xTail: number,
): void {
  const k = y * 4;
  const b0 = ay.weight[k],
    b1 = ay.weight[k + 1],
    b2 = ay.weight[k + 2],
    b3 = ay.weight[k + 3];
  const o0 = (ay.index[k] - rowBase) * stride - colBase;
  const o1 = (ay.index[k + 1] - rowBase) * stride - colBase;
  const o2 = (ay.index[k + 2] - rowBase) * stride - colBase;
  const o3 = (ay.index[k + 3] - rowBase) * stride - colBase;
  const xs = Math.min(Math.max(xTail, x0), x1);
  let o = dstOff;
  for (let x = x0; x < xs; x++, o++) {
    let v = f32(b3 * rows[o3 + x]);
    v = f32(v + f32(b2 * rows[o2 + x]));
    v = f32(v + f32(b1 * rows[o1 + x]));
    dst[o] = f32(v + f32(b0 * rows[o0 + x]));
  }
  for (let x = xs; x < x1; x++, o++) {
    let v = f32(b0 * rows[o0 + x]);
    v = f32(v + f32(b1 * rows[o1 + x]));
    v = f32(v + f32(b2 * rows[o2 + x]));
    dst[o] = f32(v + f32(b3 * rows[o3 + x]));
  }
}
