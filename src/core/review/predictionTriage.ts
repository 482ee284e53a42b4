import type { Pose } from '../codec/assign/toPoses.ts';
import { computeOks } from '../eval/computeOks.ts';
import { isLabelled, type AnnotationState, type PersonRecord } from '../edit/poseRecords.ts';
import { rejectedOf, type RecordDiff } from '../edit/recordDiff.ts';
import { acceptPredictions } from '../edit/poseEdits.ts';

/**
 * Per-person triage of the model's output for one image: which predictions are still the reviewer's to decide.
 *
 * A prediction (a decoded pose of the image's latest run) is
 * - `below`: its person score is under the project's threshold — hidden on the canvas, in the counts and in
 *   "accept predictions" (personScoreThreshold.ts says what the score is);
 * - `taken`: some person of the annotation came from it (a joint whose `model` provenance is this pose's joint);
 * - `rejected`: the reviewer rejected it (its key in the annotation's `rejectedPredictions`, so undo restores it);
 * - `covered`: it is someone already in the annotation — OKS ≥ COVERED_OKS against a person (an imported ground
 *   truth, a person placed by hand, a duplicate of an accepted prediction);
 * - `pending`: none of these — drawn dashed, counted, and asked about before the image is accepted.
 */
export type PredictionStatus = 'below' | 'taken' | 'rejected' | 'covered' | 'pending';

export interface TriagedPrediction {
  key: string;
  /** Index in the run's poses for the image. */
  index: number;
  pose: Pose;
  status: PredictionStatus;
}

export interface Triage {
  /** Every prediction, in the run's order, with its status. */
  all: TriagedPrediction[];
  /** The pending ones (at or above the threshold), highest person score first: what the canvas draws dashed. */
  pending: TriagedPrediction[];
  counts: Record<PredictionStatus, number>;
}

/** OKS from which a prediction counts as a person the annotation already has (the COCO AP50 match criterion). */
export const COVERED_OKS = 0.5;

/**
 * A prediction's identity: a hash of its person score and joints (FNV-1a, two 32-bit lanes), so that the same pose
 * decoded again (a re-run with the same model and settings) keeps its reviewer's decision, and any other pose gets
 * a key of its own.
 */
export function predictionKey(pose: Pose): string {
  let a = 0x811c9dc5,
    b = 0x01000193 ^ 0x5bd1e995;
  const text = `${pose.score}|${pose.joints.map((j) => (j ? `${j.x},${j.y},${j.score}` : '-')).join('|')}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `m${a.toString(36)}${b.toString(36)}`;
}

/** COCO [x, y, v] × 17 of a pose (v = 1 where a joint was found). */
function poseKeypoints(pose: Pose): number[] {
  return pose.joints.flatMap((j) => (j ? [j.x, j.y, 1] : [0, 0, 0]));
}

/** A person as an OKS ground truth: its labelled joints, their box and the box's area (as the export derives it). */
function personGt(p: PersonRecord): { keypoints: number[]; bbox: number[]; area: number } | null {
  const labelled = p.joints.filter(isLabelled);
  if (p.crowd || !labelled.length) return null;
  const xs = labelled.map((j) => j.x),
    ys = labelled.map((j) => j.y);
  const x0 = Math.min(...xs),
    y0 = Math.min(...ys);
  const w = Math.max(1, Math.max(...xs) - x0),
    h = Math.max(1, Math.max(...ys) - y0);
  return {
    keypoints: p.joints.flatMap((j) => (isLabelled(j) ? [j.x, j.y, j.v] : [0, 0, 0])),
    bbox: [x0, y0, w, h],
    area: w * h,
  };
}

/** Classifies an image's predictions against its annotation at a person-score threshold. */
export function triagePredictions(state: AnnotationState, poses: readonly Pose[], threshold: number): Triage {
  const provenance = new Set<string>();
  for (const id of state.order)
    state.persons[id]?.joints.forEach((j, k) => {
      if (j?.model) provenance.add(`${k}:${j.model.x}:${j.model.y}`);
    });
  const rejected = new Set(rejectedOf(state));
  const gts = state.order.map((id) => state.persons[id] && personGt(state.persons[id])).filter((g) => !!g);
  const counts: Triage['counts'] = { below: 0, taken: 0, rejected: 0, covered: 0, pending: 0 };
  const all = poses.map((pose, index): TriagedPrediction => {
    const key = predictionKey(pose);
    let status: PredictionStatus;
    if (pose.joints.some((j, k) => j !== null && provenance.has(`${k}:${j.x}:${j.y}`))) status = 'taken';
    else if (rejected.has(key)) status = 'rejected';
    else if (pose.score < threshold) status = 'below';
    else {
      const dt = poseKeypoints(pose);
      status = gts.some((g) => computeOks(dt, g) >= COVERED_OKS) ? 'covered' : 'pending';
    }
    counts[status]++;
    return { key, index, pose, status };
  });
  const pending = all.filter((t) => t.status === 'pending').sort((x, y) => y.pose.score - x.pose.score);
  return { all, pending, counts };
}

/** Accepts predictions (pending ones) as persons: one diff, model joints with provenance, the pose's score kept. */
export function acceptTriaged(
  state: AnnotationState,
  accepted: readonly TriagedPrediction[],
  newId: (i: number) => string,
): RecordDiff {
  return acceptPredictions(
    state,
    accepted.map((t) => t.pose),
    newId,
  );
}

/** Rejects predictions: their keys join the annotation's rejected ones (one diff; its undo brings them back). */
export function rejectTriaged(state: AnnotationState, rejected: readonly TriagedPrediction[]): RecordDiff {
  const before = rejectedOf(state);
  const after = [...new Set([...before, ...rejected.map((t) => t.key)])];
  const d: RecordDiff = { added: {}, updated: {}, removed: {} };
  if (after.length > before.length) d.rejectedPredictions = [before, after];
  return d;
}

/** The pending prediction after (or before) `key` in score order, wrapping; null when none is pending. */
export function nextPending(triage: Triage, key: string | null, direction: 1 | -1 = 1): TriagedPrediction | null {
  const list = triage.pending;
  if (!list.length) return null;
  const i = key === null ? -1 : list.findIndex((t) => t.key === key);
  if (i < 0) return direction === 1 ? list[0] : list[list.length - 1];
  return list[(i + direction + list.length) % list.length];
}
