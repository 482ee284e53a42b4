import { CHANNELS } from '../../skeleton/poseMeta.ts';
import { numberPeaks, type Peak } from '../assign/peak.ts';
import type { PeakOptions } from '../assign/refineCentroid.ts';
import { STAGED_TILE, type StagedWorkspace } from './stagedWorkspace.ts';

/** Where a channel's tiles are listed (int32 tile indices at `list`), and the tile count of the image. */
export interface TileList {
  list: number;
  tilesX: number;
  tiles: number;
}

/**
 * `find_peaks` on staged keypoint channels, one at a time: `listTiles` lists the tiles that may hold a peak (the
 * fast screen, or reference mode's rigorous bound); the kernels compute them, run the exact 3×3 NMS over them and
 * refine the kept peaks. At most maxPerType peaks per type, the highest (ties: row-major), then row-major.
 */
export function findPeaksStaged(
  w: StagedWorkspace,
  o: PeakOptions,
  listTiles: (b: TileList) => number,
  beforeChannel: (j: number) => void = () => {},
): Peak[][] {
  const heap = w.k.heap;
  const { tilesX, tiles } = w.stage;
  const b: TileList = { list: heap.alloc(Math.ceil(tiles / 4) * 16), tilesX, tiles };
  const nmsBuffer = heap.alloc(640);
  const perType: Omit<Peak, 'id'>[][] = [];
  for (let j = 0; j < CHANNELS.keypointCount; j++) {
    const mark = heap.used;
    w.stage.stage(CHANNELS.keypointStart + j);
    beforeChannel(j);
    perType.push(channelPeaks(w, b, listTiles(b), nmsBuffer, o));
    heap.release(mark); // this channel's buffers are not read again
  }
  return numberPeaks(perType);
}

function channelPeaks(w: StagedWorkspace, b: TileList, count: number, nmsBuffer: number, o: PeakOptions) {
  const { k } = w;
  const ctx = w.stage.ctx;
  k.computeTiles(ctx, b.list, count, w.scratch);
  const records = k.heap.alloc(count * STAGED_TILE * STAGED_TILE * 16);
  const n = k.nms(ctx, b.list, count, o.threshold, w.scratch, nmsBuffer, records);
  const rec = k.heap.i32.slice(records / 4, records / 4 + 4 * n),
    val = k.heap.f32.slice(records / 4, records / 4 + 4 * n);
  let kept = Array.from({ length: n }, (_, r) => ({ x: rec[4 * r], y: rec[4 * r + 1], v: val[4 * r + 2] }));
  const rowMajor = (a: { x: number; y: number }, c: { x: number; y: number }) => a.y - c.y || a.x - c.x;
  if (kept.length > o.maxPerType) kept = kept.sort((a, c) => c.v - a.v || rowMajor(a, c)).slice(0, o.maxPerType);
  kept.sort(rowMajor);
  const points = k.heap.alloc(kept.length * 8),
    refined = k.heap.alloc(kept.length * 24);
  kept.forEach((p, i) => {
    k.heap.i32[points / 4 + 2 * i] = p.x;
    k.heap.i32[points / 4 + 2 * i + 1] = p.y;
  });
  k.refine(ctx, points, kept.length, o.radius, o.swapAxes ? 1 : 0, w.scratch, refined);
  const r = k.heap.f64,
    at = refined / 8;
  return kept.map((_, i) => ({ x: r[at + 3 * i], y: r[at + 3 * i + 1], score: r[at + 3 * i + 2] }));
}
