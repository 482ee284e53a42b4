/**
 * The fast decoder's inner loops, as one interface with two implementations that give the same bits: WebAssembly
 * (SIMD, `wasmKernels.ts`: compiled in about a millisecond and fast from its first call, so a fresh process decodes
 * its first image at full speed, not at the speed of a JIT still warming up) and plain TypeScript (`jsKernels.ts`:
 * where WebAssembly is unavailable, e.g. `node --jitless` or a page whose CSP forbids it, and as the test oracle).
 *
 * All pointers are byte offsets into `heap` (4-byte aligned; 16-byte aligned where v128 loads/stores use them).
 * The decode context `ctx` (int32, layout CTX) describes the image and, per pass, the staged plane of the channel
 * being decoded and the composite-kernel tables (fastTables.ts). Float arithmetic of values is float32, one rounding
 * per operation, in this order:
 *   row sum at (map row r, image x), taps a_0..7 = plane[r][start(x) + 0..7], weights w_0..7:
 *     p_l = a_l·w_l, q_l = a_{l+4}·w_{l+4}, t_l = p_l + q_l (l = 0..3);  h = (t_0 + t_2) + (t_1 + t_3)
 *   pass value at (x, y), row sums h_0..7 over rows start(y) + 0..7, weights v_0..7:
 *     u = v_0·h_0; u = u + v_k·h_k for k = 1..7
 *   full-resolution value (the mean over n passes, IMHN-REFERENCE §2 step 11): F = u_0 / n, then F = F + u_p / n.
 * Refinement and limb scoring are float64, the operations of refineCentroid.ts and scoreLimbs.ts in their order.
 */
import type { KernelHeap } from './kernelHeap.ts';

/**
 * Byte offsets in the int32 decode context: per decode, then per pass p at passStart + (p << passShift). Tile t
 * (8×8 image pixels, row-major, tilesX per row) of the channel being decoded lives at pool + 256·t (float32 values)
 * and exactPool + 512·t (float64, reference mode); state[t] (one byte) is 1 once it is computed (keypoint channels)
 * or initialised for memoising (body-part channels).
 */
export const CTX = {
  passes: 0,
  imageW: 4,
  imageH: 8,
  tilesX: 12,
  pool: 16,
  state: 20,
  exactPool: 24,
  /** 0: tiles are fast values (the composite kernel); 1: reference values (OpenCV's exact chain, exactTile) */
  mode: 28,
  /** reference tiles' scratch: stage-1 rows, stage-1 × stage-1, stage-2 rows (float32) and 64 float64 sums */
  bufA: 32,
  bufI: 36,
  bufC: 40,
  acc: 44,
  passStart: 64,
  passShift: 7,
  // per pass: the staged plane, its size, the fast tables (fastTables.ts)
  plane: 0,
  mapW: 4,
  mapH: 8,
  xStart: 12,
  xWeight: 16,
  yStart: 20,
  yWeight: 24,
  // per pass, reference mode: OpenCV's four resize axes (cubicAxis.ts: int32 and float32 [len × 4] each) and the
  // first column computed by the scalar tail of the vertical pass for the staged channel (resizeCubic.ts)
  ax1Index: 32,
  ax1Weight: 36,
  ay1Index: 40,
  ay1Weight: 44,
  ax2Index: 48,
  ax2Weight: 52,
  ay2Index: 56,
  ay2Weight: 60,
  tailPadded: 64,
  tailImage: 68,
  /** per 8×8 tile column / row: [src0, src1, mid0, mid1] (exactTile.ts SpanRef), int32 */
  spanX: 72,
  spanY: 76,
  /** two float64: the composite kernels' largest negative weight mass along x and y (quickTileBound) */
  negMass: 80,
} as const;

export type ScorePairs = (
  ctx: number,
  candA: number,
  nA: number,
  candB: number,
  nB: number,
  out: number,
  threshold: number,
  ratio: number,
  maxSamples: number,
  strict: number,
  prior: number,
  scratch: number,
) => number;

export interface DecodeKernels {
  readonly heap: KernelHeap;
  readonly kind: 'wasm' | 'js';
  /** dst[r][x] = (src[r][x] + mir[r][w−1−x]) / 2 over `rows` rows of `width` (a multiple of 4) floats; dst may be src. */
  flipAverage(dst: number, src: number, mir: number, width: number, rows: number): void;
  /** Cells ≥ threshold and ≥ each in-bounds 8-neighbour of a [height, width] plane, as int32 indices; the count. */
  seedScan(plane: number, width: number, height: number, threshold: number, out: number): number;
  /**
   * One pass of the peak screen over a [height, width] plane: for every cell ≥ threshold, grid[t] = max(grid[t], v)
   * over the 8×8 tiles t with tile column in xRange[2·sx .. 2·sx + 1] and tile row in yRange[2·sy .. 2·sy + 1]
   * (int32, inclusive; fastTables.ts); returns how many cells are ≥ seed and ≥ each in-bounds 8-neighbour.
   */
  screenPass(
    plane: number,
    width: number,
    height: number,
    threshold: number,
    seed: number,
    xRange: number,
    yRange: number,
    tilesX: number,
    grid: number,
  ): number;
  /**
   * 2×2 max pooling: dst[y][x] = max of src rows 2y, 2y+1, columns 2x, 2x+1, for a [height, width] src (width a
   * multiple of 8, height even); dst rows are dstWidth floats apart.
   */
  maxPool2(src: number, width: number, height: number, dst: number, dstWidth: number): void;
  /** sum[i] += max(grid[i], floor), float32, for i < count rounded up to a multiple of 4. */
  gridSum(sum: number, grid: number, count: number, floor: number): void;
  /** Indices i < count (a multiple of 4) with values[i] ≥ threshold, into out (int32); how many. */
  listTiles(values: number, count: number, threshold: number, out: number): number;
  /**
   * Tile (ty, tx) of one pass: image columns x0..x0+nx−1, rows y0..y0+ny−1 (≤ 8) of the pass value u, divided by
   * `divisor` and stored (accumulate 0) or added (1) to out[8×8]. `scratch`: 8 floats per map row the tile reads.
   */
  tile(
    plane: number,
    width: number,
    xStart: number,
    xWeight: number,
    yStart: number,
    yWeight: number,
    x0: number,
    y0: number,
    nx: number,
    ny: number,
    out: number,
    scratch: number,
    divisor: number,
    accumulate: number,
  ): void;
  /** The pass value u at one pixel (x, y): the same as `tile` there, before division. */
  point(
    plane: number,
    width: number,
    xStart: number,
    xWeight: number,
    yStart: number,
    yWeight: number,
    x: number,
    y: number,
  ): number;
  /**
   * Reference mode's screen: the tiles whose mean over passes of quickTileBound (exactTile.ts, float64) is
   * ≥ threshold, listed (int32) into out — blocks of 4×4 tiles are bounded first, over the union of their spans, and
   * only a block that may reach the threshold is bounded tile by tile. `work`: 24 bytes per map row and tile column
   * of every pass; `win`: 8 bytes per cell of a map row. Returns how many.
   */
  boundTiles(ctx: number, threshold: number, out: number, work: number, win: number): number;
  /** F over every listed 8×8 tile (int32 tile indices) not yet computed, into the context's tile pool. */
  computeTiles(ctx: number, list: number, count: number, scratch: number): void;
  /**
   * 3×3 NMS (IMHN-REFERENCE §4.2) over the listed, computed tiles: records (int32 x, int32 y, float32 v, int32 0),
   * in list order and row-major within a tile, of pixels ≥ threshold that are ≥ every in-bounds 8-neighbour
   * (neighbour tiles computed on demand). `buffer`: 640 bytes. Returns how many.
   */
  nms(
    ctx: number,
    list: number,
    count: number,
    threshold: number,
    scratch: number,
    buffer: number,
    out: number,
  ): number;
  /**
   * refine_centroid (refineCentroid.ts) at `count` int32 (x, y) pairs of `points`: float64 (x, y, score) triples
   * into out, with window radius `radius`, the official axis swap when `swap` is 1 (tiles computed on demand).
   */
  refine(ctx: number, points: number, count: number, radius: number, swap: number, scratch: number, out: number): void;
  /**
   * fastTables.ts for one axis: first tap (int32, ≤ mapLen − 8) and 8 float32 weights per output of the ×4 resize
   * of mapLen cells, cropped to resizedLen, resized to imageLen — compositeAxis(cubicAxis, cubicAxis, 8) bit for
   * bit. `acc`: scratch for 8 doubles. Returns 0, or the span of a kernel wider than 8 taps.
   */
  compositeTable(
    mapLen: number,
    resizedLen: number,
    imageLen: number,
    start: number,
    weight: number,
    acc: number,
  ): number;
  /** cubicAxis(srcLen, dstLen, invScale) bit for bit: int32 [dstLen × 4] taps and float32 [dstLen × 4] weights. */
  cubicTable(srcLen: number, dstLen: number, invScale: number, index: number, weight: number): void;
  /** F at image pixel (x, y) of the staged body-part channel, memoised in the tile pool (NaN = not yet computed). */
  limbValue(ctx: number, x: number, y: number): number;
  /**
   * find_connections' pair loop (scoreLimbs.ts) on the staged body-part channel (limbValue): candidates as float64
   * (x, y, score) triples; records (i, j, s, norm, rank) as float64 for pairs passing both criteria, in (i, j) order;
   * how many. `scratch`: 64 floats.
   */
  scorePairs: ScorePairs;
  /** scorePairs on the reference values (exactValue). */
  scorePairsExact: ScorePairs;
  /**
   * The reference body-part value at (x, y) of the staged channel: Σ over passes of (n = 1 ? u : float32(u / n)) in
   * float64 of OpenCV's exact float32 chain (exactPoint.ts), memoised in the exact pool. `scratch`: 64 floats.
   */
  exactValue(ctx: number, x: number, y: number, scratch: number): number;
}
