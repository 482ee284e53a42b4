import { ApiError } from '../../contract/apiErrors.ts';
import { diffMismatches, diffShapeProblems, stateProblems, type EditProblem } from '../../core/edit/diffChecks.ts';
import { EMPTY_HISTORY } from '../../core/edit/editHistory.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../core/edit/poseRecords.ts';
import { describeConflict, rebaseDiff } from '../../core/edit/rebaseDiff.ts';
import { applyDiff, isEmptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_annotations` and `team_edits` tables: an image's current annotation with its revision, and every saved
// edit with who made it and when.

export interface TeamAnnotation {
  state: AnnotationState;
  revision: number;
  updatedBy: number | null;
  updatedAt: number | null;
}

/** One saved edit of an image, as the history of who changed what lists it. */
export interface TeamEditRecord {
  revision: number;
  label: string;
  userId: number | null;
  at: number;
  diff: RecordDiff;
  /** null: nobody's undo history (a push's edit, an import's saved before imports were history steps); `undoes`: the revision an undo/redo acts on. */
  kind: TeamHistoryStep['kind'] | null;
  undoes: number | null;
}

/** Where an edit row puts its user's undo history of the image (migration 004; the rules: teamUndo.ts). */
export interface TeamHistoryStep {
  kind: 'do' | 'undo' | 'redo';
  /** The entry: a new one for `do`, the one undone or redone otherwise. */
  seq: number;
  cursor: number;
  length: number;
  /** The revision of the edit an undo inverts or a redo re-applies. */
  undoes: number | null;
}

/** One entry of a user's undo history: the edit's diff as saved and where it was saved. */
export interface TeamHistoryEntry {
  seq: number;
  revision: number;
  label: string;
  diff: RecordDiff;
  /** An import's entry: its undo and redo may change the file's COCO fields, as the import did. */
  imported: boolean;
}

export const teamAnnotationStore = {
  async load(c: TeamClient, imageId: number, forUpdate = false): Promise<TeamAnnotation> {
    const r = await c.query<{ persons_json: string; revision: number; updated_by: string | null; updated_at: string }>(
      `SELECT persons_json, revision, updated_by, updated_at FROM team_annotations WHERE image_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [imageId],
    );
    const row = r.rows[0];
    return row
      ? {
          state: JSON.parse(row.persons_json) as AnnotationState,
          revision: row.revision,
          updatedBy: row.updated_by === null ? null : Number(row.updated_by),
          updatedAt: Number(row.updated_at),
        }
      : { state: EMPTY_ANNOTATION, revision: 0, updatedBy: null, updatedAt: null };
  },

  /** Every stored annotation (image id → state), for an export. */
  async all(c: TeamClient): Promise<Map<number, AnnotationState>> {
    const r = await c.query<{ image_id: string; persons_json: string }>(
      'SELECT image_id, persons_json FROM team_annotations',
    );
    return new Map(r.rows.map((x) => [Number(x.image_id), JSON.parse(x.persons_json) as AnnotationState]));
  },

  /** Writes pushed annotations as they are (state and revision), inside the push's transaction. */
  async insertMany(c: TeamClient, rows: { imageId: number; state: AnnotationState; revision: number }[], at: number) {
    if (!rows.length) return;
    await c.query(
      `INSERT INTO team_annotations (image_id, persons_json, revision, updated_at)
       SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::int[], $4::bigint[])`,
      [
        rows.map((x) => x.imageId),
        rows.map((x) => JSON.stringify(x.state)),
        rows.map((x) => x.revision),
        rows.map(() => at),
      ],
    );
  },

  /**
   * Saves one edit made on `revision` by `userId`, inside the caller's write transaction: the image and its
   * annotation row are locked first (FOR UPDATE, so two saves of one image are serialised and neither reads a
   * state the other is replacing), the diff is checked against the image, and a stale edit is re-based field by
   * field (core rebaseDiff, the local project's rule) or refused as a `conflict` carrying the current annotation.
   * Writes the new state (revision + 1) and the edit's row (who, when).
   */
  async save(
    c: TeamClient,
    o: {
      imageId: number;
      revision: number;
      diff: RecordDiff;
      label: string;
      userId: number | null;
      now: number;
      /**
       * An import's edit: COCO fields of the file allowed (as the local store's), flagged for re-imports; with an
       * undo or redo step, that of an import's edit (the fields allowed, the row not flagged).
       */
      imported?: boolean;
      /** The step of the user's undo history this edit is; an undo or redo is written even when it changes nothing. */
      step?: TeamHistoryStep;
    },
  ): Promise<{ state: AnnotationState; revision: number; rebased: boolean }> {
    const image = await teamImageRepository.get(c, o.imageId, true);
    if (!image) throw new ApiError('not_found', `no image ${o.imageId} in this team project`);
    refuseEdit(diffShapeProblems(o.diff, image, o.imported === true));
    const cur = await teamAnnotationStore.load(c, o.imageId, true);
    if (o.revision > cur.revision)
      refuseEdit([{ path: 'revision', message: `${o.revision} is newer than the stored revision ${cur.revision}` }]);
    const stale = o.revision < cur.revision;
    let diff = o.diff;
    if (stale) {
      const { diff: rebased, conflicts } = rebaseDiff(cur.state, o.diff);
      if (conflicts.length)
        throw new ApiError(
          'conflict',
          `another annotator changed ${conflicts.map(describeConflict).slice(0, 3).join(', ')} since revision ${o.revision} (now ${cur.revision}); the current annotation is shown, apply the change to it again`,
          { state: cur.state, revision: cur.revision, history: EMPTY_HISTORY }, // a user's save adds their history (teamUndo.ts)
        );
      diff = rebased;
    } else refuseEdit(diffMismatches(cur.state, diff));
    if (isEmptyDiff(diff) && (o.step?.kind ?? 'do') === 'do')
      return { state: cur.state, revision: cur.revision, rebased: stale };
    const next = applyDiff(cur.state, diff);
    refuseEdit(stateProblems(next));
    const revision = cur.revision + 1;
    await c.query(
      `INSERT INTO team_annotations (image_id, persons_json, revision, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (image_id) DO UPDATE SET persons_json = EXCLUDED.persons_json, revision = EXCLUDED.revision,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [o.imageId, JSON.stringify(next), revision, o.now, o.userId],
    );
    await c.query(
      `INSERT INTO team_edits (image_id, revision, diff_json, label, user_id, created_at, imported,
         step_kind, step_seq, history_cursor, history_length, undoes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        o.imageId,
        revision,
        JSON.stringify(diff),
        o.label,
        o.userId,
        o.now,
        // the import's own edit is flagged (what importDiffs reads); its undo or redo only carries its COCO fields
        o.imported === true && (o.step?.kind ?? 'do') === 'do',
        ...(o.step
          ? [o.step.kind, o.step.seq, o.step.cursor, o.step.length, o.step.undoes]
          : [null, null, null, null, null]),
      ],
    );
    return { state: next, revision, rebased: stale };
  },

  /**
   * Every image's import edits (diffs) that stand, newest first: what importedPersons reads. As the local project's
   * done entries: an import undone by its user (its entry after their cursor) or dropped from their history (a new
   * edit of theirs at or before its entry since) does not count; an import from before imports were history steps
   * (no step_kind) always does.
   */
  async importDiffs(c: TeamClient): Promise<Map<number, RecordDiff[]>> {
    const r = await c.query<{ image_id: string; diff_json: string }>(
      `SELECT e.image_id, e.diff_json FROM team_edits e
       WHERE e.imported AND (e.step_kind IS NULL OR (
         e.step_seq <= (SELECT h.history_cursor FROM team_edits h
           WHERE h.image_id = e.image_id AND h.user_id = e.user_id AND h.step_kind IS NOT NULL
           ORDER BY h.revision DESC LIMIT 1)
         AND NOT EXISTS (SELECT 1 FROM team_edits d
           WHERE d.image_id = e.image_id AND d.user_id = e.user_id AND d.step_kind = 'do'
             AND d.step_seq <= e.step_seq AND d.revision > e.revision)))
       ORDER BY e.image_id, e.revision DESC`,
    );
    const out = new Map<number, RecordDiff[]>();
    for (const x of r.rows) {
      const id = Number(x.image_id);
      const l = out.get(id) ?? [];
      l.push(JSON.parse(x.diff_json) as RecordDiff);
      out.set(id, l);
    }
    return out;
  },

  /** Who changed an image's annotation, what and when, oldest first. */
  async edits(c: TeamClient, imageId: number): Promise<TeamEditRecord[]> {
    const r = await c.query<{
      revision: number;
      label: string;
      user_id: string | null;
      created_at: string;
      diff_json: string;
      step_kind: TeamHistoryStep['kind'] | null;
      undoes: number | null;
    }>(
      'SELECT revision, label, user_id, created_at, diff_json, step_kind, undoes FROM team_edits WHERE image_id = $1 ORDER BY revision',
      [imageId],
    );
    return r.rows.map((x) => ({
      revision: x.revision,
      label: x.label,
      userId: x.user_id === null ? null : Number(x.user_id),
      at: Number(x.created_at),
      diff: JSON.parse(x.diff_json) as RecordDiff,
      kind: x.step_kind,
      undoes: x.undoes,
    }));
  },

  /** Where `userId`'s undo history of the image is: its latest step's row (none: an empty history). */
  async historyPosition(c: TeamClient, imageId: number, userId: number): Promise<{ cursor: number; length: number }> {
    const r = await c.query<{ history_cursor: number; history_length: number }>(
      `SELECT history_cursor, history_length FROM team_edits
       WHERE image_id = $1 AND user_id = $2 AND step_kind IS NOT NULL ORDER BY revision DESC LIMIT 1`,
      [imageId, userId],
    );
    const row = r.rows[0];
    return row ? { cursor: row.history_cursor, length: row.history_length } : { cursor: 0, length: 0 };
  },

  /**
   * Entries `from`..`to` of the user's undo history: for each seq the latest `do` row at it (an older one was
   * dropped by a new edit after an undo). The caller keeps `to` within the history's length.
   */
  async historyEntries(c: TeamClient, imageId: number, userId: number, from: number, to: number) {
    const r = await c.query<{
      step_seq: number;
      revision: number;
      label: string;
      diff_json: string;
      imported: boolean;
    }>(
      `SELECT DISTINCT ON (step_seq) step_seq, revision, label, diff_json, imported FROM team_edits
       WHERE image_id = $1 AND user_id = $2 AND step_kind = 'do' AND step_seq BETWEEN $3 AND $4
       ORDER BY step_seq, revision DESC`,
      [imageId, userId, from, to],
    );
    return r.rows.map(
      (x): TeamHistoryEntry => ({
        seq: x.step_seq,
        revision: x.revision,
        label: x.label,
        diff: JSON.parse(x.diff_json) as RecordDiff,
        imported: x.imported,
      }),
    );
  },
};

/** Refuses (422) with every problem, as the local store does. */
export function refuseEdit(problems: EditProblem[]): void {
  if (!problems.length) return;
  const shown = problems
    .slice(0, 4)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  throw new ApiError('unprocessable', `the edit was refused: ${shown}`, { issues: problems });
}
