import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../core/skeleton/poseMeta.ts';
import type { PersonRecord } from '../../core/edit/poseRecords.ts';

export const SIDE_COLOUR = { left: '#3b9cff', right: '#ff8a3b', center: '#5bd67a' } as const;
export type Side = keyof typeof SIDE_COLOUR;
export const sideOf = (k: number): Side =>
  COCO_KEYPOINTS[k].startsWith('left') ? 'left' : COCO_KEYPOINTS[k].startsWith('right') ? 'right' : 'center';
/** The skeleton's limbs as 0-based joint pairs. */
export const LIMBS = COCO_SKELETON_1BASED.map(([a, b]) => [a - 1, b - 1] as const);
export const limbSide = (a: number, b: number): Side => (sideOf(a) === sideOf(b) ? sideOf(a) : 'center');

/** Confidence 0..1 → red..yellow..green (joints a person placed are white). */
export function confidenceColour(score: number | undefined): string {
  if (score === undefined) return '#ffffff';
  const t = Math.max(0, Math.min(1, score));
  return `hsl(${Math.round(t * 120)}, 85%, 50%)`;
}

/**
 * A joint as drawn: an annotation's (with visibility and source; v = 0: not labelled, its kept position drawn as a
 * hollow mark without limbs) or a prediction's (with its score).
 */
export interface JointLike {
  x: number;
  y: number;
  v?: 0 | 1 | 2;
  score?: number;
  source?: string;
}

const jointCache = new WeakMap<PersonRecord, (JointLike | null)[]>();
/** Display joints of a person, computed once per person record (records are immutable; unchanged ones keep identity). */
export function jointsOf(p: PersonRecord): (JointLike | null)[] {
  let j = jointCache.get(p);
  if (!j) {
    j = p.joints.map((x) => (x ? { x: x.x, y: x.y, v: x.v, score: x.model?.score, source: x.source } : null));
    jointCache.set(p, j);
  }
  return j;
}
