import { cubicAxis, compositeAxis, type CubicAxis, type CompositeAxis } from '../cubicAxis.ts';
import { horizontalRow, scalarTailStart, verticalRow } from '../resizeCubic.ts';
import type { PassGeometry } from '../passGeometry.ts';
import { fastPassTables, type FastPassTables } from '../fast/fastTables.ts';
import { jsKernels } from '../kernels/jsKernels.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import { compositeTile, type CompositeTable } from '../kernels/js/compositeMath.ts';
import { exactPointValue, pointScratch, type PassAxes } from './exactPoint.ts';
import { negativeMass } from './tileBounds.ts';

/** Side of the square tiles (image pixels) in which reference mode computes full-resolution maps on demand. */
export const TILE_PX = 16;

export interface AxisSpan {
  src0: Int32Array;
  src1: Int32Array;
  mid0: Int32Array;
  mid1: Int32Array;
}

/** TypeScript kernels for the overlay's tables (a page's CSP may refuse WebAssembly; the tables are the same). */
let tableKernels: DecodeKernels | null = null;

/**
 * The official upsampling of one pass, evaluated tile by tile in image space (IMHN-REFERENCE §2 step 10):
 * map [h, w] → cv2.resize ×4 (INTER_CUBIC) → crop to the resized size → cv2.resize to the image size.
 * Every value of `computeTile`/`pointValue` is bit-identical to what OpenCV computes for the whole plane, because
 * each output only depends on its 4×4 taps and the taps are evaluated with the same float32 operations (see
 * resizeCubic.ts). `groupChannels` (per call) is how many channels the official code resized together (20 heat or
 * 30 body parts): it decides which columns OpenCV computes in SIMD order. `computeTileApprox` gives the fast
 * decoder's values (decodeKernels.ts) for the heatmap overlay.
 */
export class PassUpsampler implements PassAxes {
  readonly g: PassGeometry;
  readonly simdLanes: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Worst-case negative weight mass of the composite x kernel (for upper bounds). */
  readonly negMassX: number;
  readonly negMassY: number;
  readonly ax1: CubicAxis;
  readonly ay1: CubicAxis;
  readonly ax2: CubicAxis;
  readonly ay2: CubicAxis;
  readonly spanX: AxisSpan;
  readonly spanY: AxisSpan;
  readonly compX: CompositeAxis;
  readonly compY: CompositeAxis;
  /** Scratch of the bounds (tileBounds.ts): per map row of a tile's support. */
  readonly gMax: Float64Array;
  readonly gMin: Float64Array;
  private readonly bufA: Float32Array;
  private readonly bufI: Float32Array;
  private readonly bufC: Float32Array;
  private readonly pt = pointScratch();
  private fast: FastPassTables | null = null;
  private overlayScratch = new Float32Array(0);

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
    this.compX = compositeAxis(this.ax1, this.ax2);
    this.compY = compositeAxis(this.ay1, this.ay2);
    this.negMassX = negativeMass(this.compX);
    this.negMassY = negativeMass(this.compY);
    const maxMid = (s: AxisSpan) => Math.max(...Array.from(s.mid1, (v, i) => v - s.mid0[i] + 1));
    const maxSrc = (s: AxisSpan) => Math.max(...Array.from(s.src1, (v, i) => v - s.src0[i] + 1));
    this.bufA = new Float32Array(maxSrc(this.spanY) * maxMid(this.spanX));
    this.bufI = new Float32Array(maxMid(this.spanY) * maxMid(this.spanX));
    this.bufC = new Float32Array(maxMid(this.spanY) * TILE_PX);
    this.gMax = new Float64Array(maxSrc(this.spanY));
    this.gMin = new Float64Array(maxSrc(this.spanY));
  }

  /** First column of channel `groupChannel` that OpenCV's vertical pass computes in scalar order, ×4 and image. */
  tails(groupChannel: number, groupChannels: number): { padded: number; image: number } {
    const order = { interleavedChannels: groupChannels, simdLanes: this.simdLanes };
    return {
      padded: scalarTailStart(this.g.paddedW, groupChannel, order),
      image: scalarTailStart(this.g.imageW, groupChannel, order),
    };
  }

  /**
   * Exact image-space value at pixel (x, y) of one channel plane, computed from its 4×4 stage-1 taps alone:
   * the same float32 operations, in the same order, as computeTile / OpenCV.
   */
  pointValue(plane: Float32Array, groupChannel: number, groupChannels: number, y: number, x: number): number {
    const tail = this.tails(groupChannel, groupChannels);
    return exactPointValue(plane, 0, this.g.mapW, this, tail.padded, tail.image, y, x, this.pt);
  }

  /**
   * Tile (ty, tx) (TILE_PX square) of the fast decoder's value of this pass (decodeKernels.ts: the two resizes as
   * one 8-tap kernel per axis, float32), into out[TILE_PX × TILE_PX] — what the heatmap overlay paints.
   */
  computeTileApprox(plane: Float32Array, ty: number, tx: number, out: Float32Array | Float64Array): void {
    tableKernels ??= jsKernels();
    this.fast ??= fastPassTables(this.g, tableKernels);
    const t = this.fast,
      x0 = tx * TILE_PX,
      y0 = ty * TILE_PX;
    const nx = Math.min(TILE_PX, this.g.imageW - x0),
      ny = Math.min(TILE_PX, this.g.imageH - y0);
    const rows = t.yStart[y0 + ny - 1] - t.yStart[y0] + 8;
    if (this.overlayScratch.length < rows * TILE_PX) this.overlayScratch = new Float32Array(rows * TILE_PX);
    const X: CompositeTable = { start: t.xStart, startOff: 0, weight: t.xWeight, weightOff: 0 };
    const Y: CompositeTable = { start: t.yStart, startOff: 0, weight: t.yWeight, weightOff: 0 };
    compositeTile(plane, 0, this.g.mapW, X, Y, x0, y0, nx, ny, out, 0, TILE_PX, this.overlayScratch, 0, 1, false);
  }

  /** Exact image-space values of tile (ty, tx) of one channel plane [mapH, mapW], into out[TILE_PX × TILE_PX]. */
  computeTile(
    plane: Float32Array,
    groupChannel: number,
    groupChannels: number,
    ty: number,
    tx: number,
    out: Float32Array,
  ): void {
    const { g, ax1, ay1, ax2, ay2, bufA, bufI, bufC } = this;
    const order = { interleavedChannels: groupChannels, simdLanes: this.simdLanes };
    const y0 = ty * TILE_PX,
      y1 = Math.min(g.imageH, y0 + TILE_PX);
    const x0 = tx * TILE_PX,
      x1 = Math.min(g.imageW, x0 + TILE_PX);
    const sr0 = this.spanY.src0[ty],
      sr1 = this.spanY.src1[ty];
    const r0 = this.spanY.mid0[ty],
      r1 = this.spanY.mid1[ty];
    const c0 = this.spanX.mid0[tx],
      c1 = this.spanX.mid1[tx];
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
  const s: AxisSpan = {
    src0: new Int32Array(tiles),
    src1: new Int32Array(tiles),
    mid0: new Int32Array(tiles),
    mid1: new Int32Array(tiles),
  };
  for (let t = 0; t < tiles; t++) {
    const d0 = t * TILE_PX,
      d1 = Math.min(len, d0 + TILE_PX) - 1;
    let m0 = Infinity,
      m1 = -Infinity;
    for (let d = d0; d <= d1; d++)
      for (let k = 0; k < 4; k++) {
        const i = a2.index[d * 4 + k];
        if (i < m0) m0 = i;
        if (i > m1) m1 = i;
      }
    let q0 = Infinity,
      q1 = -Infinity;
    for (let m = m0; m <= m1; m++)
      for (let k = 0; k < 4; k++) {
        const i = a1.index[m * 4 + k];
        if (i < q0) q0 = i;
        if (i > q1) q1 = i;
      }
    s.mid0[t] = m0;
    s.mid1[t] = m1;
    s.src0[t] = q0;
    s.src1[t] = q1;
  }
  return s;
}
