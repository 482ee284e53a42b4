import type { TileList } from '../staged/findPeaksStaged.ts';
import type { StagedWorkspace } from '../staged/stagedWorkspace.ts';
import type { ExactPassTables } from './exactTables.ts';

/**
 * Reference mode's peak screen for keypoint threshold `threshold`, as findPeaksStaged's `listTiles`: the tiles of
 * the staged channel whose rigorous bound (the kernels' boundTiles, exactTile.ts quickTileBound) reaches it. Its
 * buffers are allocated here, before any tile.
 */
export function referenceScreen(
  w: StagedWorkspace,
  exact: ExactPassTables[],
  threshold: number,
): (b: TileList) => number {
  const { k, stage } = w;
  const work = k.heap.alloc(exact.reduce((a, u) => a + u.g.mapH * stage.tilesX * 24, 0)),
    win = k.heap.alloc(Math.max(...exact.map((u) => u.g.mapW)) * 8 + 64);
  return (b) => k.boundTiles(stage.ctx, threshold, b.list, work, win);
}
