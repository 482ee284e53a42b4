import { horizontalRow, verticalRow } from '../resizeCubic.ts';
import type { PassAxes } from './exactPoint.ts';

/**
 * What one tile of one pass depends on (passUpsampler.ts axisSpans), per axis: the map rows/columns src0..src1 and
 * the stage-1 rows/columns mid0..mid1 its outputs read, as [src0, src1, mid0, mid1] at `at` in a span table.
 */
export interface SpanRef {
  table: Int32Array;
  at: number;
}

export interface ExactBuffers {
  bufA: Float32Array;
  bufI: Float32Array;
  bufC: Float32Array;
}

/**
 * Exact values (OpenCV's four float32 stages, resizeCubic.ts) of image columns x0..x1−1 and rows y0..y1−1 of one
 * pass, into out[outOff + (y − y0)·outStride + (x − x0)]: stage 1 horizontal and vertical (the ×4 resize), stage 2
 * horizontal and vertical (to the image), each on just the rows and columns the tile reads.
 */
export function exactTileValues(
  plane: Float32Array,
  planeOff: number,
  mapW: number,
  a: PassAxes,
  tailPadded: number,
  tailImage: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  sy: SpanRef,
  sx: SpanRef,
  b: ExactBuffers,
  out: Float32Array,
  outOff: number,
  outStride: number,
): void {
  const [sr0, sr1, r0, r1] = [0, 1, 2, 3].map((i) => sy.table[sy.at + i]);
  const c0 = sx.table[sx.at + 2],
    c1 = sx.table[sx.at + 3];
  const nc = c1 - c0 + 1,
    nx = x1 - x0;
  for (let sr = sr0; sr <= sr1; sr++)
    horizontalRow(plane, planeOff + sr * mapW, a.ax1, b.bufA, (sr - sr0) * nc, c0, c1 + 1);
  for (let r = r0; r <= r1; r++)
    verticalRow(b.bufA, nc, a.ay1, r, b.bufI, (r - r0) * nc, c0, c1 + 1, sr0, c0, tailPadded);
  for (let r = r0; r <= r1; r++) horizontalRow(b.bufI, (r - r0) * nc - c0, a.ax2, b.bufC, (r - r0) * nx, x0, x1);
  for (let y = y0; y < y1; y++)
    verticalRow(b.bufC, nx, a.ay2, y, out, outOff + (y - y0) * outStride, x0, x1, r0, x0, tailImage);
}

/**
 * An upper bound of one pass's values over a tile: along x each map row's composite lies within the row segment's
 * [lo − Nx(hi − lo), hi + Nx(hi − lo)] (Nx = the x kernel's largest negative weight mass), along y likewise with
 * Ny over the rows' range; float slack 1e-5·(1 + |cells|) covers float32 rounding of the exact chain.
 */
export function quickTileBound(
  plane: Float32Array,
  planeOff: number,
  mapW: number,
  sy: SpanRef,
  sx: SpanRef,
  negMassX: number,
  negMassY: number,
): number {
  const sr0 = sy.table[sy.at],
    sr1 = sy.table[sy.at + 1],
    sc0 = sx.table[sx.at],
    sc1 = sx.table[sx.at + 1];
  let mag = 0,
    top = -Infinity,
    bottom = Infinity;
  for (let sr = sr0; sr <= sr1; sr++) {
    let hi = -Infinity,
      lo = Infinity;
    for (let i = planeOff + sr * mapW + sc0, e = planeOff + sr * mapW + sc1; i <= e; i++) {
      const v = plane[i];
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
    const gh = hi + negMassX * (hi - lo),
      gl = lo - negMassX * (hi - lo);
    if (gh > top) top = gh;
    if (gl < bottom) bottom = gl;
    mag = Math.max(mag, Math.abs(hi), Math.abs(lo));
  }
  return top + negMassY * (top - bottom) + 1e-5 * (1 + mag);
}
