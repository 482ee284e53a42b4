import type { FullResChannel } from '../codec/fullResChannel.ts';
import { TILE_PX } from '../codec/fullResChannel.ts';
import { isLocalMax, OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/findPeaksReference.ts';
import { refineCentroid } from '../codec/assign/refineCentroid.ts';

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
 * exceeds, refined as `refine_centroid`), row-major: the decoder's own steps on a part of the channel. Tiles the
 * decoder's screen rules out for the threshold (`mayReach`: rigorous bounds in reference mode, the stride-4 seed
 * cells in fast mode) hold no peak and are not computed, exactly as in find_peaks.
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
  for (let ty = ty0; ty <= ty1; ty++) {
    for (let tx = tx0; tx <= tx1; tx++) {
      if (!above(ty * ch.tilesX + tx)) continue;
      const ys = Math.max(b.y0, ty * TILE_PX),
        ye = Math.min(b.y1, ty * TILE_PX + TILE_PX - 1);
      const xs = Math.max(b.x0, tx * TILE_PX),
        xe = Math.min(b.x1, tx * TILE_PX + TILE_PX - 1);
      for (let y = ys; y <= ye; y++)
        for (let x = xs; x <= xe; x++) {
          const v = ch.at(y, x);
          if (v >= o.threshold && isLocalMax(ch, x, y, v, above)) found.push(peakAt(ch, x, y, v, o));
        }
    }
  }
  return found.sort((p, q) => p.py - q.py || p.px - q.px);
}

function peakAt(ch: FullResChannel, x: number, y: number, v: number, o: PeakOptions): ChannelPeak {
  const r = refineCentroid(ch, x, y, o);
  return { x: r.x, y: r.y, score: r.score, px: x, py: y, height: v };
}
