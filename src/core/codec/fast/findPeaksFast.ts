import { numberPeaks, type Peak } from '../assign/peak.ts';
import { refineCentroid, type PeakOptions } from '../assign/refineCentroid.ts';
import { FAST_TILE, type FastChannel, type FastWorkspace } from './fastChannel.ts';

export interface FastScreenOptions {
  /** A tile is scanned when the mean over passes of its nearby cells' maxima reaches seedRatio × threshold. */
  seedRatio: number;
  /**
   * The bound for a noisy model's maps: when a pass of a keypoint channel has more local-maximum cells ≥ the seed
   * threshold than this, only windows around the highest maxSeeds of each pass are scanned (see decodeFast.ts).
   */
  maxSeeds: number;
}

/** Per-decode buffers of the screen, sized for the largest channel (allocated before any tile). */
interface ScreenBuffers {
  seeds: number;
  grid: number;
  sum: number;
  list: number;
  records: number;
  tiles: number;
}

/**
 * `find_peaks` (IMHN-REFERENCE §4.2) in fast mode: 3×3 NMS on the full-resolution mean map (≥ threshold, ≥ every
 * in-bounds neighbour, plateaus kept), peaks row-major, at most maxPerType (the highest), then refine_centroid.
 *
 * Screen: a full-resolution value is a cubic blend of the cells within about one cell, so an 8×8 tile can reach
 * the threshold only where the passes' cells around it are high on average. Per pass, tileMax takes for each tile
 * the largest cell ≥ floor within one cell of it (cells below the floor count as the floor); tiles whose mean over
 * passes reaches seedRatio × threshold are computed and scanned. Every reported peak is a true local maximum of the
 * full map (a neighbour in an unscanned tile is computed for the comparison).
 */
export function findPeaksFast(heat: FastChannel[], w: FastWorkspace, o: PeakOptions, s: FastScreenOptions): Peak[][] {
  const heap = w.k.heap;
  const tiles = heat[0].tilesX * heat[0].tilesY,
    padded = Math.ceil(tiles / 4) * 4;
  const maxCells = Math.max(...w.fast.map((t) => t.g.mapW * t.g.mapH));
  const b: ScreenBuffers = {
    seeds: heap.alloc(maxCells * 4),
    grid: heap.alloc(padded * 4),
    sum: heap.alloc(padded * 4),
    list: heap.alloc(padded * 4),
    records: heap.alloc(padded * FAST_TILE * FAST_TILE * 16),
    tiles,
  };
  return numberPeaks(heat.map((ch) => channelPeaks(ch, w, b, o, s)));
}

function channelPeaks(ch: FastChannel, w: FastWorkspace, b: ScreenBuffers, o: PeakOptions, s: FastScreenOptions) {
  const { k } = w;
  const seed = s.seedRatio * o.threshold;
  let count = screenList(ch, w, b, seed, s.maxSeeds);
  if (count < 0) count = boundedList(ch, w, b, seed, s.maxSeeds);
  k.computeTiles(w.store.ctx, ch.channel, ch.index, b.list, count, k.heap.alloc(count * 256), w.scratch);
  const n = k.nms(ch.index, ch.tilesX, ch.width, ch.height, b.list, count, o.threshold, b.records);
  const rec = k.heap.i32.slice(b.records / 4, b.records / 4 + 4 * n),
    val = k.heap.f32.slice(b.records / 4, b.records / 4 + 4 * n);
  const found: { x: number; y: number; v: number }[] = [];
  for (let r = 0; r < n; r++) {
    const x = rec[4 * r],
      y = rec[4 * r + 1],
      v = val[4 * r + 2];
    if (rec[4 * r + 3] === 0 || isLocalMax(ch, x, y, v)) found.push({ x, y, v });
  }
  let kept = found;
  if (found.length > o.maxPerType) kept = [...found].sort((a, c) => c.v - a.v).slice(0, o.maxPerType);
  kept.sort((a, c) => a.y - c.y || a.x - c.x);
  return kept.map((p) => refineCentroid(ch, p.x, p.y, o));
}

/**
 * Tiles where the mean over passes of nearby cell maxima reaches the seed threshold, listed into b.list; −1 when
 * some pass has more than maxSeeds local-maximum cells ≥ seed (a noisy model's maps: the bounded screen applies).
 */
function screenList(ch: FastChannel, w: FastWorkspace, b: ScreenBuffers, seed: number, maxSeeds: number): number {
  const { k, fast, store } = w;
  const n = fast.length,
    padded = Math.ceil(b.tiles / 4) * 4;
  // Cells below half the seed threshold count as that floor (an upper bound of them): n floors stay below n·seed.
  const floor = seed / 2;
  k.heap.f32.fill(0, b.sum / 4, b.sum / 4 + padded);
  for (let p = 0; p < n; p++) {
    const { g } = fast[p];
    const tb = store.tables[p];
    k.heap.f32.fill(floor, b.grid / 4, b.grid / 4 + padded);
    const plane = store.heat(ch.channel, p);
    const maxima = k.screenPass(plane, g.mapW, g.mapH, floor, seed, tb.xRange, tb.yRange, ch.tilesX, b.grid);
    if (maxima > maxSeeds) return -1;
    k.gridSum(b.sum, b.grid, padded, floor);
  }
  return k.listTiles(b.sum, padded, 1, n * seed, b.list);
}

/** The bound: tiles within one cell (+1 px) of the highest maxSeeds local-maximum cells of each pass. */
function boundedList(ch: FastChannel, w: FastWorkspace, b: ScreenBuffers, seed: number, maxSeeds: number): number {
  const { k, fast } = w;
  const marks = new Uint8Array(b.tiles);
  for (let p = 0; p < fast.length; p++) {
    const { g, placement: pl } = fast[p];
    const plane = w.store.heat(ch.channel, p);
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
        xb = Math.min(ch.width - 1, Math.ceil(cx + r));
      const ya = Math.max(0, Math.floor(cy - r)),
        yb = Math.min(ch.height - 1, Math.ceil(cy + r));
      for (let ty = ya >> 3; ty <= yb >> 3; ty++)
        for (let tx = xa >> 3; tx <= xb >> 3; tx++) marks[ty * ch.tilesX + tx] = 1;
    }
  }
  let count = 0;
  const q = k.heap.i32;
  marks.forEach((m, t) => {
    if (m) q[b.list / 4 + count++] = t;
  });
  return count;
}

/** ≥ every in-bounds 8-neighbour (tiles computed on demand). */
function isLocalMax(ch: FastChannel, x: number, y: number, v: number): boolean {
  for (let ny = y - 1; ny <= y + 1; ny++) {
    if (ny < 0 || ny >= ch.height) continue;
    for (let nx = x - 1; nx <= x + 1; nx++) {
      if (nx < 0 || nx >= ch.width || (nx === x && ny === y)) continue;
      if (ch.at(ny, nx) > v) return false;
    }
  }
  return true;
}
