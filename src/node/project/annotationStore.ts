import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Statement } from 'better-sqlite3';
import { applyDiff, invertDiff, isEmptyDiff, squashDiffs, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../core/edit/poseRecords.ts';
import type { HistoryEntry } from '../../core/edit/editHistory.ts';

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

/**
 * An image's annotation and its undo/redo history in the project database. Every change is one transaction:
 * the new state (with revision + 1) and one `edits` row; consecutive changes of one gesture (same group) squash into
 * the last row, so a drag is one undo step; a new change drops the redo rows. Killing the process at any moment
 * loses at most the change in flight.
 */
export class AnnotationStore {
  private readonly db: ProjectDb;
  /** Statements prepared once: preparing costs more than running them. */
  private readonly q: Record<
    'load' | 'dropRedo' | 'last' | 'squash' | 'insert' | 'lastDone' | 'firstUndone' | 'mark' | 'write' | 'rows',
    Statement
  >;

  constructor(db: ProjectDb) {
    this.db = db;
    this.q = {
      load: db.prepare('SELECT persons_json, revision FROM annotations WHERE image_id = ?'),
      dropRedo: db.prepare('DELETE FROM edits WHERE image_id = ? AND undone = 1'),
      last: db.prepare('SELECT id, seq, diff_json, undone FROM edits WHERE image_id = ? ORDER BY seq DESC LIMIT 1'),
      squash: db.prepare('UPDATE edits SET diff_json = ?, created_at = ? WHERE id = ?'),
      insert: db.prepare('INSERT INTO edits (image_id, seq, diff_json, created_at) VALUES (?, ?, ?, ?)'),
      lastDone: db.prepare(
        'SELECT id, seq, diff_json, undone FROM edits WHERE image_id = ? AND undone = 0 ORDER BY seq DESC LIMIT 1',
      ),
      firstUndone: db.prepare(
        'SELECT id, seq, diff_json, undone FROM edits WHERE image_id = ? AND undone = 1 ORDER BY seq LIMIT 1',
      ),
      mark: db.prepare('UPDATE edits SET undone = ? WHERE id = ?'),
      write: db.prepare(
        'INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (image_id) DO UPDATE SET persons_json = excluded.persons_json, revision = excluded.revision, updated_at = excluded.updated_at',
      ),
      rows: db.prepare('SELECT id, seq, diff_json, undone FROM edits WHERE image_id = ? ORDER BY seq'),
    };
  }

  load(imageId: number): { state: AnnotationState; revision: number } {
    const row = this.q.load.get(imageId) as { persons_json: string; revision: number } | undefined;
    return row
      ? { state: JSON.parse(row.persons_json) as AnnotationState, revision: row.revision }
      : { state: EMPTY_ANNOTATION, revision: 0 };
  }

  /** The history as the editor uses it (oldest first for undo, next-to-redo last for redo). */
  history(imageId: number): { undo: HistoryEntry[]; redo: HistoryEntry[] } {
    const rows = this.rows(imageId);
    const entry = (r: EditRow): HistoryEntry => JSON.parse(r.diff_json) as StoredDiff;
    return {
      undo: rows.filter((r) => !r.undone).map(entry),
      redo: rows
        .filter((r) => r.undone)
        .reverse()
        .map(entry),
    };
  }

  /** Applies and records a change; returns the new state and revision. */
  apply(
    imageId: number,
    diff: RecordDiff,
    label: string,
    group?: string,
    now = Date.now(),
  ): { state: AnnotationState; revision: number } {
    if (isEmptyDiff(diff)) return this.load(imageId);
    return this.db.transaction(() => {
      const { state, revision } = this.load(imageId);
      const next = applyDiff(state, diff);
      // Targeted, indexed queries (UNIQUE (image_id, seq)): saving stays O(1) however long the history grows.
      const hadRedo = this.q.dropRedo.run(imageId).changes > 0;
      const last = this.q.last.get(imageId) as EditRow | undefined;
      const lastDiff = last ? (JSON.parse(last.diff_json) as StoredDiff) : null;
      if (last && lastDiff && group !== undefined && lastDiff.group === group && !hadRedo) {
        this.q.squash.run(JSON.stringify({ ...lastDiff, diff: squashDiffs(lastDiff.diff, diff) }), now, last.id);
      } else {
        const seq = (last ? last.seq : 0) + 1;
        this.q.insert.run(imageId, seq, JSON.stringify({ diff, label, group }), now);
      }
      return this.write(imageId, next, revision + 1, now);
    })();
  }

  undo(imageId: number, now = Date.now()): { state: AnnotationState; revision: number; label: string } | null {
    return this.step(imageId, 'undo', now);
  }

  redo(imageId: number, now = Date.now()): { state: AnnotationState; revision: number; label: string } | null {
    return this.step(imageId, 'redo', now);
  }

  /** Undo: invert the newest done edit and mark it undone; redo: re-apply the oldest undone edit. One transaction. */
  private step(
    imageId: number,
    way: 'undo' | 'redo',
    now: number,
  ): { state: AnnotationState; revision: number; label: string } | null {
    return this.db.transaction(() => {
      const row = (way === 'undo' ? this.q.lastDone : this.q.firstUndone).get(imageId) as EditRow | undefined;
      if (!row) return null;
      const { state, revision } = this.load(imageId);
      const stored = JSON.parse(row.diff_json) as StoredDiff;
      this.q.mark.run(way === 'undo' ? 1 : 0, row.id);
      const next = applyDiff(state, way === 'undo' ? invertDiff(stored.diff) : stored.diff);
      return { ...this.write(imageId, next, revision + 1, now), label: stored.label };
    })();
  }

  private rows(imageId: number): EditRow[] {
    return this.q.rows.all(imageId) as EditRow[];
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
