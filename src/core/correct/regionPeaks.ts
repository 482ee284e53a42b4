import { TILE_PX, type FullResChannel } from '../codec/fullRes/fullResChannel.ts';
import { OFFICIAL_PEAK_OPTIONS, refineCentroid, type PeakOptions } from '../codec/assign/refineCentroid.ts';

/** A box of image pixels, bounds inclusive (integer = pixel centre). */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * A local maximum of one keypoint channel, as find_peaks makes a candidate: the 3×3-NMS pixel (`px`, `py`) and the
 * map's value there (`height`), refined by the decoder's centroid refinement to (`x`, `y`) with its `score` (the
 * 5×5 window mean), all in image pixels of the full-resolution map.
 */
export interface ChannelPeak {
  x: number;
  y: number;
  score: number;
  px: number;
  py: number;
  height: number;
}

/** The box clipped to the channel; null when nothing of it is inside. */
export function clipBox(box: PixelBox, width: number, height: number): PixelBox | null {
  const x0 = Math.max(0, Math.ceil(box.x0)),
    y0 = Math.max(0, Math.ceil(box.y0));
  const x1 = Math.min(width - 1, Math.floor(box.x1)),
    y1 = Math.min(height - 1, Math.floor(box.y1));
  return x0 <= x1 && y0 <= y1 ? { x0, y0, x1, y1 } : null;
}

/**
 * The candidates find_peaks would make inside `box` (pixels with value ≥ threshold that no in-bounds 3×3 neighbour
 * exceeds, refined as `refine_centroid`), row-major: the decoder's own steps on a part of the channel, without its
 * cap of maxPerType per image. Only tiles the decoder's screen lists are scanned (`screened`: the rigorous bound in
 * reference mode, the stride-4 cells near 0.8·thre1 in fast mode), so every decoded peak inside the box is found;
 * NMS neighbours are skipped only where a rigorous bound (or the computed tile) says they are below the threshold.
 */
export function regionPeaks(ch: FullResChannel, box: PixelBox, o: PeakOptions = OFFICIAL_PEAK_OPTIONS): ChannelPeak[] {
  const b = clipBox(box, ch.width, ch.height);
  if (!b) return [];
  const above = (t: number) => ch.mayReach(t, o.threshold);
  const found: ChannelPeak[] = [];
  const tx0 = Math.floor(b.x0 / TILE_PX),
    tx1 = Math.floor(b.x1 / TILE_PX);
  const ty0 = Math.floor(b.y0 / TILE_PX),
    ty1 = Math.floor(b.y1 / TILE_PX);
  const listed: number[] = [];
  for (let ty = ty0; ty <= ty1; ty++)
    for (let tx = tx0; tx <= tx1; tx++)
      if (ch.screened(ty * ch.tilesX + tx, o.threshold)) listed.push(ty * ch.tilesX + tx);
  ch.computeTiles(listed);
  for (const t of listed) {
    if (!above(t)) continue; // its largest value, now known, is below the threshold
    const tile = ch.tile(t);
    const tx = t % ch.tilesX,
      ty = (t - tx) / ch.tilesX;
    const ys = Math.max(b.y0, ty * TILE_PX),
      ye = Math.min(b.y1, ty * TILE_PX + TILE_PX - 1);
    const xs = Math.max(b.x0, tx * TILE_PX),
      xe = Math.min(b.x1, tx * TILE_PX + TILE_PX - 1);
    for (let y = ys; y <= ye; y++)
      for (let x = xs; x <= xe; x++) {
        const v = tile[(y - ty * TILE_PX) * TILE_PX + x - tx * TILE_PX];
        if (v >= o.threshold && isLocalMax(ch, x, y, v, above)) found.push(peakAt(ch, x, y, v, o));
      }
  }
  return found.sort((p, q) => p.py - q.py || p.px - q.px);
}

function peakAt(ch: FullResChannel, x: number, y: number, v: number, o: PeakOptions): ChannelPeak {
  const r = refineCentroid(ch, x, y, o);
  return { x: r.x, y: r.y, score: r.score, px: x, py: y, height: v };
}

/**
 * The 3×3 NMS test of find_peaks at pixel (x, y) with value v: no in-bounds neighbour is greater. Neighbours in
 * tiles for which `above` is false are skipped (all their values are below the threshold, hence ≤ v).
 */
function isLocalMax(ch: FullResChannel, x: number, y: number, v: number, above: (t: number) => boolean): boolean {
  for (let ny = y - 1; ny <= y + 1; ny++) {
    if (ny < 0 || ny >= ch.height) continue;
    for (let nx = x - 1; nx <= x + 1; nx++) {
      if (nx < 0 || nx >= ch.width || (nx === x && ny === y)) continue;
      if (!above(ch.tileIndexOf(ny, nx))) continue; // every value there is < threshold ≤ v
      if (ch.at(ny, nx) > v) return false;
    }
  }
  return true;
}
