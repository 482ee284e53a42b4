// The seeded errors of bench:fix-errors on an accepted annotation (the decoder's persons of real COCO photos, whose
// joints sit on the maps' refined peaks): one error at a time on one person, whose joints then read as a hand label
// (source 'human'), as an imported or hand-made annotation with one mistake in it.
import type { AnnotationState, JointRecord, PersonRecord } from '../../src/core/edit/poseRecords.ts';
import type { RecordDiff } from '../../src/core/edit/recordDiff.ts';
import { COCO_FLIP_ORDER, COCO_KEYPOINTS } from '../../src/core/skeleton/poseMeta.ts';
import type { Random } from '../../src/core/synth/seededRandom.ts';

export const ERROR_KINDS = ['swap', 'wrongPerson', 'shift15', 'missingWrist'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const joint = (name: string) => COCO_KEYPOINTS.indexOf(name as (typeof COCO_KEYPOINTS)[number]);
const WRISTS = [joint('left_wrist'), joint('right_wrist')];
/** Joints the 15-px shift is seeded on: limbs' ends and middles, where labels go wrong. */
const SHIFTABLE = ['left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_knee', 'right_knee'].map(joint);
/** Persons worth seeding: this many labelled joints at least (what a reviewer would fix rather than delete). */
const MIN_JOINTS = 8;
/** A wrong-person joint lands this far (image px) from the other person's joint: on it, yet a separate target. */
const WRONG_PERSON_OFFSET_PX = 6;

/** One seeded error: the person, the joint it concerns (null: the whole person) and the person as it was. */
export interface SeededError {
  kind: ErrorKind;
  personId: string;
  joint: number | null;
  truth: PersonRecord;
  /** The diff that seeds it (committed in the page as one step) and the seeded person. */
  diff: RecordDiff;
  seeded: PersonRecord;
}

const labelled = (p: PersonRecord) => p.joints.filter((j) => j && j.v > 0).length;
const asHand = (j: JointRecord | null): JointRecord | null => j && { ...j, source: 'human' };

/** Seeds `kind` on a person of `state` chosen with `rng` (null when no person fits). */
export function seedError(state: AnnotationState, kind: ErrorKind, rng: Random): SeededError | null {
  const persons = state.order.map((id) => state.persons[id]).filter((p) => !p.crowd && labelled(p) >= MIN_JOINTS);
  const fits = persons.filter((p) => fitsKind(p, kind, persons));
  if (!fits.length) return null;
  const truth = rng.pick(fits);
  const joints = truth.joints.map(asHand);
  let k: number | null = null;
  if (kind === 'swap') {
    const swapped = COCO_FLIP_ORDER.map((src) => joints[src]);
    joints.splice(0, joints.length, ...swapped);
  } else if (kind === 'shift15') {
    const ks = SHIFTABLE.filter((q) => truth.joints[q]);
    k = rng.pick(ks);
    const a = rng.uniform(0, 2 * Math.PI);
    joints[k] = { ...joints[k]!, x: joints[k]!.x + 15 * Math.cos(a), y: joints[k]!.y + 15 * Math.sin(a) };
  } else if (kind === 'wrongPerson') {
    const ks = WRISTS.filter((q) => truth.joints[q] && persons.some((o) => o !== truth && o.joints[q]));
    k = rng.pick(ks);
    const q = k;
    const other = nearest(
      persons.filter((o) => o !== truth && o.joints[q]),
      truth.joints[q]!,
      q,
    );
    const a = rng.uniform(0, 2 * Math.PI);
    const o = other.joints[q]!;
    joints[q] = {
      ...joints[q]!,
      x: o.x + WRONG_PERSON_OFFSET_PX * Math.cos(a),
      y: o.y + WRONG_PERSON_OFFSET_PX * Math.sin(a),
    };
  } else {
    const ks = WRISTS.filter((q) => truth.joints[q]);
    k = rng.pick(ks);
    joints[k] = null;
  }
  const seeded: PersonRecord = { ...truth, joints };
  return { kind, personId: truth.id, joint: k, truth, seeded, diff: update(truth, seeded) };
}

function fitsKind(p: PersonRecord, kind: ErrorKind, all: PersonRecord[]): boolean {
  if (kind === 'swap') return COCO_FLIP_ORDER.some((src, k) => src !== k && p.joints[k]);
  if (kind === 'shift15') return SHIFTABLE.some((k) => p.joints[k]);
  if (kind === 'missingWrist') return WRISTS.some((k) => p.joints[k]);
  return WRISTS.some((k) => p.joints[k] && all.some((o) => o !== p && o.joints[k]));
}

function nearest(persons: PersonRecord[], at: { x: number; y: number }, k: number): PersonRecord {
  const d = (p: PersonRecord) => Math.hypot(p.joints[k]!.x - at.x, p.joints[k]!.y - at.y);
  return persons.reduce((a, b) => (d(b) < d(a) ? b : a));
}

/** The diff that turns person `from` into `to` (one undo step). */
export function update(from: PersonRecord, to: PersonRecord): RecordDiff {
  return { added: {}, removed: {}, updated: { [from.id]: [from, to] } };
}

/** The largest distance (image px) of a joint of `p` from `truth`'s; Infinity when a joint is missing or extra. */
export function residualPx(p: PersonRecord | undefined, truth: PersonRecord): number {
  if (!p) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let k = 0; k < truth.joints.length; k++) {
    const a = p.joints[k],
      b = truth.joints[k];
    if (!a !== !b) return Number.POSITIVE_INFINITY;
    if (a && b) worst = Math.max(worst, Math.hypot(a.x - b.x, a.y - b.y));
  }
  return worst;
}
