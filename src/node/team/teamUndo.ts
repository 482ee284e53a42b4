import { ApiError } from '../../contract/apiErrors.ts';
import type { AnnotationView, EditStep } from '../../contract/apiPayloads.ts';
import { stepDiff, stepSeq, type HistoryWindow } from '../../core/edit/editHistory.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';
import { describeConflict, rebaseDiff, type RebaseConflict } from '../../core/edit/rebaseDiff.ts';
import { invertDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { refuseEdit, teamAnnotationStore as store, type TeamHistoryEntry } from './teamAnnotationStore.ts';
import type { TeamClient } from './teamTransaction.ts';

// Undo and redo on a team project. Each person has their own undo history of an image, made of their own edit rows
// (team_edits: who, when, diff), newest first and across sessions: an undo is a new edit by the same user, the
// inverse of their edit N (flagged as undoing it), re-based onto the image as it is now like any stale edit, and
// refused by name where someone else changed what it would restore; a redo re-applies the undone edit until the
// user makes a new one. Nobody's undo touches another person's edits.

/** Entries on each side of the cursor that an opened annotation brings (as the local project's HISTORY_PAGE). */
export const TEAM_HISTORY_PAGE = 20;

/** The annotation as `userId`'s editor opens it: the state, its revision and that user's history around the cursor. */
export async function teamAnnotationView(c: TeamClient, imageId: number, userId: number): Promise<AnnotationView> {
  const a = await store.load(c, imageId);
  const { cursor } = await store.historyPosition(c, imageId, userId);
  const history = await teamHistoryWindow(
    c,
    imageId,
    userId,
    a.state,
    cursor - TEAM_HISTORY_PAGE + 1,
    cursor + TEAM_HISTORY_PAGE,
  );
  return { state: a.state, revision: a.revision, history };
}

/**
 * Entries `from`..`to` (clamped to the history) of the user's history. The entries next to the cursor are given as
 * they apply to `state` now (re-based onto the others' edits since), so that the editor's own undo shows what the
 * saved one will do; one that no longer applies is given as saved, and its save is refused by name.
 */
export async function teamHistoryWindow(
  c: TeamClient,
  imageId: number,
  userId: number,
  state: AnnotationState,
  from: number,
  to: number,
): Promise<HistoryWindow> {
  const { cursor, length } = await store.historyPosition(c, imageId, userId);
  const first = Math.max(1, from);
  const last = Math.min(length, to);
  const rows = last >= first ? await store.historyEntries(c, imageId, userId, first, last) : [];
  if (rows.some((e, i) => e.seq !== first + i) || rows.length !== Math.max(0, last - first + 1))
    throw new Error(`the undo history of image ${imageId} is missing entries ${first}..${last}`);
  const entries = rows.map((e) => {
    if (e.seq === cursor) return { label: e.label, diff: asApplied(state, e, 'undo') };
    if (e.seq === cursor + 1) return { label: e.label, diff: asApplied(state, e, 'redo') };
    return { label: e.label, diff: e.diff };
  });
  return { cursor, length, first, entries };
}

/** The entry's diff such that the history's `kind` of it (its inverse for an undo) applies to `state`. */
function asApplied(state: AnnotationState, e: TeamHistoryEntry, kind: 'undo' | 'redo'): RecordDiff {
  const r = rebaseDiff(state, stepDiff(kind, e));
  if (r.conflicts.length) return e.diff;
  return kind === 'undo' ? invertDiff(r.diff) : r.diff;
}

/**
 * Saves one step of `userId`'s history made on `revision`, inside the caller's write transaction (the image row
 * locked): a `do` is a new entry after the user's cursor (dropping their undone ones), an undo or redo acts on the
 * entry the user's cursor says (`seq` must name it: another window of theirs may have moved it). `exact`: the step
 * was saved just as the editor that made it applied it (on the current revision, nothing re-based), so the editor
 * may replay it on its copy of the history instead of taking the saved state.
 */
export async function saveTeamStep(
  c: TeamClient,
  o: { imageId: number; userId: number; revision: number; step: EditStep; now: number },
): Promise<{ state: AnnotationState; revision: number; exact: boolean }> {
  const { imageId, userId, step } = o;
  const pos = await store.historyPosition(c, imageId, userId);
  if (step.kind === 'do') {
    const seq = pos.cursor + 1;
    const history = { kind: 'do' as const, seq, cursor: seq, length: seq, undoes: null };
    try {
      const saved = await store.save(c, { ...o, diff: step.diff, label: step.label, step: history });
      const exact = !saved.rebased && saved.revision === o.revision + 1 && (step.seq ?? seq) === seq;
      return { ...saved, exact };
    } catch (err) {
      // the refusal carries the annotation as this user's getAnnotation gives it, their history included
      if (err instanceof ApiError && err.code === 'conflict')
        throw new ApiError('conflict', err.message, await teamAnnotationView(c, imageId, userId));
      throw err;
    }
  }
  const seq = stepSeq(step.kind, pos.cursor);
  if (step.seq !== seq || seq < 1 || seq > pos.length)
    throw new ApiError(
      'conflict',
      `there is no ${step.kind} of your edit ${step.seq} on image ${imageId}: ${
        pos.length
          ? `your history of it is at edit ${pos.cursor} of ${pos.length} (another window of yours moved it)`
          : "you have made no edit of it (another person's edits are theirs to undo)"
      }; the current annotation is shown`,
      await teamAnnotationView(c, imageId, userId),
    );
  const [entry] = await store.historyEntries(c, imageId, userId, seq, seq);
  const cur = await store.load(c, imageId, true);
  if (o.revision > cur.revision)
    refuseEdit([{ path: 'revision', message: `${o.revision} is newer than the stored revision ${cur.revision}` }]);
  const { diff, conflicts } = rebaseDiff(cur.state, stepDiff(step.kind, entry));
  if (conflicts.length)
    throw new ApiError(
      'conflict',
      `your ${step.kind} of "${entry.label}" no longer applies: ${conflicts
        .slice(0, 3)
        .map((x) => changedSince(cur.state, x))
        .join(', ')} since (revision ${cur.revision}); the current annotation is shown`,
      await teamAnnotationView(c, imageId, userId),
    );
  const history = {
    kind: step.kind,
    seq,
    cursor: step.kind === 'undo' ? seq - 1 : seq,
    length: pos.length,
    undoes: entry.revision,
  };
  const saved = await store.save(c, {
    ...o,
    revision: cur.revision,
    diff,
    label: entry.label,
    step: history,
    imported: entry.imported, // an import's COCO fields come and go with it (the local store applies its diff as it is)
  });
  return { ...saved, exact: o.revision === cur.revision && jsonEqual(diff, stepDiff(step.kind, entry)) };
}

/** "person p2 was deleted", "left knee of person p2 was changed by someone else" — for a refused undo or redo. */
function changedSince(state: AnnotationState, x: RebaseConflict): string {
  if (x.field === 'person' && x.personId !== null && !state.persons[x.personId])
    return `person ${x.personId} was deleted by someone else`;
  return `${describeConflict(x)} was changed by someone else`;
}
