import type { Peak } from './peak.ts';
import type { PersonRow } from './assemblePersons.ts';
import { COCO_TO_IMHN } from '../../skeleton/poseMeta.ts';

/** A detected joint in image pixels with its peak score (the refined 5×5 mean of the keypoint map). */
export interface ScoredJoint {
  x: number;
  y: number;
  score: number;
}

/** A detected person: 17 COCO joints (null = not found) with per-joint scores, and the person score 1 − 1/total. */
export interface Pose {
  score: number;
  joints: (ScoredJoint | null)[];
  /** Neck (not a COCO keypoint), kept for display. */
  neck: ScoredJoint | null;
}

/** Persons of find_people as poses in COCO order, with every joint's score (what the app stores per joint). */
export function toPoses(persons: PersonRow[], candidates: Peak[]): Pose[] {
  const joint = (id: number): ScoredJoint | null =>
    id >= 0 ? { x: candidates[id].x, y: candidates[id].y, score: candidates[id].score } : null;
  return persons.map((p) => ({
    score: 1 - 1 / p.total,
    joints: COCO_TO_IMHN.map((imhn) => joint(p.ids[imhn])),
    neck: joint(p.ids[1]),
  }));
}
