import { cubicAxis, compositeNegativeMass, type CubicAxis } from './cubicAxis.ts';
import { horizontalRow, scalarTailStart, verticalRow } from './resizeCubic.ts';
import type { PassGeometry } from './passGeometry.ts';

/** Side of the square tiles (image pixels) in which full-resolution maps are computed on demand. */
export const TILE_PX = 16;
const f32 = Math.fround;

interface AxisSpan { src0: Int32Array; src1: Int32Array; mid0: Int32Array; mid1: Int32Array }

/**
 * The official upsampling of one pass, evaluated tile by tile in image space (IMHN-REFERENCE §2 step 10):
 * map [h, w] → cv2.resize ×4 (INTER_CUBIC) → crop to the resized size → cv2.resize to the image size.
 * Every value is bit-identical to what OpenCV computes for the whole plane, because each output only depends on
 * its 4×4 taps and the taps are evaluated with the same float32 operations (see resizeCubic.ts).
 * `groupChannels` (per call) is how many channels the official code resized together (20 heat or 30 body parts):
 * it decides which columns OpenCV computes in SIMD order.
 */
export class PassUpsampler {
  readonly g: PassGeometry;
  readonly simdLanes: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Worst-case negative weight mass of the composite 2D kernel (for upper bounds). */
  readonly negMass: number;
  private readonly ax1: CubicAxis; private readonly ay1: CubicAxis;
  private readonly ax2: CubicAxis; private readonly ay2: CubicAxis;
  private readonly spanX: AxisSpan; private readonly spanY: AxisSpan;
  private readonly bufA: Float32Array; private readonly bufI: Float32Array; private readonly bufC: Float32Array;

  constructor(g: PassGeometry, simdLanes = 4) {
    this.g = g;
    this.simdLanes = simdLanes;
    this.ax1 = cubicAxis(g.mapW, g.paddedW, 4);
    this.ay1 = cubicAxis(g.mapH, g.paddedH, 4);
    // Crop = only the first resizedW/H outputs of stage 1 are used; stage 2 clamps at the crop border.
    this.ax2 = cubicAxis(g.resizedW, g.imageW, g.imageW / g.resizedW);
    this.ay2 = cubicAxis(g.resizedH, g.imageH, g.imageH / g.resizedH);
    this.tilesX = Math.ceil(g.imageW / TILE_PX);
    this.tilesY = Math.ceil(g.imageH / TILE_PX);
    this.spanX = axisSpans(this.ax1, this.ax2, g.imageW, this.tilesX);
    this.spanY = axisSpans(this.ay1, this.ay2, g.imageH, this.tilesY);
    const nx = compositeNegativeMass([this.ax1, this.ax2]);
    const ny = compositeNegativeMass([this.ay1, this.ay2]);
    this.negMass = (1 + ny) * nx + ny * (1 + nx);
    const maxMid = (s: AxisSpan) => Math.max(...Array.from(s.mid1, (v, i) => v - s.mid0[i] + 1));
    const maxSrc = (s: AxisSpan) => Math.max(...Array.from(s.src1, (v, i) => v - s.src0[i] + 1));
    this.bufA = new Float32Array(maxSrc(this.spanY) * maxMid(this.spanX));
    this.bufI = new Float32Array(maxMid(this.spanY) * maxMid(this.spanX));
    this.bufC = new Float32Array(maxMid(this.spanY) * TILE_PX);
  }

  /** Upper bound of the tile's values from the map cells it depends on: max + N·(max − min), plus float slack. */
  tileBound(plane: Float32Array, ty: number, tx: number): number {
    const w = this.g.mapW;
    let hi = -Infinity, lo = Infinity;
    for (let sy = this.spanY.src0[ty]; sy <= this.spanY.src1[ty]; sy++) {
      const row = sy * w;
      for (let sx = this.spanX.src0[tx]; sx <= this.spanX.src1[tx]; sx++) {
        const v = plane[row + sx];
        if (v > hi) hi = v;
        if (v < lo) lo = v;
      }
    }
    return hi + this.negMass * (hi - lo) + 1e-5 * (1 + Math.abs(hi) + Math.abs(lo));
  }

  /** Exact image-space values of tile (ty, tx) of one channel plane [mapH, mapW], into out[TILE_PX × TILE_PX]. */
  computeTile(plane: Float32Array, groupChannel: number, groupChannels: number, ty: number, tx: number, out: Float32Array): void {
    const { g, ax1, ay1, ax2, ay2, bufA, bufI, bufC } = this;
    const order = { interleavedChannels: groupChannels, simdLanes: this.simdLanes };
    const y0 = ty * TILE_PX, y1 = Math.min(g.imageH, y0 + TILE_PX);
    const x0 = tx * TILE_PX, x1 = Math.min(g.imageW, x0 + TILE_PX);
    const sr0 = this.spanY.src0[ty], sr1 = this.spanY.src1[ty];
    const r0 = this.spanY.mid0[ty], r1 = this.spanY.mid1[ty];
    const c0 = this.spanX.mid0[tx], c1 = this.spanX.mid1[tx];
    const nc = c1 - c0 + 1;
    // Stage 1 horizontal: map rows sr0..sr1 at stage-1 columns c0..c1.
    for (let sr = sr0; sr <= sr1; sr++) horizontalRow(plane, sr * g.mapW, ax1, bufA, (sr - sr0) * nc, c0, c1 + 1);
    // Stage 1 vertical: stage-1 rows r0..r1 (row width paddedW in OpenCV's buffer).
    const tailI = scalarTailStart(g.paddedW, groupChannel, order);
    for (let r = r0; r <= r1; r++) verticalRow(bufA, nc, ay1, r, bufI, (r - r0) * nc, c0, c1 + 1, sr0, c0, tailI);
    // Stage 2 horizontal: image columns x0..x1 of stage-1 rows r0..r1.
    const nx = x1 - x0;
    for (let r = r0; r <= r1; r++) horizontalRow(bufI, (r - r0) * nc - c0, ax2, bufC, (r - r0) * nx, x0, x1);
    // Stage 2 vertical: image rows y0..y1 (row width imageW in OpenCV's buffer).
    const tailF = scalarTailStart(g.imageW, groupChannel, order);
    for (let y = y0; y < y1; y++) verticalRow(bufC, nx, ay2, y, out, (y - y0) * TILE_PX, x0, x1, r0, x0, tailF);
  }
}

/** For each tile along one axis: the stage-1 (mid) and map (src) index ranges its outputs depend on. */
function axisSpans(a1: CubicAxis, a2: CubicAxis, len: number, tiles: number): AxisSpan {
  const s: AxisSpan = { src0: new Int32Array(tiles), src1: new Int32Array(tiles), mid0: new Int32Array(tiles), mid1: new Int32Array(tiles) };
  for (let t = 0; t < tiles; t++) {
    const d0 = t * TILE_PX, d1 = Math.min(len, d0 + TILE_PX) - 1;
    let m0 = Infinity, m1 = -Infinity;
    for (let d = d0; d <= d1; d++) for (let k = 0; k < 4; k++) { const i = a2.index[d * 4 + k]; if (i < m0) m0 = i; if (i > m1) m1 = i; }
    let q0 = Infinity, q1 = -Infinity;
    for (let m = m0; m <= m1; m++) for (let k = 0; k < 4; k++) { const i = a1.index[m * 4 + k]; if (i < q0) q0 = i; if (i > q1) q1 = i; }
    s.mid0[t] = m0; s.mid1[t] = m1; s.src0[t] = q0; s.src1[t] = q1;
  }
  return s;
}

/**
 * One output channel at full image resolution, averaged over passes exactly as `evaluate.py` does
 * (acc = 0; acc += float32(F_p / nPasses) in float64), computed lazily per tile.
 * `asFloat32`: heat maps are cast to float32 before peak finding; body-part maps stay float64 for sampling.
 */
export class FullResChannel {
  readonly width: number;
  readonly height: number;
  private readonly ups: PassUpsampler[];
  private readonly planes: Float32Array[];
  private readonly groupChannel: number;
  private readonly groupChannels: number;
  private readonly asFloat32: boolean;
  private readonly tiles: (Float64Array | undefined)[];
  private readonly bounds: Float64Array;
  private readonly scratch = new Float32Array(TILE_PX * TILE_PX);

  constructor(ups: PassUpsampler[], planes: Float32Array[], groupChannel: number, groupChannels: number, asFloat32: boolean) {
    this.ups = ups;
    this.planes = planes;
    this.groupChannel = groupChannel;
    this.groupChannels = groupChannels;
    this.asFloat32 = asFloat32;
    this.width = ups[0].g.imageW;
    this.height = ups[0].g.imageH;
    const n = ups[0].tilesX * ups[0].tilesY;
    this.tiles = new Array(n);
    this.bounds = new Float64Array(n).fill(NaN);
  }

  get tilesX(): number { return this.ups[0].tilesX; }
  get tilesY(): number { return this.ups[0].tilesY; }

  /** Upper bound of every value in tile t (row-major tile index). */
  bound(t: number): number {
    let b = this.bounds[t];
    if (Number.isNaN(b)) {
      const tx = t % this.tilesX, ty = (t - tx) / this.tilesX;
      b = 0;
      for (let p = 0; p < this.ups.length; p++) b += this.ups[p].tileBound(this.planes[p], ty, tx) / this.ups.length;
      this.bounds[t] = b;
    }
    return b;
  }

  /** Exact values of tile t, [TILE_PX × TILE_PX] row-major (entries outside the image are 0). */
  tile(t: number): Float64Array {
    let out = this.tiles[t];
    if (out === undefined) {
      const tx = t % this.tilesX, ty = (t - tx) / this.tilesX;
      out = new Float64Array(TILE_PX * TILE_PX);
      const n = this.ups.length;
      for (let p = 0; p < n; p++) {
        this.scratch.fill(0);
        this.ups[p].computeTile(this.planes[p], this.groupChannel, this.groupChannels, ty, tx, this.scratch);
        for (let i = 0; i < out.length; i++) out[i] += n === 1 ? this.scratch[i] : f32(this.scratch[i] / n);
      }
      if (this.asFloat32) for (let i = 0; i < out.length; i++) out[i] = f32(out[i]);
      this.tiles[t] = out;
    }
    return out;
  }

  isComputed(t: number): boolean { return this.tiles[t] !== undefined; }

  tileIndexOf(y: number, x: number): number {
    return Math.floor(y / TILE_PX) * this.tilesX + Math.floor(x / TILE_PX);
  }

  /** Exact value at image pixel (x, y). */
  at(y: number, x: number): number {
    return this.tile(this.tileIndexOf(y, x))[(y % TILE_PX) * TILE_PX + (x % TILE_PX)];
  }

  /** Upper bound of the value at image pixel (x, y), without computing it. */
  boundAt(y: number, x: number): number {
    return this.bound(this.tileIndexOf(y, x));
  }
}
