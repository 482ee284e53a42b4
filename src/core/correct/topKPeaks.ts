import type { FullResChannel } from '../codec/fullRes/fullResChannel.ts';
import { OFFICIAL_PEAK_OPTIONS, type PeakOptions } from '../codec/assign/refineCentroid.ts';
import type { CocoJoints } from '../skeleton/imhnJoints.ts';
import { regionPeaks, type ChannelPeak, type PixelBox } from './regionPeaks.ts';

/** Default number of second guesses shown for a joint. */
export const DEFAULT_TOP_K = 3;

/**
 * Second guesses: the k highest candidates (by map height at the NMS pixel; ties row-major) of a joint's keypoint
 * channel inside `box`, each as the decoder would make it (see regionPeaks). Candidate n of the UI is element n − 1.
 */
export function topKPeaks(
  ch: FullResChannel,
  box: PixelBox,
  k: number = DEFAULT_TOP_K,
  o: PeakOptions = OFFICIAL_PEAK_OPTIONS,
): ChannelPeak[] {
  if (!(Number.isInteger(k) && k >= 0)) throw new RangeError(`k must be a whole number ≥ 0, got ${k}`);
  return regionPeaks(ch, box, o)
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.height - a.p.height || a.i - b.i)
    .slice(0, k)
    .map(({ p }) => p);
}

export interface SearchBoxOptions {
  /** Margin around the joints' bounding box, as a fraction of its larger side… */
  marginFraction: number;
  /** …and at least this many image pixels (a person of one or two joints still gets a neighbourhood). */
  minMarginPx: number;
}

export const DEFAULT_SEARCH_BOX: SearchBoxOptions = { marginFraction: 0.25, minMarginPx: 32 };

/** "Near the person": the bounding box of its placed joints, widened by the margin; null when it has no joint. */
export function personSearchBox(joints: CocoJoints, o: SearchBoxOptions = DEFAULT_SEARCH_BOX): PixelBox | null {
  const placed = joints.filter((j) => j !== null);
  if (placed.length === 0) return null;
  const xs = placed.map((j) => j.x),
    ys = placed.map((j) => j.y);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs),
    y0 = Math.min(...ys),
    y1 = Math.max(...ys);
  const m = Math.max(o.minMarginPx, o.marginFraction * Math.max(x1 - x0, y1 - y0));
  return { x0: x0 - m, y0: y0 - m, x1: x1 + m, y1: y1 + m };
}
