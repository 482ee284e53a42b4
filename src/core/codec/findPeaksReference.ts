import type { FullResChannel } from './fullResChannel.ts';
import { TILE_PX } from './fullResChannel.ts';
import { numberPeaks, type Peak } from './assign/peak.ts';
import { refineCentroid } from './assign/refineCentroid.ts';

export { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from './assign/refineCentroid.ts';
import type { PeakOptions } from './assign/refineCentroid.ts';
import { OFFICIAL_PEAK_OPTIONS } from './assign/refineCentroid.ts';

/**
 * `find_peaks` of evaluate.py on full-resolution float32 heat maps (IMHN-REFERENCE §4.2): 3×3 NMS (keep a pixel
 * equal to its in-bounds 3×3 max and ≥ threshold), peaks row-major, then `refine_centroid`.
 * Tiles whose upper bound is below the threshold are never computed: no pixel there can be a peak, and as a
 * neighbour such a pixel is below any peak value, so the NMS result is unchanged.
 */
export function findPeaksReference(heat: FullResChannel[], options: PeakOptions = OFFICIAL_PEAK_OPTIONS): Peak[][] {
  return numberPeaks(heat.map((ch) => channelPeaks(ch, options)));
}

/** The peaks of one keypoint channel (findPeaksReference without the global ids). */
export function channelPeaks(ch: FullResChannel, o: PeakOptions): Omit<Peak, 'id'>[] {
  const found: { x: number; y: number; v: number }[] = [];
  const { width: W, height: H } = ch;
  const nTiles = ch.tilesX * ch.tilesY;
  const above = (t: number) => ch.mayReach(t, o.threshold);
  for (let t = 0; t < nTiles; t++) {
    if (!above(t)) continue;
    const tile = ch.tile(t);
    const tx = t % ch.tilesX,
      ty = (t - tx) / ch.tilesX;
    const x0 = tx * TILE_PX,
      y0 = ty * TILE_PX;
    for (let dy = 0; dy < TILE_PX && y0 + dy < H; dy++) {
      for (let dx = 0; dx < TILE_PX && x0 + dx < W; dx++) {
        const i = dy * TILE_PX + dx;
        const v = tile[i];
        if (v < o.threshold) continue;
        const inner = dx > 0 && dy > 0 && dx < TILE_PX - 1 && dy < TILE_PX - 1 && x0 + dx < W - 1 && y0 + dy < H - 1;
        const isMax = inner
          ? v >= tile[i - TILE_PX - 1] &&
            v >= tile[i - TILE_PX] &&
            v >= tile[i - TILE_PX + 1] &&
            v >= tile[i - 1] &&
            v >= tile[i + 1] &&
            v >= tile[i + TILE_PX - 1] &&
            v >= tile[i + TILE_PX] &&
            v >= tile[i + TILE_PX + 1]
          : isLocalMax(ch, x0 + dx, y0 + dy, v, above);
        if (isMax) found.push({ x: x0 + dx, y: y0 + dy, v });
      }
    }
  }
  let kept = found;
  if (found.length > o.maxPerType) kept = [...found].sort((a, b) => b.v - a.v).slice(0, o.maxPerType);
  kept.sort((a, b) => a.y - b.y || a.x - b.x);
  return kept.map((p) => refineCentroid(ch, p.x, p.y, o));
}

function isLocalMax(ch: FullResChannel, x: number, y: number, v: number, above: (t: number) => boolean): boolean {
  for (let ny = y - 1; ny <= y + 1; ny++) {
    if (ny < 0 || ny >= ch.height) continue;
    for (let nx = x - 1; nx <= x + 1; nx++) {
      if (nx < 0 || nx >= ch.width || (nx === x && ny === y)) continue;
      const t = ch.tileIndexOf(ny, nx);
      if (!above(t)) continue; // every value there is < threshold ≤ v
      if (ch.at(ny, nx) > v) return false;
    }
  }
  return true;
}
