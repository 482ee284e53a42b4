import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from './fastTables.ts';
import type { MapStore } from './mapStore.ts';

/** Side of the fast decoder's tiles (image pixels): small, because only tiles near peaks are computed. */
export const FAST_TILE = 8;

/** What all channels of one fast decode share: kernels, staged maps, tables, the tile kernel's scratch. */
export interface FastWorkspace {
  k: DecodeKernels;
  store: MapStore;
  fast: FastPassTables[];
  scratch: number;
}

/**
 * A keypoint channel at full image resolution in `fast` mode: the mean over passes of the composite cubic kernel
 * (decodeKernels.ts), float32, computed in 8×8 tiles on demand and kept in the kernels' heap for this decode.
 * Spaces: image pixels (integer = pixel centre).
 */
export class FastChannel {
  readonly width: number;
  readonly height: number;
  readonly tilesX: number;
  readonly tilesY: number;
  /** Heap byte offset of an int32 table: per tile, the byte offset of its 64 values, or −1. */
  readonly index: number;
  readonly channel: number;
  private readonly w: FastWorkspace;

  constructor(w: FastWorkspace, channel: number) {
    this.w = w;
    this.channel = channel;
    const g = w.fast[0].g;
    this.width = g.imageW;
    this.height = g.imageH;
    this.tilesX = Math.ceil(g.imageW / FAST_TILE);
    this.tilesY = Math.ceil(g.imageH / FAST_TILE);
    this.index = tileIndexTable(w.k, this.tilesX * this.tilesY);
  }

  /** Byte offset of tile t's values ([8 × 8] row-major; entries outside the image undefined), computed on demand. */
  tile(t: number): number {
    const heap = this.w.k.heap;
    const at = heap.i32[this.index / 4 + t];
    if (at >= 0) return at;
    const out = heap.alloc(FAST_TILE * FAST_TILE * 4);
    heap.i32[this.index / 4 + t] = out;
    const tx = t % this.tilesX,
      ty = (t - tx) / this.tilesX;
    const x0 = tx * FAST_TILE,
      y0 = ty * FAST_TILE;
    const nx = Math.min(FAST_TILE, this.width - x0),
      ny = Math.min(FAST_TILE, this.height - y0);
    const { k, store, scratch, fast } = this.w;
    const n = store.tables.length;
    for (let p = 0; p < n; p++) {
      const tb = store.tables[p];
      const plane = store.heat(this.channel, p);
      const width = fast[p].g.mapW;
      k.tile(plane, width, tb.xStart, tb.xWeight, tb.yStart, tb.yWeight, x0, y0, nx, ny, out, scratch, n, p > 0 ? 1 : 0);
    }
    return out;
  }

  /** Value at image pixel (x, y). */
  at(y: number, x: number): number {
    const off = this.tile((y >> 3) * this.tilesX + (x >> 3));
    return this.w.k.heap.f32[off / 4 + (y & 7) * FAST_TILE + (x & 7)];
  }
}

/** An int32 table of `n` entries in the heap, all −1 (no tile/block yet). */
export function tileIndexTable(k: DecodeKernels, n: number): number {
  const at = k.heap.alloc(n * 4);
  k.heap.i32.fill(-1, at / 4, at / 4 + n);
  return at;
}
