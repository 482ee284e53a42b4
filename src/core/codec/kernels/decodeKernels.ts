/**
 * The fast decoder's inner loops, as one interface with two implementations that give the same bits: WebAssembly
 * (SIMD, `wasmKernels.ts`: compiled in about a millisecond and fast from its first call, so a fresh process decodes
 * its first image at full speed, not at the speed of a JIT still warming up) and plain TypeScript (`jsKernels.ts`:
 * where WebAssembly is unavailable, e.g. `node --jitless` or a page whose CSP forbids it, and as the test oracle).
 *
 * All pointers are byte offsets into `heap` (4-byte aligned; 16-byte aligned where v128 loads/stores use them).
 * Float arithmetic is float32, one rounding per operation, in the order given here:
 *   row sum at (map row r, image x), taps a_0..7 = plane[r][start(x) + 0..7], weights w_0..7 (float32):
 *     p_l = a_l·w_l, q_l = a_{l+4}·w_{l+4}, t_l = p_l + q_l (l = 0..3);  h = (t_0 + t_2) + (t_1 + t_3)
 *   value at (x, y) with row sums h_0..7 over rows start(y) + 0..7 and weights v_0..7:
 *     acc = v_0·h_0; acc = acc + v_k·h_k for k = 1..7, then acc / divisor.
 * Limb scoring (scorePairs) is float64, the operations of scoreLimbs.ts in its order.
 */
import type { KernelHeap } from './kernelHeap.ts';

/**
 * Byte offsets in the int32 decode context read by limbValue/scorePairs (written by mapStore.ts): per decode, then
 * per pass p at passStart + 32·p.
 */
export const CTX = {
  passes: 0,
  imageW: 4,
  imageH: 8,
  tilesX: 12,
  /** byte offset of the staged flags of the body-part planes: one byte per [channel × passes + pass] */
  stagedFlags: 16,
  passStart: 32,
  // per pass:
  planes: 0,
  mapW: 4,
  mapH: 8,
  xStart: 12,
  xWeight: 16,
  yStart: 20,
  yWeight: 24,
} as const;

/** What the limb kernels ask of the host: memory, and body-part planes copied and flip-averaged on first use. */
export interface KernelHost {
  alloc(bytes: number): number;
  stage(channel: number, pass: number): void;
}

export interface DecodeKernels {
  readonly heap: KernelHeap;
  readonly kind: 'wasm' | 'js';
  /** Where limbValue/scorePairs get memory and staged bands; set by the decoder before it scores limbs. */
  host: KernelHost;
  /**
   * Flip average of `rows` rows of `width` floats (width a multiple of 4): dst[r][x] = (src[r][x] + mir[r][w−1−x]) / 2
   * in float32, as numpy averages the un-flipped pass (IMHN-REFERENCE §2 step 9). dst may equal src.
   */
  flipAverage(dst: number, src: number, mir: number, width: number, rows: number): void;
  /** Cells ≥ threshold and ≥ each in-bounds 8-neighbour of a [height, width] plane, as int32 indices; the count. */
  seedScan(plane: number, width: number, height: number, threshold: number, out: number): number;
  /**
   * One pass of the fast peak screen over a [height, width] plane: for every cell ≥ threshold, grid[t] =
   * max(grid[t], v) over the 8×8 tiles t with tile column in xRange[2·sx .. 2·sx + 1] and tile row in
   * yRange[2·sy .. 2·sy + 1] (int32, inclusive; fastTables.ts); returns how many cells are ≥ seed and ≥ each
   * in-bounds 8-neighbour.
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
  /** sum[i] += max(grid[i], floor), float32, for i < count rounded up to a multiple of 4. */
  gridSum(sum: number, grid: number, count: number, floor: number): void;
  /** Indices i < width·height (a multiple of 4) with plane[i] ≥ threshold, into out; the count. */
  listTiles(plane: number, width: number, height: number, threshold: number, out: number): number;
  /**
   * 3×3 NMS over listed 8×8 tiles (int32 tile indices; `index` holds each tile's byte offset or −1): records
   * (int32 x, int32 y, float32 v, int32 unsure) of pixels ≥ threshold that are ≥ their in-tile neighbours and not
   * below a computed neighbour in another tile; unsure = 1 when such a neighbour's tile is not computed.
   */
  nms(
    index: number,
    tilesX: number,
    imageW: number,
    imageH: number,
    list: number,
    count: number,
    threshold: number,
    out: number,
  ): number;
  /**
   * One tile of the composite cubic kernel over a plane: image columns x0..x0+nx−1 and rows y0..y0+ny−1 (≤ 8).
   * xStart/yStart: int32 first tap per image column/row; xWeight/yWeight: 8 float32 weights each. Values divided by
   * `divisor` are stored (accumulate 0) or added (1) to out[8×8]. `scratch`: 8 floats per map row the tile reads.
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
  /**
   * `tile` for every pass of keypoint channel c (the decode context's planes) over the listed 8×8 tiles (int32
   * indices) not yet computed: tile i of the list goes to slots + 256·i and its offset into `index`; pass values
   * are divided by the pass count and summed in pass order (the mean of IMHN-REFERENCE §2 step 11, float32).
   */
  computeTiles(ctx: number, c: number, index: number, list: number, count: number, slots: number, scratch: number): void;
  /** The same value as `tile` at one pixel (x, y), before division. */
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
   * fastTables.ts for one axis: first tap (int32, ≤ mapLen − 8) and 8 float32 weights per output of the ×4 resize
   * of mapLen cells, cropped to resizedLen, resized to imageLen — compositeAxis(cubicAxis, cubicAxis, 8) bit for
   * bit. `acc`: scratch for 8 doubles. Returns 0, or the span of a kernel wider than 8 taps.
   */
  compositeTable(mapLen: number, resizedLen: number, imageLen: number, start: number, weight: number, acc: number): number;
  /**
   * Body-part channel c at image pixel (x, y): the mean over passes of `point` (float32: f_p = v_p / n, summed in
   * pass order), memoised in 8×8 blocks through `index` (per tile: block offset or −1; NaN = not computed).
   */
  limbValue(ctx: number, c: number, index: number, x: number, y: number): number;
  /**
   * find_connections' pair loop for limb channel c (scoreLimbs.ts): candidates as float64 (x, y, score) triples;
   * records (i, j, s, norm, rank) as float64 for pairs passing both criteria, in (i, j) order; returns how many.
   */
  scorePairs(
    ctx: number,
    c: number,
    index: number,
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
  ): number;
}
