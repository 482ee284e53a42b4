import { cubicAxis, compositeAxis, COMPOSITE_TAPS, type CubicAxis, type CompositeAxis } from '../cubicAxis.ts';
import { scalarTailStart } from '../resizeCubic.ts';
import type { PassGeometry } from '../passGeometry.ts';
import { fastPassTables, type FastPassTables } from '../fast/fastTables.ts';
import { jsKernels } from '../kernels/jsKernels.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import { compositeTile, type CompositeTable } from '../kernels/js/compositeMath.ts';
import type { PassAxes } from './exactPoint.ts';

/** Side of the square tiles (image pixels) of computeTileApprox (the heatmap overlay's unit of work). */
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
 * The official upsampling of one pass (IMHN-REFERENCE §2 step 10): map [h, w] → cv2.resize ×4 (INTER_CUBIC) →
 * crop to the resized size → cv2.resize to the image size, as the tables reference mode evaluates it with
 * (exactPoint.ts, exactTile.ts: every value bit-identical to what OpenCV computes for the whole plane, because each
 * output only depends on its 4×4 taps and the taps go through the same float32 operations) and, for the heatmap
 * overlay, `computeTileApprox` (the fast decoder's values, decodeKernels.ts).
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
  /** The kernels' reference tiles (8×8): per tile column / row [src0, src1, mid0, mid1] (exactTile.ts SpanRef). */
  readonly span8X: Int32Array;
  readonly span8Y: Int32Array;
  /** Floats of bufA, bufI, bufC one 8×8 reference tile needs. */
  readonly buffers8: { a: number; i: number; c: number };
  private fast: FastPassTables | null = null;
  private overlayScratch = new Float32Array(0);
  private readonly overlayTile = new Float32Array(TILE_PX * TILE_PX);

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
    this.negMassX = negativeMass(compositeAxis(this.ax1, this.ax2));
    this.negMassY = negativeMass(compositeAxis(this.ay1, this.ay2));
    const maxMid = (s: AxisSpan) => Math.max(...Array.from(s.mid1, (v, i) => v - s.mid0[i] + 1));
    const maxSrc = (s: AxisSpan) => Math.max(...Array.from(s.src1, (v, i) => v - s.src0[i] + 1));
    const x8 = axisSpans(this.ax1, this.ax2, g.imageW, Math.ceil(g.imageW / 8), 8),
      y8 = axisSpans(this.ay1, this.ay2, g.imageH, Math.ceil(g.imageH / 8), 8);
    const interleave = (s: AxisSpan) =>
      Int32Array.from({ length: 4 * s.src0.length }, (_, i) => [s.src0, s.src1, s.mid0, s.mid1][i % 4][i >> 2]);
    this.span8X = interleave(x8);
    this.span8Y = interleave(y8);
    this.buffers8 = { a: maxSrc(y8) * maxMid(x8), i: maxMid(y8) * maxMid(x8), c: maxMid(y8) * 8 };
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
    const tile = this.overlayTile;
    compositeTile(plane, 0, this.g.mapW, X, Y, x0, y0, nx, ny, tile, 0, TILE_PX, this.overlayScratch, 0, 1, false);
    if (out !== tile) out.set(tile);
  }
}

/** For each tile along one axis: the stage-1 (mid) and map (src) index ranges its outputs depend on. */
function axisSpans(a1: CubicAxis, a2: CubicAxis, len: number, tiles: number, tile: number): AxisSpan {
  const s: AxisSpan = {
    src0: new Int32Array(tiles),
    src1: new Int32Array(tiles),
    mid0: new Int32Array(tiles),
    mid1: new Int32Array(tiles),
  };
  for (let t = 0; t < tiles; t++) {
    const d0 = t * tile,
      d1 = Math.min(len, d0 + tile) - 1;
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

/** Largest total negative weight of any output of a composite axis. */
function negativeMass(a: CompositeAxis): number {
  let worst = 0;
  for (let d = 0; d < a.start.length; d++) {
    let neg = 0;
    for (let k = 0; k < a.len[d]; k++) {
      const w = a.weight[d * COMPOSITE_TAPS + k];
      if (w < 0) neg -= w;
    }
    worst = Math.max(worst, neg);
  }
  return worst;
}
