import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Statement } from 'better-sqlite3';
import { applyDiff, invertDiff, isEmptyDiff, squashDiffs, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../core/edit/poseRecords.ts';
import type { HistoryEntry } from '../../core/edit/editHistory.ts';
import {
  diffMismatches,
  diffShapeProblems,
  stateProblems,
  type EditProblem,
  type ImageSize,
} from '../../core/edit/diffChecks.ts';
import { describeConflict, rebaseDiff } from '../../core/edit/rebaseDiff.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { perConnection } from '../db/statementCache.ts';

interface EditRow {
  id: number;
  seq: number;
  diff_json: string;
  undone: number;
}
interface StoredDiff {
  diff: RecordDiff;
  label: string;
  group?: string;
}

/** An annotation as a client sees it: state, revision, and whether undo/redo have something to do. */
export interface AnnotationView {
  state: AnnotationState;
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
}

export interface ApplyOptions {
  group?: string;
  /**
   * The revision the diff was made on. Stale: the diff is re-based field by field onto the stored state (rebaseDiff)
   * or, where another edit changed the same field since, refused with a `conflict` ApiError carrying the current
   * AnnotationView. Absent: the diff must fit the stored state as it is (import does this inside its transaction).
   */
  baseRevision?: number;
  /** The diff may add or change imported COCO fields (import only). */
  imported?: boolean;
  now?: number;
}

/**
 * An image's annotation and its undo/redo history in the project database. Every change is one IMMEDIATE
 * transaction (writeTransaction): the new state (with revision + 1) and one `edits` row; consecutive changes of
 * one gesture (same group) squash into the last row, so a drag is one undo step; a new change drops the redo rows.
 * Every diff is checked against the image and the record it changes before anything is written, so a stored
 * annotation always exports. Killing the process at any moment loses at most the change in flight.
 */
export class AnnotationStore {
  private readonly db: ProjectDb;
  /** Statements prepared once: preparing costs more than running them. Each is an indexed lookup (migration 005). */
  private readonly q: Record<
    | 'load'
    | 'dropRedo'
    | 'last'
    | 'squash'
    | 'insert'
    | 'lastDone'
    | 'firstUndone'
    | 'mark'
    | 'write'
    | 'rows'
    | 'canUndo'
    | 'canRedo',
    Statement
  >;

  constructor(db: ProjectDb) {
    this.db = db;
    const edit = 'SELECT id, seq, diff_json, undone FROM edits WHERE image_id = ?';
    this.q = {
      load: db.prepare('SELECT persons_json, revision FROM annotations WHERE image_id = ?'),
      dropRedo: db.prepare('DELETE FROM edits WHERE image_id = ? AND undone = 1'),
      last: db.prepare(`${edit} ORDER BY seq DESC LIMIT 1`),
      squash: db.prepare('UPDATE edits SET diff_json = ?, created_at = ? WHERE id = ?'),
      insert: db.prepare('INSERT INTO edits (image_id, seq, diff_json, created_at) VALUES (?, ?, ?, ?)'),
      lastDone: db.prepare(`${edit} AND undone = 0 ORDER BY seq DESC LIMIT 1`),
      firstUndone: db.prepare(`${edit} AND undone = 1 ORDER BY seq LIMIT 1`),
      mark: db.prepare('UPDATE edits SET undone = ? WHERE id = ?'),
      write: db.prepare(
        'INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (image_id) DO UPDATE SET persons_json = excluded.persons_json, revision = excluded.revision, updated_at = excluded.updated_at',
      ),
      rows: db.prepare(`${edit} ORDER BY seq`),
      canUndo: db.prepare('SELECT EXISTS (SELECT 1 FROM edits WHERE image_id = ? AND undone = 0)').pluck(),
      canRedo: db.prepare('SELECT EXISTS (SELECT 1 FROM edits WHERE image_id = ? AND undone = 1)').pluck(),
    };
  }

  load(imageId: number): { state: AnnotationState; revision: number } {
    const row = this.q.load.get(imageId) as { persons_json: string; revision: number } | undefined;
    return row
      ? { state: JSON.parse(row.persons_json) as AnnotationState, revision: row.revision }
      : { state: EMPTY_ANNOTATION, revision: 0 };
  }

  /** The stored annotation of an image; undefined when it has none (never edited nor imported). */
  stored(imageId: number): AnnotationState | undefined {
    const row = this.q.load.get(imageId) as { persons_json: string } | undefined;
    return row && (JSON.parse(row.persons_json) as AnnotationState);
  }

  /** State, revision and undo/redo availability, read together (one snapshot). */
  view(imageId: number): AnnotationView {
    return this.db.transaction(() => ({
      ...this.load(imageId),
      canUndo: this.q.canUndo.get(imageId) === 1,
      canRedo: this.q.canRedo.get(imageId) === 1,
    }))();
  }

  /** The history as the editor uses it (oldest first for undo, next-to-redo last for redo). */
  history(imageId: number): { undo: HistoryEntry[]; redo: HistoryEntry[] } {
    const rows = this.q.rows.all(imageId) as EditRow[];
    const entry = (r: EditRow): HistoryEntry => JSON.parse(r.diff_json) as StoredDiff;
    return {
      undo: rows.filter((r) => !r.undone).map(entry),
      redo: rows
        .filter((r) => r.undone)
        .reverse()
        .map(entry),
    };
  }

  /**
   * Checks, applies and records a change; returns the new state and revision (`saved` false: the stored ones,
   * unchanged, as when a re-based diff has nothing left to do). Refusals are ApiErrors: `not_found` (no such image), `unprocessable`
   * (a malformed diff, or one that does not fit the record it names), `conflict` (see ApplyOptions.baseRevision),
   * `unavailable` (the database stayed locked).
   */
  apply(
    imageId: number,
    diff: RecordDiff,
    label: string,
    o: ApplyOptions = {},
  ): { state: AnnotationState; revision: number; saved: boolean } {
    if (isEmptyDiff(diff)) return { ...this.load(imageId), saved: false };
    return writeTransaction(this.db, 'the edit', () => {
      const size = this.imageSize(imageId);
      refuseProblems(diffShapeProblems(diff, size, o.imported));
      const { state, revision } = this.load(imageId);
      const applied = this.fit(imageId, state, revision, diff, o.baseRevision);
      if (isEmptyDiff(applied)) return { state, revision, saved: false };
      const next = applyDiff(state, applied);
      refuseProblems(stateProblems(next));
      this.record(imageId, applied, label, o.group, o.now ?? Date.now());
      return { ...this.write(imageId, next, revision + 1, o.now ?? Date.now()), saved: true };
    });
  }

  undo(
    imageId: number,
    o: { baseRevision?: number; now?: number } = {},
  ): { state: AnnotationState; revision: number; label: string } | null {
    return this.step(imageId, 'undo', o.baseRevision, o.now ?? Date.now());
  }

  redo(
    imageId: number,
    o: { baseRevision?: number; now?: number } = {},
  ): { state: AnnotationState; revision: number; label: string } | null {
    return this.step(imageId, 'redo', o.baseRevision, o.now ?? Date.now());
  }

  /**
   * Undo: invert the newest done edit and mark it undone; redo: re-apply the oldest undone edit. One transaction.
   * `baseRevision` (the revision the client saw): when stale, refused as a conflict, so that nobody undoes a change
   * they have not seen.
   */
  private step(
    imageId: number,
    way: 'undo' | 'redo',
    baseRevision: number | undefined,
    now: number,
  ): { state: AnnotationState; revision: number; label: string } | null {
    return writeTransaction(this.db, way === 'undo' ? 'the undo' : 'the redo', () => {
      const { state, revision } = this.load(imageId);
      if (baseRevision !== undefined && baseRevision !== revision)
        throw this.conflict(
          imageId,
          `the annotation changed since revision ${baseRevision} (another window or writer made revision ${revision}); look at the current annotation, then ${way} again`,
        );
      const row = (way === 'undo' ? this.q.lastDone : this.q.firstUndone).get(imageId) as EditRow | undefined;
      if (!row) return null;
      const stored = JSON.parse(row.diff_json) as StoredDiff;
      const d = way === 'undo' ? invertDiff(stored.diff) : stored.diff;
      const mismatch = diffMismatches(state, d);
      if (mismatch.length)
        throw new ApiError('conflict', `cannot ${way} "${stored.label}": ${mismatch[0].message}`, this.view(imageId));
      this.q.mark.run(way === 'undo' ? 1 : 0, row.id);
      return { ...this.write(imageId, applyDiff(state, d), revision + 1, now), label: stored.label };
    });
  }

  /** The diff to apply to the stored state: `diff` itself when made on it, else re-based (or refused). */
  private fit(
    imageId: number,
    state: AnnotationState,
    revision: number,
    diff: RecordDiff,
    base: number | undefined,
  ): RecordDiff {
    if (base !== undefined && base > revision)
      refuseProblems([{ path: 'revision', message: `${base} is newer than the stored revision ${revision}` }]);
    if (base === undefined || base === revision) {
      refuseProblems(diffMismatches(state, diff));
      return diff;
    }
    const { diff: rebased, conflicts } = rebaseDiff(state, diff);
    if (conflicts.length)
      throw this.conflict(
        imageId,
        `another writer changed ${conflicts.map(describeConflict).slice(0, 3).join(', ')}${conflicts.length > 3 ? ', …' : ''} since revision ${base} (now ${revision}); the current annotation is shown, apply the change to it again`,
      );
    return rebased;
  }

  private conflict(imageId: number, message: string): ApiError {
    return new ApiError('conflict', message, this.view(imageId));
  }

  private imageSize(imageId: number): ImageSize {
    const size: ImageSize | undefined = imageRepository(this.db).size(imageId);
    if (!size) throw new ApiError('not_found', `no image ${imageId} in this project`);
    return size;
  }

  /** Targeted, indexed queries (migration 005): recording stays O(1) however long the history grows. */
  private record(imageId: number, diff: RecordDiff, label: string, group: string | undefined, now: number): void {
    const hadRedo = this.q.dropRedo.run(imageId).changes > 0;
    const last = this.q.last.get(imageId) as EditRow | undefined;
    const lastDiff = last ? (JSON.parse(last.diff_json) as StoredDiff) : null;
    if (last && lastDiff && group !== undefined && lastDiff.group === group && !hadRedo) {
      this.q.squash.run(JSON.stringify({ ...lastDiff, diff: squashDiffs(lastDiff.diff, diff) }), now, last.id);
    } else {
      this.q.insert.run(imageId, (last ? last.seq : 0) + 1, JSON.stringify({ diff, label, group }), now);
    }
  }

  private write(
    imageId: number,
    state: AnnotationState,
    revision: number,
    now: number,
  ): { state: AnnotationState; revision: number } {
    this.q.write.run(imageId, JSON.stringify(state), revision, now);
    return { state, revision };
  }
}

/** The store of a connection, made once (its statements prepared once). */
export const annotationStore = perConnection((db) => new AnnotationStore(db));

function refuseProblems(problems: EditProblem[]): void {
  if (!problems.length) return;
  const shown = problems
    .slice(0, 4)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  throw new ApiError(
    'unprocessable',
    `the edit was refused: ${shown}${problems.length > 4 ? `; … (${problems.length} problems)` : ''}`,
    { issues: problems },
  );
}
