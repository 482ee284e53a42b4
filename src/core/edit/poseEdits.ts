import { COCO_FLIP_ORDER } from '../skeleton/poseMeta.ts';
import type { Pose } from '../codec/assign/toPoses.ts';
import { isLabelled, JOINT_COUNT, type AnnotationState, type JointRecord, type PersonRecord } from './poseRecords.ts';
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

/**
 * Places a missing joint where a person clicked (visible unless told otherwise). A joint set to v = 0 is missing
 * too: it is placed anew (a model joint stays `edited`, with its model position and score).
 */
export function placeJoint(
  s: AnnotationState,
  personId: string,
  k: number,
  x: number,
  y: number,
  v: 1 | 2 = 2,
): RecordDiff {
  const p = person(s, personId);
  const j = p.joints[k];
  if (isLabelled(j)) throw new EditError(`joint ${k} of person ${personId} is already placed; move it instead`);
  const placed: JointRecord = j
    ? { ...j, x, y, v, source: j.source === 'model' ? 'edited' : j.source }
    : { x, y, v, source: 'human' };
  return update(p, withJoint(p, k, placed));
}

/**
 * The one-key visibility cycle 2 → 1 → 0 → 2. At 0 the joint is not labelled (COCO writes 0, 0, 0 for it) but
 * keeps its position, so the next press brings it back where it was. A model joint becomes `edited`.
 */
export function cycleVisibility(s: AnnotationState, personId: string, k: number): RecordDiff {
  const p = person(s, personId);
  const j = p.joints[k];
  if (!j) return emptyDiff();
  const v = j.v === 2 ? 1 : j.v === 1 ? 0 : 2;
  return update(p, withJoint(p, k, { ...j, v, source: j.source === 'model' ? 'edited' : j.source }));
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
 * Accepts model poses into the image's annotation: each becomes a person of `model` joints with their provenance
 * (position and score) and the pose's score. Persons already there stay as they are (which predictions are still
 * pending is predictionTriage's question, so that nothing accepted or edited is replaced behind the reviewer's back).
 */
export function acceptPredictions(s: AnnotationState, poses: Pose[], newId: (i: number) => string): RecordDiff {
  const d = emptyDiff();
  poses.forEach((pose, i) => {
    const id = newId(i);
    if (s.persons[id] || d.added[id]) throw new EditError(`person ${id} already exists`);
    const joints = pose.joints.map((j) =>
      j ? { x: j.x, y: j.y, v: 2 as const, source: 'model' as const, model: { x: j.x, y: j.y, score: j.score } } : null,
    );
    d.added[id] = { id, joints, crowd: false, score: pose.score };
  });
  return d;
}

/**
 * Tab order: the next joint index after k (wrapping), optionally only among missing joints (never placed, or set to
 * v = 0); −1 when none.
 */
export function nextJointIndex(p: PersonRecord, k: number, direction: 1 | -1, onlyMissing: boolean): number {
  for (let step = 1; step <= JOINT_COUNT; step++) {
    const i = (((k + direction * step) % JOINT_COUNT) + JOINT_COUNT) % JOINT_COUNT;
    if (!onlyMissing || !isLabelled(p.joints[i])) return i;
  }
  return -1;
}

/** A model joint whose position or person changes becomes `edited` (its model position and score stay). */
function touched(j: JointRecord): JointRecord {
  return j.source === 'model' ? { ...j, source: 'edited' } : j;
}

/** Moves a whole person by (dx, dy) image pixels: every placed joint, visibility kept. */
export function movePerson(s: AnnotationState, personId: string, dx: number, dy: number): RecordDiff {
  const p = person(s, personId);
  if (!Number.isFinite(dx) || !Number.isFinite(dy))
    throw new EditError(`a move needs finite offsets, got ${dx}, ${dy}`);
  if (dx === 0 && dy === 0) return emptyDiff();
  if (p.joints.every((j) => j === null)) throw new EditError(`person ${personId} has no joint to move`);
  return update(p, { ...p, joints: p.joints.map((j) => (j ? { ...touched(j), x: j.x + dx, y: j.y + dy } : null)) });
}

/** Joint indices both persons have labelled: a merge must be told which of the two to keep for each. */
export function mergeConflicts(s: AnnotationState, keepId: string, otherId: string): number[] {
  const a = person(s, keepId),
    b = person(s, otherId);
  return a.joints.flatMap((j, k) => (isLabelled(j) && isLabelled(b.joints[k]) ? [k] : []));
}

/**
 * Merges person `otherId` into `keepId` (one step: keepId updated, otherId removed): keepId gains the other's
 * joints where it has none; where both have one, `take[k]` says whose joint stays ('keep' or 'other') and a merge
 * with an undecided conflict is refused, so no joint is dropped silently. Joints that change person become `edited`.
 */
export function mergePersons(
  s: AnnotationState,
  keepId: string,
  otherId: string,
  take: Readonly<Record<number, 'keep' | 'other'>> = {},
): RecordDiff {
  if (keepId === otherId) throw new EditError(`cannot merge person ${keepId} with itself`);
  const a = person(s, keepId),
    b = person(s, otherId);
  if (a.crowd || b.crowd) throw new EditError('crowd regions cannot be merged with persons');
  const open = mergeConflicts(s, keepId, otherId).filter((k) => take[k] !== 'keep' && take[k] !== 'other');
  if (open.length)
    throw new EditError(`both persons have joint${open.length > 1 ? 's' : ''} ${open.join(', ')}: say whose to keep`);
  // A labelled joint wins over an unlabelled one (v = 0 or none); between two labelled ones `take` decides.
  const joints = a.joints.map((j, k) => {
    const o = b.joints[k];
    if (!o || (isLabelled(j) && !isLabelled(o))) return j;
    if (isLabelled(j) && take[k] === 'keep') return j;
    if (j && !isLabelled(o)) return j;
    return touched(o);
  });
  return {
    ...emptyDiff(),
    updated: { [keepId]: [a, { ...a, joints }] },
    removed: { [otherId]: b },
  };
}

/**
 * Splits the listed joints of a person off into a new person `newId` (one step), placed right after it in the
 * display order; both keep at least one joint. Joints that change person become `edited`.
 */
export function splitPerson(
  s: AnnotationState,
  personId: string,
  jointIndices: readonly number[],
  newId: string,
): RecordDiff {
  const p = person(s, personId);
  if (s.persons[newId]) throw new EditError(`person ${newId} already exists`);
  if (p.crowd) throw new EditError('a crowd region cannot be split');
  const moving = new Set(jointIndices);
  for (const k of moving) {
    if (!(Number.isInteger(k) && k >= 0 && k < p.joints.length))
      throw new EditError(`joint index ${k} is outside 0..${p.joints.length - 1}`);
    if (!p.joints[k]) throw new EditError(`joint ${k} of person ${personId} is not placed`);
  }
  if (moving.size === 0) throw new EditError('choose the joints that form the new person');
  if (p.joints.every((j, k) => !isLabelled(j) || moving.has(k)))
    throw new EditError(`splitting off every joint of person ${personId} would leave it empty`);
  const stays = p.joints.map((j, k) => (moving.has(k) ? null : j));
  const goes = p.joints.map((j, k) => (j && moving.has(k) ? touched(j) : null));
  const at = s.order.indexOf(personId) + 1;
  return {
    added: { [newId]: { id: newId, joints: goes, crowd: false } },
    updated: { [personId]: [p, { ...p, joints: stays }] },
    removed: {},
    order: [s.order, [...s.order.slice(0, at), newId, ...s.order.slice(at)]],
  };
}
