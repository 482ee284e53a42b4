import { compositePoint, compositeTile, type CompositeTable } from '../kernels/js/compositeMath.ts';
import type { FastPassTables } from '../fast/fastTables.ts';
import { exactPointValue, pointScratch } from '../reference/exactPoint.ts';
import { exactTileValues, quickTileBound, type ExactBuffers } from '../reference/exactTile.ts';
import type { ExactPassTables } from '../reference/exactTables.ts';

const f32 = Math.fround;

/** Side of the tiles (image pixels) in which values and bounds are computed: the staged decoders' 8×8 tiles. */
export const TILE_PX = 8;

/**
 * How the values of one full-resolution channel are computed, in the decoder's own arithmetic (kernels/
 * decodeKernels.ts header): tiles and single pixels give the same value at a pixel; `bound` is an upper bound of
 * every value of a tile (rigorous: a tile whose bound is below a threshold holds no value that reaches it).
 */
export interface ChannelValues {
  /** Values of columns x0..x0+nx−1, rows y0..y0+ny−1 (image pixels) into out[(y − y0)·TILE_PX + (x − x0)]. */
  tile(x0: number, y0: number, nx: number, ny: number, out: Float32Array | Float64Array): void;
  point(x: number, y: number): number;
  bound(tx: number, ty: number): number;
  /** Storage for one tile: float32 where the decoder rounds to float32 (every fast value; reference heat maps). */
  newTile(): Float32Array | Float64Array;
  /**
   * Keypoint channels, through the kernels (stagedChannel.ts): the decoder's own peak screen for a threshold (one
   * byte per tile, 1 = it scans the tile: the rigorous bound in reference mode, a heuristic in fast mode), and many
   * tiles at once (the same values as `tile`).
   */
  screen?(threshold: number): Uint8Array;
  tiles?(list: readonly number[]): Float32Array[];
}

/** One channel's flip-averaged [mapH, mapW] plane per pass (computed on first use). */
export type PassPlanes = () => Float32Array[];

/**
 * The mean over passes of quickTileBound (exactTile.ts) over an 8×8 tile: reference mode's screen (the kernels'
 * boundTiles), valid for fast values too — the composite kernel is the same linear map, its float32 rounding is
 * within the bound's slack.
 */
function meanTileBound(planes: Float32Array[], exact: ExactPassTables[], tx: number, ty: number): number {
  const n = exact.length;
  let b = 0;
  for (let p = 0; p < n; p++) {
    const e = exact[p];
    const q = quickTileBound(
      planes[p],
      0,
      e.g.mapW,
      { table: e.span8Y, at: 4 * ty },
      { table: e.span8X, at: 4 * tx },
      e.negMassX,
      e.negMassY,
    );
    b += q / n;
  }
  return b;
}

/**
 * Fast mode's value (decodeFast.ts): per pass the composite 8-tap kernel in float32 (kernels/js/compositeMath.ts),
 * F = u_0 / n, then F = F + u_p / n — the TypeScript kernels' formula, so bit for bit the fast decoder's values.
 */
export function fastChannelValues(planes: PassPlanes, fast: FastPassTables[], exact: ExactPassTables[]): ChannelValues {
  const n = fast.length;
  const axes = fast.map((t) => ({
    x: { start: t.xStart, startOff: 0, weight: t.xWeight, weightOff: 0 } as CompositeTable,
    y: { start: t.yStart, startOff: 0, weight: t.yWeight, weightOff: 0 } as CompositeTable,
  }));
  const scratch = new Float32Array(Math.max(...fast.map((t) => t.tileRows)) * TILE_PX);
  const tmp = new Float32Array(TILE_PX * TILE_PX);
  return {
    tile(x0, y0, nx, ny, out) {
      const ps = planes();
      const dst = out instanceof Float32Array ? out : tmp;
      for (let p = 0; p < n; p++)
        compositeTile(
          ps[p],
          0,
          fast[p].g.mapW,
          axes[p].x,
          axes[p].y,
          x0,
          y0,
          nx,
          ny,
          dst,
          0,
          TILE_PX,
          scratch,
          0,
          n,
          p > 0,
        );
      if (dst !== out) out.set(dst);
    },
    point(x, y) {
      const ps = planes();
      let v = 0;
      for (let p = 0; p < n; p++) {
        const fv = f32(compositePoint(ps[p], 0, fast[p].g.mapW, axes[p].x, axes[p].y, x, y) / n);
        v = p === 0 ? fv : f32(v + fv);
      }
      return v;
    },
    bound: (tx, ty) => meanTileBound(planes(), exact, tx, ty),
    newTile: () => new Float32Array(TILE_PX * TILE_PX),
  };
}

/**
 * Reference mode's value (decodeReference.ts): per pass OpenCV's exact float32 chain (reference/exactTile.ts,
 * exactPoint.ts) with the scalar-tail columns of this channel's resize group (`tails`), summed over passes in float64
 * as n = 1 ? u : float32(u / n) — the kernels' exactTile / exactValue; `asFloat32`: keypoint maps, which find_peaks
 * reads as float32.
 */
export function exactChannelValues(
  planes: PassPlanes,
  exact: ExactPassTables[],
  tails: { padded: number; image: number }[],
  asFloat32: boolean,
  buffers: ExactBuffers,
): ChannelValues {
  const n = exact.length;
  const pass = new Float32Array(TILE_PX * TILE_PX),
    acc = new Float64Array(TILE_PX * TILE_PX);
  const s = pointScratch();
  return {
    tile(x0, y0, nx, ny, out) {
      const ps = planes();
      acc.fill(0);
      for (let p = 0; p < n; p++) {
        const e = exact[p];
        const sy = { table: e.span8Y, at: 4 * (y0 / TILE_PX) },
          sx = { table: e.span8X, at: 4 * (x0 / TILE_PX) };
        const { padded, image } = tails[p];
        exactTileValues(ps[p], 0, e.g.mapW, e, padded, image, x0, x0 + nx, y0, y0 + ny, sy, sx, buffers, pass, 0, 8);
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const u = pass[y * TILE_PX + x];
            acc[y * TILE_PX + x] += n === 1 ? u : f32(u / n);
          }
      }
      for (let i = 0; i < acc.length; i++) out[i] = asFloat32 ? f32(acc[i]) : acc[i];
    },
    point(x, y) {
      const ps = planes();
      let v = 0;
      for (let p = 0; p < n; p++) {
        const e = exact[p];
        const u = exactPointValue(ps[p], 0, e.g.mapW, e, tails[p].padded, tails[p].image, y, x, s);
        v += n === 1 ? u : f32(u / n);
      }
      return asFloat32 ? f32(v) : v;
    },
    bound: (tx, ty) => meanTileBound(planes(), exact, tx, ty),
    newTile: () => (asFloat32 ? new Float32Array(TILE_PX * TILE_PX) : new Float64Array(TILE_PX * TILE_PX)),
  };
}
