import { PassUpsampler, TILE_PX } from './reference/passUpsampler.ts';
import { TileArena } from './reference/tileArena.ts';
import { tileBound, tileTightBound } from './reference/tileBounds.ts';

export { PassUpsampler, TILE_PX, TileArena };

/** Above this many tiles per channel, computed tiles are kept in a Map instead of a dense array. */
const DENSE_TILE_LIMIT = 1 << 16;
const f32 = Math.fround;

/**
 * `reference` mode: one output channel at full image resolution, averaged over passes exactly as `evaluate.py` does
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
  private readonly scratch = new Float32Array(TILE_PX * TILE_PX);

  constructor(
    ups: PassUpsampler[],
    planes: Float32Array[],
    groupChannel: number,
    groupChannels: number,
    asFloat32: boolean,
    arena = new TileArena(),
  ) {
    this.arena = arena;
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
        b += tileBound(this.ups[p], this.planes[p], ty, tx, c.segs[p], threshold) / this.ups.length;
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
    if (this.bound(t, threshold) < threshold) return false;
    const c = this.caches();
    let b = c.tight[t];
    if (Number.isNaN(b)) {
      const tx = t % this.tilesX,
        ty = (t - tx) / this.tilesX;
      b = 0;
      for (let p = 0; p < this.ups.length; p++)
        b += tileTightBound(this.ups[p], this.planes[p], ty, tx, c.rows[p]) / this.ups.length;
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
      for (let p = 0; p < n; p++) {
        this.scratch.fill(0);
        this.ups[p].computeTile(this.planes[p], this.groupChannel, this.groupChannels, ty, tx, this.scratch);
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
        const f = this.ups[p].pointValue(this.planes[p], this.groupChannel, this.groupChannels, y, x);
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
