import { COCO_SKELETON_1BASED } from '../skeleton/poseMeta.ts';
import type { TriagedPrediction } from './predictionTriage.ts';

/** Distance (image px) from (x, y) to the segment a–b. */
function segmentDistance(x: number, y: number, a: { x: number; y: number }, b: { x: number; y: number }): number {
  const dx = b.x - a.x,
    dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / len2)) : 0;
  return Math.hypot(x - (a.x + t * dx), y - (a.y + t * dy));
}

/**
 * The predicted person a click at (x, y) (image px) selects: the one whose skeleton — joints and limbs — passes
 * nearest, within `radius` image px; else the smallest one whose joints' box (grown by `radius`) holds the point;
 * null when none.
 */
export function predictedPersonAt(
  list: readonly TriagedPrediction[],
  x: number,
  y: number,
  radius: number,
): TriagedPrediction | null {
  let best: TriagedPrediction | null = null,
    bestDistance = Infinity,
    boxed: TriagedPrediction | null = null,
    boxedArea = Infinity;
  for (const t of list) {
    const js = t.pose.joints;
    let d = Infinity;
    for (const j of js) if (j) d = Math.min(d, Math.hypot(x - j.x, y - j.y));
    for (const [a, b] of COCO_SKELETON_1BASED) {
      const ja = js[a - 1],
        jb = js[b - 1];
      if (ja && jb) d = Math.min(d, segmentDistance(x, y, ja, jb));
    }
    if (d <= radius && d < bestDistance) [best, bestDistance] = [t, d];
    const placed = js.filter((j) => j !== null);
    if (!placed.length) continue;
    const x0 = Math.min(...placed.map((j) => j.x)) - radius,
      x1 = Math.max(...placed.map((j) => j.x)) + radius,
      y0 = Math.min(...placed.map((j) => j.y)) - radius,
      y1 = Math.max(...placed.map((j) => j.y)) + radius;
    const area = (x1 - x0) * (y1 - y0);
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && area < boxedArea) [boxed, boxedArea] = [t, area];
  }
  return best ?? boxed;
}
