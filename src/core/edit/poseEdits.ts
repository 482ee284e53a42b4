import { COCO_FLIP_ORDER } from '../skeleton/poseMeta.ts';
import type { Pose } from '../codec/assign/toPoses.ts';
import { JOINT_COUNT, type AnnotationState, type JointRecord, type PersonRecord } from './poseRecords.ts';
import { emptyDiff, type RecordDiff } from './recordDiff.ts';

export class EditError extends Error {
  override name = 'EditError';
}

function person(s: AnnotationState, id: string): PersonRecord {
  const p = s.persons[id];
  if (!p) throw new EditError(`no person ${id} in this image`);
  return p;
}

function update(before: PersonRecord, after: PersonRecord): RecordDiff {
  return { ...emptyDiff(), updated: { [before.id]: [before, after] } };
}

function withJoint(p: PersonRecord, k: number, j: JointRecord | null): PersonRecord {
  if (!(Number.isInteger(k) && k >= 0 && k < JOINT_COUNT))
    throw new EditError(`joint index ${k} is outside 0..${JOINT_COUNT - 1}`);
  const joints = [...p.joints];
  joints[k] = j;
  return { ...p, joints };
}

/** Moves an existing joint (image pixels). A model joint becomes `edited`, keeping its model position and score. */
export function moveJoint(s: AnnotationState, personId: string, k: number, x: number, y: number): RecordDiff {
  const p = person(s, personId);
  const j = p.joints[k];
  if (!j) throw new EditError(`joint ${k} of person ${personId} is not placed; place it first`);
  return update(p, withJoint(p, k, { ...j, x, y, source: j.source === 'model' ? 'edited' : j.source }));
}

/** Places a missing joint where a person clicked (visible unless told otherwise). */
export function placeJoint(
  s: AnnotationState,
  personId: string,
  k: number,
  x: number,
  y: number,
  v: 1 | 2 = 2,
): RecordDiff {
  const p = person(s, personId);
  if (p.joints[k]) throw new EditError(`joint ${k} of person ${personId} is already placed; move it instead`);
  return update(p, withJoint(p, k, { x, y, v, source: 'human' }));
}

/** The one-key visibility cycle 2 → 1 → 0 (0 removes the joint; COCO keeps x = y = 0 for it). */
export function cycleVisibility(s: AnnotationState, personId: string, k: number): RecordDiff {
  const p = person(s, personId);
  const j = p.joints[k];
  if (!j) return emptyDiff();
  if (j.v === 2) return update(p, withJoint(p, k, { ...j, v: 1, source: j.source === 'model' ? 'edited' : j.source }));
  return update(p, withJoint(p, k, null));
}

export function deleteJoint(s: AnnotationState, personId: string, k: number): RecordDiff {
  const p = person(s, personId);
  return p.joints[k] ? update(p, withJoint(p, k, null)) : emptyDiff();
}

export function addPerson(
  s: AnnotationState,
  id: string,
  joints: (JointRecord | null)[] = new Array(JOINT_COUNT).fill(null),
): RecordDiff {
  if (s.persons[id]) throw new EditError(`person ${id} already exists`);
  return { ...emptyDiff(), added: { [id]: { id, joints, crowd: false } } };
}

export function deletePerson(s: AnnotationState, personId: string): RecordDiff {
  return { ...emptyDiff(), removed: { [personId]: person(s, personId) } };
}

/** Swaps the person's left and right joints (COCO flip order); model joints that move become `edited`. */
export function swapLeftRight(s: AnnotationState, personId: string): RecordDiff {
  const p = person(s, personId);
  const joints = COCO_FLIP_ORDER.map((src, k) => {
    const j = p.joints[src];
    return j && src !== k && j.source === 'model' ? { ...j, source: 'edited' as const } : j;
  });
  return update(p, { ...p, joints });
}

/**
 * Accepts the model's poses for an image: replaces the persons that came from earlier predictions and were never
 * touched by a person, keeps everything a person edited, and adds the poses as `model` joints with provenance.
 */
export function acceptPredictions(s: AnnotationState, poses: Pose[], newId: (i: number) => string): RecordDiff {
  const d = emptyDiff();
  for (const p of Object.values(s.persons)) {
    if (p.score !== undefined && p.joints.every((j) => j === null || j.source === 'model')) d.removed[p.id] = p;
  }
  poses.forEach((pose, i) => {
    const id = newId(i);
    const joints = pose.joints.map((j) =>
      j ? { x: j.x, y: j.y, v: 2 as const, source: 'model' as const, model: { x: j.x, y: j.y, score: j.score } } : null,
    );
    d.added[id] = { id, joints, crowd: false, score: pose.score };
  });
  return d;
}

/** Tab order: the next joint index after k (wrapping), optionally only among missing joints; −1 when none. */
export function nextJointIndex(p: PersonRecord, k: number, direction: 1 | -1, onlyMissing: boolean): number {
  for (let step = 1; step <= JOINT_COUNT; step++) {
    const i = (((k + direction * step) % JOINT_COUNT) + JOINT_COUNT) % JOINT_COUNT;
    if (!onlyMissing || p.joints[i] === null) return i;
  }
  return -1;
}
