import type { Peak } from './peak.ts';

/** Read access to one full-resolution map in image space. */
export interface PixelReader {
  readonly width: number;
  readonly height: number;
  /** Value at integer image pixel (x, y). */
  at(y: number, x: number): number;
}

export interface PeakOptions {
  /** Keypoint threshold thre1 (≥), official 0.1. */
  threshold: number;
  /** Centroid refinement half-size (offset_radius), official 2 → 5×5. */
  radius: number;
  /** Reproduce the official axis swap of refine_centroid (IMHN-REFERENCE §4.2, §9.4). */
  swapAxes: boolean;
  /**
   * The bound on a noisy model's maps: at most this many peaks per keypoint type, the highest (kept in row-major
   * order). Limb scoring is quadratic in peaks: the bundled model on crowded real photos gives 100–300 local maxima
   * per keypoint map and 144 "persons", and every extra candidate multiplies the work. Maps of people give about one
   * peak per visible person and type: ≤ 16 per type in the official model's 12 fixture cases (≤ 9 local maxima per
   * map), ≤ 27 for the bundled model on its own (synthetic) images, and COCO annotates ≲ 20 people per image (its
   * keypoint metric scores 20 detections per image). So 32 keeps every candidate of any image of up to ~30 people
   * (tested: decoding with and without the bound gives the same persons on those maps and on a 30-person crowd).
   * Infinity = the official, unbounded behaviour.
   */
  maxPerType: number;
}

/** The official find_peaks parameters (utils/config), with the bound of maxPerType. */
export const OFFICIAL_PEAK_OPTIONS: PeakOptions = { threshold: 0.1, radius: 2, swapAxes: true, maxPerType: 32 };

/**
 * `refine_centroid` (utils/util.py): when the (2r+1)² window fits in the image, score = window mean and the
 * weighted offsets are added — the row offset to x and the column offset to y when `swapAxes` (the official
 * np.mgrid quirk). Otherwise the integer peak and its value.
 */
export function refineCentroid(ch: PixelReader, x: number, y: number, o: PeakOptions): Omit<Peak, 'id'> {
  const r = o.radius;
  if (x - r < 0 || y - r < 0 || x + r + 1 > ch.width || y + r + 1 > ch.height) return { x, y, score: ch.at(y, x) };
  let sum = 0,
    sumRow = 0,
    sumCol = 0;
  for (let i = -r; i <= r; i++) {
    for (let j = -r; j <= r; j++) {
      const v = ch.at(y + i, x + j);
      sum += v;
      sumRow += v * i;
      sumCol += v * j;
    }
  }
  const n = (2 * r + 1) ** 2;
  const offRow = sumRow / sum,
    offCol = sumCol / sum;
  return o.swapAxes
    ? { x: x + offRow, y: y + offCol, score: sum / n }
    : { x: x + offCol, y: y + offRow, score: sum / n };
}
