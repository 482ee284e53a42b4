import { COMPOSITE_TAPS, type CompositeAxis } from '../cubicAxis.ts';
import { TILE_PX, type PassUpsampler } from './passUpsampler.ts';

// Upper bounds of a pass's full-resolution values over a tile (reference mode's rigorous screen, fullResChannel.ts):
// a tile whose bound is below a threshold cannot hold a value that reaches it, so it is never computed.

/**
 * Cheap upper bound of tile (ty, tx): along x, each map row's composite is bounded by the row segment's
 * max + Nx·(max − min) (Nx = the x-kernel's largest negative mass); along y the exact composite weights combine
 * those row bounds (positive weights take the upper, negative the lower). `segCache` holds per (map row, tile
 * column) the segment's max and min (NaN = not yet computed). Float slack covers float32 rounding.
 */
export function tileBound(
  u: PassUpsampler,
  plane: Float32Array,
  ty: number,
  tx: number,
  segCache: Float64Array,
  threshold: number,
): number {
  const { compY, gMax, gMin, negMassX, negMassY } = u;
  const w = u.g.mapW;
  const sr0 = u.spanY.src0[ty],
    sr1 = u.spanY.src1[ty];
  const sc0 = u.spanX.src0[tx],
    sc1 = u.spanX.src1[tx];
  let mag = 0,
    top = -Infinity,
    bottom = Infinity;
  for (let sr = sr0; sr <= sr1; sr++) {
    const ci = 2 * (sr * u.tilesX + tx);
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
  return maxOverRows(compY, gMax, gMin, sr0, ty * TILE_PX, Math.min(u.g.imageH, ty * TILE_PX + TILE_PX)) + slack;
}

/**
 * A much tighter upper bound of tile (ty, tx), for tiles that pass `tileBound`: the composite kernel is applied
 * exactly along x (float64) on every map row of the support, and bounded along y by taking, per row, the max
 * (positive weight) or min (negative weight) over the tile's columns. Float slack covers float32 rounding.
 */
export function tileTightBound(
  u: PassUpsampler,
  plane: Float32Array,
  ty: number,
  tx: number,
  rowCache: Float64Array,
): number {
  const { compX, compY, gMax, gMin } = u;
  const w = u.g.mapW;
  const sr0 = u.spanY.src0[ty],
    sr1 = u.spanY.src1[ty];
  const x0 = tx * TILE_PX,
    x1 = Math.min(u.g.imageW, x0 + TILE_PX);
  const y0 = ty * TILE_PX,
    y1 = Math.min(u.g.imageH, y0 + TILE_PX);
  let mag = 0;
  for (let sr = sr0; sr <= sr1; sr++) {
    // rowCache[2·(sr·tilesX + tx)] = max, [+1] = min of the x-composite over the tile's columns on map row sr.
    const ci = 2 * (sr * u.tilesX + tx);
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
export function negativeMass(a: CompositeAxis): number {
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
