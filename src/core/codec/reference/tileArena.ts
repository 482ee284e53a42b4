import { TILE_PX } from './passUpsampler.ts';

/**
 * Reusable storage for computed tiles: decoding allocates thousands of small tiles, and fresh memory (page faults,
 * GC) costs more than computing them. `reset()` recycles everything; tiles handed out before are then invalid.
 */
export class TileArena {
  private readonly slabs: Float64Array[] = [];
  private used = 0;
  private static readonly TILES_PER_SLAB = 512;

  alloc(): Float64Array {
    const size = TILE_PX * TILE_PX;
    const slab = Math.floor(this.used / TileArena.TILES_PER_SLAB);
    if (slab === this.slabs.length) this.slabs.push(new Float64Array(TileArena.TILES_PER_SLAB * size));
    const start = (this.used % TileArena.TILES_PER_SLAB) * size;
    this.used++;
    const tile = this.slabs[slab].subarray(start, start + size);
    tile.fill(0);
    return tile;
  }

  reset(): void {
    this.used = 0;
  }
}
