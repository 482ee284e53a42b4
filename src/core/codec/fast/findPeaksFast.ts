import type { Peak } from '../assign/peak.ts';
import type { PeakOptions } from '../assign/refineCentroid.ts';
import type { StagedWorkspace } from '../staged/stagedWorkspace.ts';
import { findPeaksStaged, type TileList } from '../staged/findPeaksStaged.ts';

export interface FastScreenOptions {
  /** A tile is scanned when the mean over passes of its nearby cells' maxima reaches seedRatio × threshold. */
  seedRatio: number;
  /**
   * The bound for a noisy model's maps: when a pass of a keypoint channel has more local maxima ≥ the seed threshold
   * on its screen grid than maxSeeds, only windows around the highest maxSeeds local-maximum cells of each pass are
   * scanned (decodeFast.ts).
   */
  maxSeeds: number;
}

/** Per-decode buffers of the fast screen (allocated before any tile). */
interface ScreenBuffers extends TileList {
  seeds: number;
  /** per pass: its block grid (q > 1), padding columns −∞; and a half-size scratch for q = 4 */
  pooled: number[];
  half: number;
  grid: number;
  sum: number;
}

/**
 * `find_peaks` (IMHN-REFERENCE §4.2) in fast mode, channel by channel: 3×3 NMS on the full-resolution mean map
 * (≥ threshold, ≥ every in-bounds neighbour, plateaus kept), peaks row-major, at most maxPerType (the highest), then
 * refine_centroid (with the official axis swap unless disabled) — NMS and refinement in the kernels.
 *
 * Screen: a full-resolution value is a cubic blend of the cells within about one cell, so an 8×8 tile can reach
 * the threshold only where the passes' cells around it are high on average. Per pass, screenPass takes for each
 * tile the largest cell ≥ floor within one cell of it (cells below the floor count as the floor); tiles whose mean
 * over passes reaches seedRatio × threshold are computed and scanned. Every reported peak is a true local maximum
 * of the full map (a neighbour outside the scanned tiles is computed for the comparison).
 */
export function findPeaksFast(w: StagedWorkspace, o: PeakOptions, s: FastScreenOptions): Peak[][] {
  return findPeaksStaged(w, o, fastScreen(w, o.threshold, s));
}

/**
 * The screen of findPeaksFast for keypoint threshold `threshold`, as findPeaksStaged's `listTiles`: lists the tiles
 * of the staged channel to scan. Its buffers are allocated here, before any tile. Also used on its own, one channel
 * at a time (core/codec/fullRes/fastScreenMask.ts).
 */
export function fastScreen(w: StagedWorkspace, threshold: number, s: FastScreenOptions): (b: TileList) => number {
  const heap = w.k.heap;
  const maxCells = Math.max(...w.fast.map((t) => t.g.mapW * t.g.mapH));
  const seeds = heap.alloc(maxCells * 4);
  const pooled = w.fast.map((t) => {
    if (t.screenPool === 1) return 0;
    const at = heap.alloc(t.screenW * t.screenH * 4);
    heap.f32.fill(-Infinity, at / 4, at / 4 + t.screenW * t.screenH);
    return at;
  });
  const half = heap.alloc((maxCells / 4) * 4);
  const padded = Math.ceil(w.stage.tiles / 4) * 4;
  const grid = heap.alloc(padded * 4),
    sum = heap.alloc(padded * 4);
  return (b) => {
    const screen: ScreenBuffers = { ...b, seeds, pooled, half, grid, sum };
    const seed = s.seedRatio * threshold;
    const { count, maxima } = screenList(w, screen, seed);
    return maxima > s.maxSeeds ? boundedList(w, screen, seed, s.maxSeeds) : count;
  };
}

/**
 * Tiles where the mean over passes of nearby cell maxima reaches the seed threshold, listed into b.list (count),
 * and the most local maxima ≥ seed that a pass's screen grid has.
 */
function screenList(w: StagedWorkspace, b: ScreenBuffers, seed: number): { count: number; maxima: number } {
  const { k, fast, stage } = w;
  const n = fast.length,
    padded = Math.ceil(b.tiles / 4) * 4;
  // Cells below half the seed threshold count as that floor (an upper bound of them): n floors stay below n·seed.
  const floor = seed / 2;
  let maxima = 0;
  k.heap.f32.fill(0, b.sum / 4, b.sum / 4 + padded);
  for (let p = 0; p < n; p++) {
    const { g, screenPool: q, screenW, screenH } = fast[p];
    const tb = stage.tables[p];
    let plane = stage.planes[p];
    if (q > 1) {
      // The block maxima: 2×2 pooling once (q = 2) or twice (q = 4).
      const src = q === 2 ? plane : b.half;
      if (q === 4) k.maxPool2(plane, g.mapW, g.mapH, b.half, g.mapW / 2);
      k.maxPool2(src, (g.mapW * 2) / q, (g.mapH * 2) / q, b.pooled[p], screenW);
      plane = b.pooled[p];
    }
    k.heap.f32.fill(floor, b.grid / 4, b.grid / 4 + padded);
    maxima = Math.max(
      maxima,
      k.screenPass(plane, screenW, screenH, floor, seed, tb.xRange, tb.yRange, b.tilesX, b.grid),
    );
    k.gridSum(b.sum, b.grid, padded, floor);
  }
  return { count: k.listTiles(b.sum, padded, n * seed, b.list), maxima };
}

/** The bound: tiles within one cell (+1 px) of the highest maxSeeds local-maximum cells of each pass. */
function boundedList(w: StagedWorkspace, b: ScreenBuffers, seed: number, maxSeeds: number): number {
  const { k, fast, stage } = w;
  const { imageW: W, imageH: H } = fast[0].g;
  const marks = new Uint8Array(b.tiles);
  for (let p = 0; p < fast.length; p++) {
    const { g, placement: pl } = fast[p];
    const plane = stage.planes[p];
    const count = k.seedScan(plane, g.mapW, g.mapH, seed, b.seeds);
    const f = k.heap.f32;
    const cells = Array.from(k.heap.i32.subarray(b.seeds / 4, b.seeds / 4 + count))
      .map((i, order) => ({ i, v: f[plane / 4 + i], order }))
      .sort((a, c) => c.v - a.v || a.order - c.order)
      .slice(0, maxSeeds);
    const r = Math.max(pl.ax, pl.ay) + 1;
    for (const { i } of cells) {
      const sx = i % g.mapW,
        sy = (i - sx) / g.mapW;
      const cx = pl.ax * sx + pl.bx,
        cy = pl.ay * sy + pl.by;
      const xa = Math.max(0, Math.floor(cx - r)),
        xb = Math.min(W - 1, Math.ceil(cx + r));
      const ya = Math.max(0, Math.floor(cy - r)),
        yb = Math.min(H - 1, Math.ceil(cy + r));
      for (let ty = ya >> 3; ty <= yb >> 3; ty++)
        for (let tx = xa >> 3; tx <= xb >> 3; tx++) marks[ty * b.tilesX + tx] = 1;
    }
  }
  let count = 0;
  const q = k.heap.i32;
  marks.forEach((m, t) => {
    if (m) q[b.list / 4 + count++] = t;
  });
  return count;
}
