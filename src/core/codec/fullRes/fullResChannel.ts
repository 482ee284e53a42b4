import type { PixelReader } from '../assign/refineCentroid.ts';
import { TILE_PX, type ChannelValues } from './channelValues.ts';

export { TILE_PX } from './channelValues.ts';

/** From this many missing tiles on, computeTiles stages the channel on the kernels (≈ the cost of 8 tiles here). */
const KERNEL_BATCH_MIN = 8;
/** Above this many tiles per channel, computed tiles are kept in a Map instead of a dense array. */
const DENSE_TILE_LIMIT = 1 << 16;

/**
 * One output channel of a decode at full image resolution (image pixels, integer = pixel centre), with random
 * access for callers other than the decoder (heatmap-assisted corrections): the decoder's own values
 * (channelValues.ts), computed lazily in TILE_PX-square tiles, or pixel by pixel for sparse reads (limb samples),
 * and kept. The decoder itself streams one channel at a time through the kernels instead (staged/).
 */
export class FullResChannel implements PixelReader {
  readonly width: number;
  readonly height: number;
  readonly tilesX: number;
  readonly tilesY: number;
  private readonly values: ChannelValues;
  /** Computed tiles: a dense array for ordinary images, a Map when the tile grid is huge (memory ∝ computed tiles). */
  private readonly dense: (Float32Array | Float64Array | undefined)[] | null;
  private readonly sparse: Map<number, Float32Array | Float64Array> | null;
  /** Tile bounds (NaN = not computed), allocated on first use. */
  private bounds: Float64Array | Map<number, number> | null = null;
  private readonly points = new Map<number, number>();
  /** The decoder's screen per threshold asked, and each computed tile's largest value (NaN = not computed). */
  private readonly screens = new Map<number, Uint8Array>();
  private tileMax: Float64Array | Map<number, number> | null = null;

  constructor(values: ChannelValues, width: number, height: number) {
    this.values = values;
    this.width = width;
    this.height = height;
    this.tilesX = Math.ceil(width / TILE_PX);
    this.tilesY = Math.ceil(height / TILE_PX);
    const n = this.tilesX * this.tilesY;
    this.dense = n <= DENSE_TILE_LIMIT ? new Array(n) : null;
    this.sparse = n <= DENSE_TILE_LIMIT ? null : new Map();
  }

  tileIndexOf(y: number, x: number): number {
    return Math.floor(y / TILE_PX) * this.tilesX + Math.floor(x / TILE_PX);
  }

  private stored(t: number): Float32Array | Float64Array | undefined {
    return this.dense !== null ? this.dense[t] : this.sparse!.get(t);
  }

  /** Values of tile t, [TILE_PX × TILE_PX] row-major (entries outside the image are 0). */
  tile(t: number): Float32Array | Float64Array {
    let out = this.stored(t);
    if (out === undefined) {
      const tx = t % this.tilesX,
        ty = (t - tx) / this.tilesX;
      const x0 = tx * TILE_PX,
        y0 = ty * TILE_PX;
      out = this.values.newTile();
      this.values.tile(x0, y0, Math.min(TILE_PX, this.width - x0), Math.min(TILE_PX, this.height - y0), out);
      this.keep(t, out);
    }
    return out;
  }

  private keep(t: number, values: Float32Array | Float64Array): void {
    if (this.dense !== null) this.dense[t] = values;
    else this.sparse!.set(t, values);
    const tx = t % this.tilesX,
      ty = (t - tx) / this.tilesX;
    const nx = Math.min(TILE_PX, this.width - tx * TILE_PX),
      ny = Math.min(TILE_PX, this.height - ty * TILE_PX);
    let max = Number.NEGATIVE_INFINITY;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) max = Math.max(max, values[y * TILE_PX + x]);
    this.tileMax ??= this.dense !== null ? new Float64Array(this.dense.length).fill(Number.NaN) : new Map();
    if (this.tileMax instanceof Map) this.tileMax.set(t, max);
    else this.tileMax[t] = max;
  }

  /**
   * Computes the tiles of `list` not computed yet: in one batch through the kernels when there are many (the same
   * values as one by one; a batch costs a staging of the channel, worth it past a few tiles).
   */
  computeTiles(list: readonly number[]): void {
    const missing = list.filter((t) => this.stored(t) === undefined);
    if (this.values.tiles && missing.length >= KERNEL_BATCH_MIN) {
      const values = this.values.tiles(missing);
      missing.forEach((t, i) => {
        const v = values[i],
          tx = t % this.tilesX;
        const nx = Math.min(TILE_PX, this.width - tx * TILE_PX),
          ny = Math.min(TILE_PX, this.height - ((t - tx) / this.tilesX) * TILE_PX);
        // the kernels leave entries outside the image undefined; here they are 0
        for (let y = 0; y < TILE_PX; y++)
          if (y >= ny) v.fill(0, y * TILE_PX, (y + 1) * TILE_PX);
          else if (nx < TILE_PX) v.fill(0, y * TILE_PX + nx, (y + 1) * TILE_PX);
        this.keep(t, v);
      });
    } else for (const t of missing) this.tile(t);
  }

  /** Value at image pixel (x, y). */
  at(y: number, x: number): number {
    return this.tile(this.tileIndexOf(y, x))[(y % TILE_PX) * TILE_PX + (x % TILE_PX)];
  }

  /**
   * at(y, x) without computing its whole tile (sparse reads such as limb samples), memoised per pixel; 0 outside the
   * image (a limb to a joint placed off the image has no evidence there).
   */
  pointAt(y: number, x: number): number {
    if (!this.inside(y, x)) return 0;
    const t = this.tileIndexOf(y, x);
    if (this.stored(t) !== undefined) return this.at(y, x);
    const key = y * this.width + x;
    let v = this.points.get(key);
    if (v === undefined) {
      v = this.values.point(x, y);
      this.points.set(key, v);
    }
    return v;
  }

  /** An upper bound of every value in tile t (row-major tile index). */
  bound(t: number): number {
    if (this.bounds === null)
      this.bounds = this.dense !== null ? new Float64Array(this.dense.length).fill(Number.NaN) : new Map();
    let b = this.bounds instanceof Map ? this.bounds.get(t) : this.bounds[t];
    if (b === undefined || Number.isNaN(b)) {
      const tx = t % this.tilesX;
      b = this.values.bound(tx, (t - tx) / this.tilesX);
      if (this.bounds instanceof Map) this.bounds.set(t, b);
      else this.bounds[t] = b;
    }
    return b;
  }

  /** Whether some value of tile t may be ≥ threshold (false: none is): its largest value once computed, else the bound. */
  mayReach(t: number, threshold: number): boolean {
    const max = this.tileMax === null ? undefined : this.tileMax instanceof Map ? this.tileMax.get(t) : this.tileMax[t];
    return max !== undefined && !Number.isNaN(max) ? max >= threshold : this.bound(t) >= threshold;
  }

  /**
   * Whether the decoder scans tile t for peaks ≥ threshold (keypoint channels: its own screen, see
   * ChannelValues.screen; otherwise the bound), and some value there may reach it.
   */
  screened(t: number, threshold: number): boolean {
    if (!this.values.screen) return this.mayReach(t, threshold);
    let mask = this.screens.get(threshold);
    if (!mask) {
      mask = this.values.screen(threshold);
      this.screens.set(threshold, mask);
    }
    return mask[t] === 1 && this.mayReach(t, threshold);
  }

  /** Upper bound of the value at image pixel (x, y), without computing it (pointAt's 0 outside the image). */
  boundAt(y: number, x: number): number {
    return this.inside(y, x) ? this.bound(this.tileIndexOf(y, x)) : 0;
  }

  private inside(y: number, x: number): boolean {
    return y >= 0 && y < this.height && x >= 0 && x < this.width;
  }
}
