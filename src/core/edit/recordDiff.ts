import { z } from 'zod';
import { PersonIdSchema, PersonRecordSchema, PredictionKeySchema, type AnnotationState } from './poseRecords.ts';

/**
 * A change to an image's annotation, as tldraw-style record diffs: records added, updated ([before, after]) and
 * removed, the display order before/after when it changed, and the rejected predictions' keys before/after when
 * they changed. A diff is its own undo information (`invertDiff`).
 * Declared once as a zod schema (the contract sends it as it is); `RecordDiff` is derived from it.
 */
export const RecordDiffSchema = z.strictObject({
  added: z.record(PersonIdSchema, PersonRecordSchema),
  updated: z.record(PersonIdSchema, z.tuple([PersonRecordSchema, PersonRecordSchema])),
  removed: z.record(PersonIdSchema, PersonRecordSchema),
  order: z.tuple([z.array(PersonIdSchema), z.array(PersonIdSchema)]).optional(),
  rejectedPredictions: z.tuple([z.array(PredictionKeySchema), z.array(PredictionKeySchema)]).optional(),
});
export type RecordDiff = z.output<typeof RecordDiffSchema>;

export function emptyDiff(): RecordDiff {
  return { added: {}, updated: {}, removed: {} };
}

export function isEmptyDiff(d: RecordDiff): boolean {
  return (
    !Object.keys(d.added).length &&
    !Object.keys(d.updated).length &&
    !Object.keys(d.removed).length &&
    !d.order &&
    !d.rejectedPredictions
  );
}

/** The keys of the predictions rejected in `s` (none when the field is absent). */
export function rejectedOf(s: AnnotationState): string[] {
  return s.rejectedPredictions ?? [];
}

/** `s` with `keys` as its rejected predictions (the field left out when there are none, as older states have it). */
function withRejected(s: AnnotationState, keys: string[]): AnnotationState {
  const { rejectedPredictions: _, ...rest } = s;
  return keys.length ? { ...rest, rejectedPredictions: keys } : rest;
}

export class DiffConflictError extends Error {
  override name = 'DiffConflictError';
}

/** Applies a diff; refuses (without changing anything) one that does not fit the state. Returns a new state. */
export function applyDiff(s: AnnotationState, d: RecordDiff): AnnotationState {
  const persons = { ...s.persons };
  for (const id of Object.keys(d.added)) {
    if (persons[id]) throw new DiffConflictError(`person ${id} already exists`);
    persons[id] = d.added[id];
  }
  for (const [id, [, after]] of Object.entries(d.updated)) {
    if (!persons[id]) throw new DiffConflictError(`person ${id} does not exist`);
    persons[id] = after;
  }
  for (const id of Object.keys(d.removed)) {
    if (!persons[id]) throw new DiffConflictError(`person ${id} does not exist`);
    delete persons[id];
  }
  let order = s.order;
  if (d.order) order = [...d.order[1]];
  else {
    order = order.filter((id) => !(id in d.removed));
    for (const id of Object.keys(d.added)) order = [...order, id];
  }
  return withRejected({ ...s, persons, order }, d.rejectedPredictions ? [...d.rejectedPredictions[1]] : rejectedOf(s));
}

/** The diff that undoes `d`. */
export function invertDiff(d: RecordDiff): RecordDiff {
  const updated: RecordDiff['updated'] = {};
  for (const [id, [before, after]] of Object.entries(d.updated)) updated[id] = [after, before];
  return {
    added: d.removed,
    removed: d.added,
    updated,
    ...(d.order ? { order: [d.order[1], d.order[0]] as [string[], string[]] } : {}),
    ...(d.rejectedPredictions
      ? { rejectedPredictions: [d.rejectedPredictions[1], d.rejectedPredictions[0]] as [string[], string[]] }
      : {}),
  };
}

/** One diff with the effect of `a` then `b` (for grouping a drag into one undo step). */
export function squashDiffs(a: RecordDiff, b: RecordDiff): RecordDiff {
  const out: RecordDiff = { added: { ...a.added }, updated: { ...a.updated }, removed: { ...a.removed } };
  for (const [id, rec] of Object.entries(b.added)) {
    if (out.removed[id]) {
      const before = out.removed[id];
      delete out.removed[id];
      out.updated[id] = [before, rec];
    } else out.added[id] = rec;
  }
  for (const [id, [before, after]] of Object.entries(b.updated)) {
    if (out.added[id]) out.added[id] = after;
    else if (out.updated[id]) out.updated[id] = [out.updated[id][0], after];
    else out.updated[id] = [before, after];
  }
  for (const [id, rec] of Object.entries(b.removed)) {
    if (out.added[id]) delete out.added[id];
    else if (out.updated[id]) {
      out.removed[id] = out.updated[id][0];
      delete out.updated[id];
    } else out.removed[id] = rec;
  }
  if (a.order || b.order) out.order = [a.order ? a.order[0] : b.order![0], b.order ? b.order[1] : a.order![1]];
  const ra = a.rejectedPredictions,
    rb = b.rejectedPredictions;
  if (ra || rb) out.rejectedPredictions = [ra ? ra[0] : rb![0], rb ? rb[1] : ra![1]];
  return out;
}
