import type { FullResChannel } from '../codec/fullRes/fullResChannel.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/assign/refineCentroid.ts';
import type { ImagePoint } from '../skeleton/imhnJoints.ts';
import { regionPeaks, type ChannelPeak } from './regionPeaks.ts';

export interface SnapOptions {
  /** Only peaks whose NMS pixel lies within this distance of the dragged point (image pixels). */
  radiusPx: number;
  /** The decoder's peak rules: threshold thre1 (a weaker peak is no candidate), centroid refinement radius. */
  peaks: PeakOptions;
}

export const DEFAULT_SNAP_OPTIONS: SnapOptions = { radiusPx: 16, peaks: OFFICIAL_PEAK_OPTIONS };

/** Where a snapped joint goes: the refined peak (image pixels), plus how far it is from the dragged point. */
export interface SnapTarget extends ChannelPeak {
  distancePx: number;
}

/**
 * Snap to peak: the local maximum of `ch` (the joint's keypoint channel at full resolution) nearest to `point`
 * within `radiusPx`, at the decoder's sub-pixel position (3×3 NMS + centroid refinement, as find_peaks makes its
 * candidates), or null when the channel has no candidate there. Nearest by refined position, so a point on a
 * decoded peak returns exactly that peak. Only the tiles around the point are computed (snap preview on every
 * pointer move).
 */
export function snapToPeak(ch: FullResChannel, point: ImagePoint, o: Partial<SnapOptions> = {}): SnapTarget | null {
  const { radiusPx, peaks } = { ...DEFAULT_SNAP_OPTIONS, ...o };
  if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) throw new RangeError('snap point must be finite');
  if (!(radiusPx >= 0)) throw new RangeError(`snap radius must be ≥ 0, got ${radiusPx}`);
  const box = { x0: point.x - radiusPx, y0: point.y - radiusPx, x1: point.x + radiusPx, y1: point.y + radiusPx };
  let best: SnapTarget | null = null;
  for (const p of regionPeaks(ch, box, peaks)) {
    if (Math.hypot(p.px - point.x, p.py - point.y) > radiusPx) continue;
    const distancePx = Math.hypot(p.x - point.x, p.y - point.y);
    if (!best || distancePx < best.distancePx || (distancePx === best.distancePx && p.height > best.height))
      best = { ...p, distancePx };
  }
  return best;
}
