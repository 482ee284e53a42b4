import { cubicAxis, compositeAxis, maxTaps, COMPOSITE_TAPS, type CubicAxis, type CompositeAxis } from './cubicAxis.ts';
import { horizontalRow, scalarTailStart, verticalRow } from './resizeCubic.ts';
import type { PassGeometry } from './passGeometry.ts';
import { mapPlacement, type MapPlacement } from '../geometry/mapPlacement.ts';

/** Side of the square tiles (image pixels) in which full-resolution maps are computed on demand. */
export const TILE_PX = 16;
/** Above this many tiles per channel, computed tiles are kept in a Map instead of a dense array. */
const DENSE_TILE_LIMIT = 1 << 16;
const f32 = Math.fround;

interface AxisSpan {
  src0: Int32Array;
  src1: Int32Array;
  mid0: Int32Array;
  mid1: Int32Array;
}

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
  /** Worst-case negative weight mass of the composite x kernel (for upper bounds). */
  readonly negMassX: number;
  readonly negMassY: number;
  private readonly ax1: CubicAxis;
  private readonly ay1: CubicAxis;
  private readonly ax2: CubicAxis;
  private readonly ay2: CubicAxis;
  private readonly spanX: AxisSpan;
  private readonly spanY: AxisSpan;
  readonly compX: CompositeAxis;
  readonly compY: CompositeAxis;
  /** Map cell centre → image pixel for this pass (the same geometry the heatmap overlay uses). */
  private readonly placement: MapPlacement;
  /** The same composite axes with a fixed tap count per output, 6 or 8 (fast mode's unrolled loops). */
  private readonly fixX: CompositeAxis;
  private readonly fixY: CompositeAxis;
  private readonly bufA: Float32Array;
  private readonly bufI: Float32Array;
  private readonly bufC: Float32Array;
  private readonly gMax: Float64Array;
  private readonly gMin: Float64Array;
  private readonly approxRows: Float64Array;
  private readonly avgRow: Float64Array;
  private readonly ptA = new Float32Array(4 * 16);
  private readonly ptI = new Float32Array(4);
  private readonly ptC = new Float32Array(4);

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
    this.placement = mapPlacement(g.imageW, g.imageH, g.multiplier);
    this.compX = compositeAxis(this.ax1, this.ax2);
    this.compY = compositeAxis(this.ay1, this.ay2);
    const six = maxTaps(this.compX) <= 6 && maxTaps(this.compY) <= 6 && g.mapW >= 8 && g.mapH >= 8;
    this.fixX = compositeAxis(this.ax1, this.ax2, six ? 6 : COMPOSITE_TAPS);
    this.fixY = compositeAxis(this.ay1, this.ay2, six ? 6 : COMPOSITE_TAPS);
    this.negMassX = negativeMass(this.compX);
    this.negMassY = negativeMass(this.compY);
    const maxMid = (s: AxisSpan) => Math.max(...Array.from(s.mid1, (v, i) => v - s.mid0[i] + 1));
    const maxSrc = (s: AxisSpan) => Math.max(...Array.from(s.src1, (v, i) => v - s.src0[i] + 1));
    this.bufA = new Float32Array(maxSrc(this.spanY) * maxMid(this.spanX));
    this.bufI = new Float32Array(maxMid(this.spanY) * maxMid(this.spanX));
    this.bufC = new Float32Array(maxMid(this.spanY) * TILE_PX);
    this.gMax = new Float64Array(maxSrc(this.spanY));
    this.gMin = new Float64Array(maxSrc(this.spanY));
    this.approxRows = new Float64Array((maxSrc(this.spanY) + COMPOSITE_TAPS) * TILE_PX);
    this.avgRow = new Float64Array(g.mapW + COMPOSITE_TAPS);
  }

  /**
   * A much tighter upper bound of tile (ty, tx), for tiles that pass `tileBound`: the composite kernel is applied
   * exactly along x (float64) on every map row of the support, and bounded along y by taking, per row, the max
   * (positive weight) or min (negative weight) over the tile's columns. Float slack covers float32 rounding.
   */
  tileTightBound(plane: Float32Array, ty: number, tx: number, rowCache: Float64Array): number {
    const { compX, compY, gMax, gMin } = this;
    const w = this.g.mapW;
    const sr0 = this.spanY.src0[ty],
      sr1 = this.spanY.src1[ty];
    const x0 = tx * TILE_PX,
      x1 = Math.min(this.g.imageW, x0 + TILE_PX);
    const y0 = ty * TILE_PX,
      y1 = Math.min(this.g.imageH, y0 + TILE_PX);
    let mag = 0;
    for (let sr = sr0; sr <= sr1; sr++) {
      // rowCache[2·(sr·tilesX + tx)] = max, [+1] = min of the x-composite over the tile's columns on map row sr.
      const ci = 2 * (sr * this.tilesX + tx);
      let hi = rowCache[ci],
        lo = rowCache[ci + 1];
      if (Number.isNaN(hi)) {
        hi = -Infinity;
        lo = Infinity;
        const row = sr * w;
        for (let x = x0; x < x1; x++) {
          const st = row + compX.start[x],
            n = compX.len[x],
            k0 = x * COMPOSITE_TAPS;
          let v = 0;
          for (let k = 0; k < n; k++) v += plane[st + k] * compX.weight[k0 + k];
          if (v > hi) hi = v;
          if (v < lo) lo = v;
        }
        rowCache[ci] = hi;
        rowCache[ci + 1] = lo;
      }
      gMax[sr - sr0] = hi;
      gMin[sr - sr0] = lo;
      mag = Math.max(mag, Math.abs(hi), Math.abs(lo));
    }
    return maxOverRows(compY, gMax, gMin, sr0, y0, y1) + 1e-5 * (1 + mag);
  }

  /**
   * Cheap upper bound of tile (ty, tx): along x, each map row's composite is bounded by the row segment's
   * max + Nx·(max − min) (Nx = the x-kernel's largest negative mass); along y the exact composite weights combine
   * those row bounds (positive weights take the upper, negative the lower). `segCache` holds per (map row, tile
   * column) the segment's max and min (NaN = not yet computed). Float slack covers float32 rounding.
   */
  tileBound(plane: Float32Array, ty: number, tx: number, segCache: Float64Array, threshold: number): number {
    const { compY, gMax, gMin, negMassX, negMassY } = this;
    const w = this.g.mapW;
    const sr0 = this.spanY.src0[ty],
      sr1 = this.spanY.src1[ty];
    const sc0 = this.spanX.src0[tx],
      sc1 = this.spanX.src1[tx];
    let mag = 0,
      top = -Infinity,
      bottom = Infinity;
    for (let sr = sr0; sr <= sr1; sr++) {
      const ci = 2 * (sr * this.tilesX + tx);
      let hi = segCache[ci],
        lo = segCache[ci + 1];
      if (hi !== hi) {
        // NaN: not computed yet
        hi = -Infinity;
        lo = Infinity;
        for (let i = sr * w + sc0, e = sr * w + sc1; i <= e; i++) {
          const v = plane[i];
          if (v > hi) hi = v;
          if (v < lo) lo = v;
        }
        segCache[ci] = hi;
        segCache[ci + 1] = lo;
      }
      const gh = hi + negMassX * (hi - lo),
        gl = lo - negMassX * (hi - lo);
      gMax[sr - sr0] = gh;
      gMin[sr - sr0] = gl;
      if (gh > top) top = gh;
      if (gl < bottom) bottom = gl;
      const m = hi > -lo ? (hi > 0 ? hi : -hi) : -lo;
      if (m > mag) mag = m;
    }
    const slack = 1e-5 * (1 + mag);
    // Quick bound with the y-kernel's worst masses; the exact y-weights only when it cannot rule the tile out.
    const quick = top + negMassY * (top - bottom) + slack;
    if (quick < threshold) return quick;
    return maxOverRows(compY, gMax, gMin, sr0, ty * TILE_PX, Math.min(this.g.imageH, ty * TILE_PX + TILE_PX)) + slack;
  }

  /**
   * Exact image-space value at pixel (x, y) of one channel plane, computed from its 4×4 stage-1 taps alone:
   * the same float32 operations, in the same order, as computeTile / OpenCV.
   */
  pointValue(plane: Float32Array, groupChannel: number, groupChannels: number, y: number, x: number): number {
    const { g, ax1, ay1, ax2, ay2, ptA, ptI, ptC } = this;
    const order = { interleavedChannels: groupChannels, simdLanes: this.simdLanes };
    const tailI = scalarTailStart(g.paddedW, groupChannel, order);
    // Map rows used by the four stage-1 rows r (consecutive, so their taps span a short range).
    const sr0 = ay1.index[ay2.index[y * 4] * 4];
    const sr1 = ay1.index[ay2.index[y * 4 + 3] * 4 + 3];
    for (let q = 0; q < 4; q++) {
      const c = ax2.index[x * 4 + q],
        kc = c * 4;
      for (let sr = sr0; sr <= sr1; sr++) {
        const off = sr * g.mapW;
        let v = f32(plane[off + ax1.index[kc]] * ax1.weight[kc]);
        v = f32(v + f32(plane[off + ax1.index[kc + 1]] * ax1.weight[kc + 1]));
        v = f32(v + f32(plane[off + ax1.index[kc + 2]] * ax1.weight[kc + 2]));
        ptA[(sr - sr0) * 4 + q] = f32(v + f32(plane[off + ax1.index[kc + 3]] * ax1.weight[kc + 3]));
      }
    }
    for (let k = 0; k < 4; k++) {
      const r = ay2.index[y * 4 + k],
        kr = r * 4;
      let h = 0;
      for (let q = 0; q < 4; q++) {
        const c = ax2.index[x * 4 + q];
        for (let t = 0; t < 4; t++) ptI[t] = ptA[(ay1.index[kr + t] - sr0) * 4 + q];
        const term = f32(vertical4(ptI, ay1.weight, kr, c < tailI) * ax2.weight[x * 4 + q]);
        h = q === 0 ? term : f32(h + term);
      }
      ptC[k] = h;
    }
    const tailF = scalarTailStart(g.imageW, groupChannel, order);
    return vertical4(ptC, ay2.weight, y * 4, x < tailF);
  }

  /**
   * Tile (ty, tx) from the composite kernel in float64, separably (map rows × x-kernel, then y-kernel): about 9
   * multiply-adds per pixel; equal to the exact values up to float32 rounding of the official chain (≈1e-6).
   */
  computeTileApprox(
    plane: Float32Array,
    ty: number,
    tx: number,
    out: Float32Array | Float64Array,
    mirrored: Float32Array | null = null,
  ): void {
    const { fixX: cx, fixY: cy, g } = this;
    const taps = cx.len[0];
    if ((taps !== 6 && taps !== 8) || cy.len[0] !== taps)
      return this.computeTileApproxGeneric(plane, ty, tx, out, mirrored);
    const x0 = tx * TILE_PX,
      x1 = Math.min(g.imageW, x0 + TILE_PX);
    const y0 = ty * TILE_PX,
      y1 = Math.min(g.imageH, y0 + TILE_PX);
    const rows = this.approxRows,
      wx = cx.weight,
      wy = cy.weight,
      T = TILE_PX,
      K = COMPOSITE_TAPS;
    // Map rows the tile needs (fixed taps per output row; see compositeAxis).
    const rFirst = cy.start[y0],
      rLast = cy.start[y1 - 1] + taps - 1;
    const c0 = cx.start[x0],
      c1 = cx.start[x1 - 1] + taps;
    for (let sr = rFirst; sr <= rLast; sr++) {
      let src: Float32Array | Float64Array = plane,
        row = sr * g.mapW;
      if (mirrored) {
        // Flip average of just the cells this row segment reads: (orig + mirrored flip pass) / 2, float32 like numpy.
        const avg = this.avgRow,
          w = g.mapW,
          m = row + w - 1;
        for (let c = c0; c < c1; c++) avg[c] = f32((plane[row + c] + mirrored[m - c]) * 0.5);
        src = avg;
        row = 0;
      }
      const o = (sr - rFirst) * T - x0;
      for (let x = x0; x < x1; x++) {
        const i = row + cx.start[x],
          k = x * K;
        let v =
          src[i] * wx[k] +
          src[i + 1] * wx[k + 1] +
          src[i + 2] * wx[k + 2] +
          src[i + 3] * wx[k + 3] +
          src[i + 4] * wx[k + 4] +
          src[i + 5] * wx[k + 5];
        if (taps === 8) v += src[i + 6] * wx[k + 6] + src[i + 7] * wx[k + 7];
        rows[o + x] = v;
      }
    }
    const nx = x1 - x0;
    for (let y = y0; y < y1; y++) {
      const k = y * K,
        b = (cy.start[y] - rFirst) * T,
        o = (y - y0) * T;
      const w0 = wy[k],
        w1 = wy[k + 1],
        w2 = wy[k + 2],
        w3 = wy[k + 3],
        w4 = wy[k + 4],
        w5 = wy[k + 5],
        w6 = wy[k + 6],
        w7 = wy[k + 7];
      if (taps === 6) {
        for (let x = 0; x < nx; x++) {
          const i = b + x;
          out[o + x] =
            w0 * rows[i] +
            w1 * rows[i + T] +
            w2 * rows[i + 2 * T] +
            w3 * rows[i + 3 * T] +
            w4 * rows[i + 4 * T] +
            w5 * rows[i + 5 * T];
        }
      } else {
        for (let x = 0; x < nx; x++) {
          const i = b + x;
          out[o + x] =
            w0 * rows[i] +
            w1 * rows[i + T] +
            w2 * rows[i + 2 * T] +
            w3 * rows[i + 3 * T] +
            w4 * rows[i + 4 * T] +
            w5 * rows[i + 5 * T] +
            w6 * rows[i + 6 * T] +
            w7 * rows[i + 7 * T];
        }
      }
    }
  }

  private computeTileApproxGeneric(
    plane: Float32Array,
    ty: number,
    tx: number,
    out: Float32Array | Float64Array,
    mirrored: Float32Array | null,
  ): void {
    const { g } = this;
    const x0 = tx * TILE_PX,
      x1 = Math.min(g.imageW, x0 + TILE_PX);
    const y0 = ty * TILE_PX,
      y1 = Math.min(g.imageH, y0 + TILE_PX);
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) out[(y - y0) * TILE_PX + x - x0] = this.pointValueApprox(plane, y, x, mirrored);
  }

  /**
   * The composite kernel at one pixel, float64 (see computeTileApprox). With `mirrored` (the raw flipped-pass
   * plane of the matching channel), the value of the flip average (plane + mirror(mirrored)) / 2 — the kernel is
   * linear, so the averaged plane need not exist.
   */
  pointValueApprox(plane: Float32Array, y: number, x: number, mirrored: Float32Array | null = null): number {
    const { fixX: compX, fixY: compY } = this;
    const w = this.g.mapW;
    const xs = compX.start[x],
      xn = compX.len[x],
      xk = x * COMPOSITE_TAPS;
    const ys = compY.start[y],
      yn = compY.len[y],
      yk = y * COMPOSITE_TAPS;
    let v = 0;
    for (let i = 0; i < yn; i++) {
      const row = (ys + i) * w;
      let h = 0;
      if (mirrored)
        for (let j = 0; j < xn; j++)
          h += f32((plane[row + xs + j] + mirrored[row + w - 1 - xs - j]) * 0.5) * compX.weight[xk + j];
      else for (let j = 0; j < xn; j++) h += plane[row + xs + j] * compX.weight[xk + j];
      v += h * compY.weight[yk + i];
    }
    return v;
  }

  /**
   * Marks (into `active`, one byte per tile) the tiles within one stride-4 cell of a map cell ≥ seedThreshold:
   * the heuristic screen of `fast` mode (a full-resolution value ≥ t lies next to a stride-4 value close to t,
   * because the cubic kernels' positive lobes span ±1 cell).
   */
  markHotTiles(
    plane: Float32Array,
    seedThreshold: number,
    active: Uint8Array,
    mirrored: Float32Array | null = null,
  ): void {
    const { g } = this;
    const w = g.mapW,
      twice = 2 * seedThreshold;
    for (let sy = 0; sy < g.mapH; sy++) {
      const row = sy * w,
        mrow = row + w - 1;
      if (mirrored) {
        for (let sx = 0; sx < w; sx++)
          if (plane[row + sx] + mirrored[mrow - sx] >= twice) this.markAround(sx, sy, active);
      } else {
        for (let sx = 0; sx < w; sx++) if (plane[row + sx] >= seedThreshold) this.markAround(sx, sy, active);
      }
    }
  }

  private markAround(sx: number, sy: number, active: Uint8Array): void {
    const { ax, bx, ay, by } = this.placement;
    const tile = (v: number, tiles: number) => Math.min(tiles - 1, Math.max(0, Math.floor(v / TILE_PX)));
    const ty0 = tile(ay * (sy - 1) + by, this.tilesY),
      ty1 = tile(ay * (sy + 1) + by, this.tilesY);
    const tx0 = tile(ax * (sx - 1) + bx, this.tilesX),
      tx1 = tile(ax * (sx + 1) + bx, this.tilesX);
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) active[ty * this.tilesX + tx] = 1;
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

/** max over image rows y0..y1−1 of Σ_k w_k·(w_k > 0 ? hi : lo)[row k], rows indexed from map row sr0. */
function maxOverRows(
  compY: CompositeAxis,
  hi: Float64Array,
  lo: Float64Array,
  sr0: number,
  y0: number,
  y1: number,
): number {
  let best = -Infinity;
  for (let y = y0; y < y1; y++) {
    const st = compY.start[y] - sr0,
      n = compY.len[y],
      k0 = y * COMPOSITE_TAPS;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const wy = compY.weight[k0 + k];
      v += wy * (wy > 0 ? hi[st + k] : lo[st + k]);
    }
    if (v > best) best = v;
  }
  return best;
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

/** OpenCV's vertical 4-tap sum: SIMD order ((b3·S3 + b2·S2) + b1·S1) + b0·S0, or the scalar tail's forward order. */
function vertical4(v: ArrayLike<number>, w: Float32Array, k: number, simd: boolean): number {
  if (simd) {
    let s = f32(w[k + 3] * v[3]);
    s = f32(s + f32(w[k + 2] * v[2]));
    s = f32(s + f32(w[k + 1] * v[1]));
    return f32(s + f32(w[k] * v[0]));
  }
  let s = f32(w[k] * v[0]);
  s = f32(s + f32(w[k + 1] * v[1]));
  s = f32(s + f32(w[k + 2] * v[2]));
  return f32(s + f32(w[k + 3] * v[3]));
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

/**
 * Reusable storage for computed tiles: decoding allocates thousands of small tiles, and fresh memory (page faults,
 * GC) costs more than computing them. `reset()` recycles everything; tiles handed out before are then invalid.
 */
export class TileArena {
  private readonly slabs: Float64Array[] = [];
  private used = 0;
  private static readonly TILES_PER_SLAB = 512;

  alloc(): Float64Array {
    const size = TILE_PX * TILE_PX;
    const slab = Math.floor(this.used / TileArena.TILES_PER_SLAB);
    if (slab === this.slabs.length) this.slabs.push(new Float64Array(TileArena.TILES_PER_SLAB * size));
    const start = (this.used % TileArena.TILES_PER_SLAB) * size;
    this.used++;
    const tile = this.slabs[slab].subarray(start, start + size);
    tile.fill(0);
    return tile;
  }

  reset(): void {
    this.used = 0;
  }
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
  /** Computed tiles: a dense array for ordinary images, a Map when the tile grid is huge (memory ∝ computed tiles). */
  private readonly dense: (Float64Array | undefined)[] | null;
  private readonly sparse: Map<number, Float64Array> | null;
  /** Bound caches (reference mode only), allocated on first use; NaN = not computed. */
  private boundCache: { bounds: Float64Array; tight: Float64Array; rows: Float64Array[]; segs: Float64Array[] } | null =
    null;
  private readonly points = new Map<number, number>();
  private readonly arena: TileArena;
  /** 'approx' (fast mode): float64 composite values and a heuristic screen (`hot`) instead of bounds. */
  private readonly approx: boolean;
  private readonly hot: Uint8Array | null;
  /** Fast mode, body parts: raw flipped-pass planes per pass (null: `planes` are already averaged). */
  private readonly mirrored: (Float32Array | null)[];
  private readonly scratch = new Float32Array(TILE_PX * TILE_PX);

  constructor(
    ups: PassUpsampler[],
    planes: Float32Array[],
    groupChannel: number,
    groupChannels: number,
    asFloat32: boolean,
    arena = new TileArena(),
    approx: { seedThreshold: number | null; mirrored?: (Float32Array | null)[] } | null = null,
  ) {
    this.arena = arena;
    this.mirrored = approx?.mirrored ?? ups.map(() => null);
    this.approx = approx !== null;
    this.hot = null;
    if (approx && approx.seedThreshold !== null) {
      const seedThreshold = approx.seedThreshold;
      const hot = new Uint8Array(ups[0].tilesX * ups[0].tilesY);
      ups.forEach((u, p) => u.markHotTiles(planes[p], seedThreshold, hot, this.mirrored[p]));
      this.hot = hot;
    }
    this.ups = ups;
    this.planes = planes;
    this.groupChannel = groupChannel;
    this.groupChannels = groupChannels;
    this.asFloat32 = asFloat32;
    this.width = ups[0].g.imageW;
    this.height = ups[0].g.imageH;
    const n = ups[0].tilesX * ups[0].tilesY;
    this.dense = n <= DENSE_TILE_LIMIT ? new Array(n) : null;
    this.sparse = n <= DENSE_TILE_LIMIT ? null : new Map();
  }

  get tilesX(): number {
    return this.ups[0].tilesX;
  }
  get tilesY(): number {
    return this.ups[0].tilesY;
  }

  /**
   * An upper bound of every value in tile t (row-major tile index). It is only tightened as far as needed to
   * decide `≥ threshold`, and cached for the first threshold asked (callers use one threshold per channel).
   */
  bound(t: number, threshold: number): number {
    const c = this.caches();
    let b = c.bounds[t];
    if (b !== b) {
      const tx = t % this.tilesX,
        ty = (t - tx) / this.tilesX;
      b = 0;
      for (let p = 0; p < this.ups.length; p++)
        b += this.ups[p].tileBound(this.planes[p], ty, tx, c.segs[p], threshold) / this.ups.length;
      c.bounds[t] = b;
    }
    return b;
  }

  private caches(): NonNullable<FullResChannel['boundCache']> {
    if (this.boundCache === null) {
      const n = this.tilesX * this.tilesY;
      const perRow = () => this.ups.map((u) => new Float64Array(2 * u.g.mapH * u.tilesX).fill(NaN));
      this.boundCache = {
        bounds: new Float64Array(n).fill(NaN),
        tight: new Float64Array(n).fill(NaN),
        rows: perRow(),
        segs: perRow(),
      };
    }
    return this.boundCache;
  }

  /** Whether some value of tile t may be ≥ threshold: the cheap bound first, then the tight one. */
  mayReach(t: number, threshold: number): boolean {
    if (this.hot) return this.hot[t] === 1;
    if (this.bound(t, threshold) < threshold) return false;
    const c = this.caches();
    let b = c.tight[t];
    if (Number.isNaN(b)) {
      const tx = t % this.tilesX,
        ty = (t - tx) / this.tilesX;
      b = 0;
      for (let p = 0; p < this.ups.length; p++)
        b += this.ups[p].tileTightBound(this.planes[p], ty, tx, c.rows[p]) / this.ups.length;
      c.tight[t] = b;
    }
    return b >= threshold;
  }

  /** Exact values of tile t, [TILE_PX × TILE_PX] row-major (entries outside the image are 0). */
  private stored(t: number): Float64Array | undefined {
    return this.dense !== null ? this.dense[t] : this.sparse!.get(t);
  }

  private store(t: number, tile: Float64Array): void {
    if (this.dense !== null) this.dense[t] = tile;
    else this.sparse!.set(t, tile);
  }

  tile(t: number): Float64Array {
    let out = this.stored(t);
    if (out === undefined) {
      const tx = t % this.tilesX,
        ty = (t - tx) / this.tilesX;
      out = this.arena.alloc();
      const n = this.ups.length;
      if (this.approx && n === 1) {
        this.ups[0].computeTileApprox(this.planes[0], ty, tx, out, this.mirrored[0]);
        if (this.asFloat32) for (let i = 0; i < out.length; i++) out[i] = f32(out[i]);
        this.store(t, out);
        return out;
      }
      for (let p = 0; p < n; p++) {
        this.scratch.fill(0);
        if (this.approx) this.ups[p].computeTileApprox(this.planes[p], ty, tx, this.scratch, this.mirrored[p]);
        else this.ups[p].computeTile(this.planes[p], this.groupChannel, this.groupChannels, ty, tx, this.scratch);
        for (let i = 0; i < out.length; i++) out[i] += n === 1 ? this.scratch[i] : f32(this.scratch[i] / n);
      }
      if (this.asFloat32) for (let i = 0; i < out.length; i++) out[i] = f32(out[i]);
      this.store(t, out);
    }
    return out;
  }

  isComputed(t: number): boolean {
    return this.stored(t) !== undefined;
  }

  tileIndexOf(y: number, x: number): number {
    return Math.floor(y / TILE_PX) * this.tilesX + Math.floor(x / TILE_PX);
  }

  /** Exact value at image pixel (x, y). */
  at(y: number, x: number): number {
    return this.tile(this.tileIndexOf(y, x))[(y % TILE_PX) * TILE_PX + (x % TILE_PX)];
  }

  /**
   * Exact value at (x, y) without computing its whole tile (for sparse reads such as limb samples); identical to
   * at(y, x). Memoised per pixel.
   */
  pointAt(y: number, x: number): number {
    const t = this.tileIndexOf(y, x);
    if (this.stored(t) !== undefined) return this.at(y, x);
    const key = y * this.width + x;
    let v = this.points.get(key);
    if (v === undefined) {
      const n = this.ups.length;
      v = 0;
      for (let p = 0; p < n; p++) {
        const f = this.approx
          ? this.ups[p].pointValueApprox(this.planes[p], y, x, this.mirrored[p])
          : this.ups[p].pointValue(this.planes[p], this.groupChannel, this.groupChannels, y, x);
        v += n === 1 ? f : f32(f / n);
      }
      if (this.asFloat32) v = f32(v);
      this.points.set(key, v);
    }
    return v;
  }

  /** Upper bound of the value at image pixel (x, y), without computing it (see bound()). */
  boundAt(y: number, x: number, threshold: number): number {
    return this.bound(this.tileIndexOf(y, x), threshold);
  }
}
