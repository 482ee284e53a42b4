import { isLabelled, type AnnotationState, type JointRecord, type PersonRecord } from '../edit/poseRecords.ts';
import { emptyDiff, type RecordDiff } from '../edit/recordDiff.ts';
import type { ScoredJoint } from '../codec/assign/toPoses.ts';
import type { FixedPerson, RegroupResult } from './regroupWithFixedJoints.ts';

/**
 * Which persons of an annotation a regroup holds and which it re-forms: a person with a joint a person placed or
 * edited (`human`/`edited`) is fixed — those joints exactly, its `model` joints free; persons of `model` joints
 * only are the predictions the regroup may re-form. Crowd regions and persons without joints take no part.
 */
export function regroupInputs(s: AnnotationState): { fixed: FixedPerson[]; predicted: PersonRecord[] } {
  const fixed: FixedPerson[] = [],
    predicted: PersonRecord[] = [];
  for (const id of s.order) {
    const p = s.persons[id];
    // A joint set to v = 0 is not labelled: it holds nothing.
    if (p.crowd || !p.joints.some(isLabelled)) continue;
    if (p.joints.some((j) => isLabelled(j) && j.source !== 'model'))
      fixed.push({
        id,
        fixed: p.joints.map((j) => (isLabelled(j) && j.source !== 'model' ? { x: j.x, y: j.y } : null)),
      });
    else predicted.push(p);
  }
  return { fixed, predicted };
}

/**
 * The regroup as one proposed edit (one undo step when applied): fixed persons keep their fixed joints and take
 * the regrouped free ones (as `model` joints with their provenance; a model joint already there is kept as it is);
 * predicted persons whose joints came out identical stay untouched; the others are removed and the newly formed
 * persons added (`newId(i)` names them). The user accepts the diff or discards it.
 */
export function regroupProposal(s: AnnotationState, result: RegroupResult, newId: (i: number) => string): RecordDiff {
  const d = emptyDiff();
  for (const f of result.fixed) {
    const before = s.persons[f.id];
    if (!before) continue;
    const joints = before.joints.map((old, k) => {
      if (old && old.source !== 'model') return old;
      const j = f.joints[k];
      if (!j) return null;
      return old && old.x === j.x && old.y === j.y ? old : modelJoint(j);
    });
    if (joints.some((j, k) => j !== before.joints[k])) d.updated[f.id] = [before, { ...before, joints }];
  }
  const { predicted } = regroupInputs(s);
  const unmatched = new Map<string, PersonRecord[]>();
  for (const p of predicted) unmatched.set(jointsKey(p.joints), [...(unmatched.get(jointsKey(p.joints)) ?? []), p]);
  let n = 0;
  for (const pose of result.free) {
    const same = unmatched.get(jointsKey(pose.joints));
    if (same?.length) {
      same.shift();
      continue;
    }
    let id = newId(n++);
    while (s.persons[id] || d.added[id]) id = newId(n++);
    d.added[id] = { id, joints: pose.joints.map((j) => (j ? modelJoint(j) : null)), crowd: false, score: pose.score };
  }
  for (const list of unmatched.values()) for (const p of list) d.removed[p.id] = p;
  // Explicit order, so that undoing puts the re-formed persons back where they were.
  if (Object.keys(d.added).length || Object.keys(d.removed).length)
    d.order = [s.order, [...s.order.filter((id) => !d.removed[id]), ...Object.keys(d.added)]];
  return d;
}

function modelJoint(j: ScoredJoint): JointRecord {
  return { x: j.x, y: j.y, v: 2, source: 'model', model: { x: j.x, y: j.y, score: j.score } };
}

function jointsKey(joints: readonly ({ x: number; y: number } | null)[]): string {
  return joints.map((j) => (j ? `${j.x},${j.y}` : '-')).join(' ');
}
