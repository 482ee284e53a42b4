import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from './fastTables.ts';
import type { ChannelStage } from './channelStage.ts';

/** Side of the fast decoder's tiles (image pixels): small, because only tiles near peaks are computed. */
export const FAST_TILE = 8;

/** What the channels of one fast decode share: kernels, the channel stage, tables, the tile kernel's scratch. */
export interface FastWorkspace {
  k: DecodeKernels;
  stage: ChannelStage;
  fast: FastPassTables[];
  scratch: number;
}

/** Number of 8×8 tiles of the image of a decode. */
export function tileCount(w: FastWorkspace): { tilesX: number; tiles: number } {
  const g = w.fast[0].g;
  const tilesX = Math.ceil(g.imageW / FAST_TILE);
  return { tilesX, tiles: tilesX * Math.ceil(g.imageH / FAST_TILE) };
}

/** An int32 table of `n` entries in the heap, all −1 (no tile/block yet). */
export function tileIndexTable(k: DecodeKernels, n: number): number {
  const at = k.heap.alloc(n * 4);
  k.heap.i32.fill(-1, at / 4, at / 4 + n);
  return at;
}
