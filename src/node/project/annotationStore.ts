import { personsAsImported } from '../../core/edit/importedPersons.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Statement } from 'better-sqlite3';
import { applyDiff, isEmptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState, type PersonRecord } from '../../core/edit/poseRecords.ts';
import { stepDiff, stepSeq, type HistoryEntry } from '../../core/edit/editHistory.ts';
import {
  diffMismatches,
  diffShapeProblems,
  stateProblems,
  type EditProblem,
  type ImageSize,
} from '../../core/edit/diffChecks.ts';
import { describeConflict, rebaseDiff } from '../../core/edit/rebaseDiff.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import type { AnnotationView, EditStep } from '../../contract/apiPayloads.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { perConnection } from '../db/statementCache.ts';

/** An annotation as a client loads it (the contract's AnnotationView: state, revision, a window of its history). */
export type { AnnotationView };

/**
 * A step of the editor's EditHistory as the store receives it (the contract's EditStep): `do` a new entry (its
 * `seq`, when given, is checked against the stored cursor), `undo`/`redo` of entry `seq` (the store applies its own
 * stored diff).
 */
export type StoredStep = EditStep;

export interface SaveOptions {
  /**
   * The revision the steps were made on. Stale: each `do` is re-based field by field onto the stored state
   * (rebaseDiff) or, where another writer changed the same field since, refused with a `conflict` ApiError carrying
   * the current AnnotationView; an undo or redo is refused the same way (nobody undoes a change they have not
   * seen). Absent: the diffs must fit the stored state as it is (import does this inside its transaction).
   */
  baseRevision?: number;
  /** The diffs may add or change imported COCO fields (import only). */
  imported?: boolean;
  now?: number;
}

export interface SaveResult {
  state: AnnotationState;
  revision: number;
  cursor: number;
  length: number;
  /** False: nothing changed (a re-based diff had nothing left to do). */
  saved: boolean;
  /** The steps were made on an older revision: `state` holds other writers' changes too. */
  rebased: boolean;
}

/** The label of the history entry a COCO import makes in each image it changes. */
export const IMPORT_LABEL = 'import COCO';

/** Entries loaded with an annotation on each side of the cursor; older ones are paged in on demand (`entries`). */
export const HISTORY_PAGE = 20;

/**
 * An image's annotation and the persisted entries of its EditHistory. The history's rules (what an undo takes, that
 * a new entry drops the undone ones, batches) are the editor's `EditHistory`; the store checks that each step fits
 * where the stored history is (`stepSeq`) and persists it: the new state (revision + 1 per step) and the `edits` row
 * of its entry (seq = position, 1..length; `undone` for the entries after the cursor). Every diff is checked against
 * the image and the record it changes before anything is written, so a stored annotation always exports; all steps
 * of one save are one IMMEDIATE transaction. Killing the process at any moment loses at most the save in flight.
 */
export class AnnotationStore {
  private readonly db: ProjectDb;
  /** Statements prepared once; each is an indexed lookup (UNIQUE (image_id, seq), migration 005). */
  private readonly q: Record<
    'load' | 'all' | 'cursor' | 'length' | 'entry' | 'range' | 'done' | 'dropAfter' | 'insert' | 'mark' | 'write',
    Statement
  >;

  constructor(db: ProjectDb) {
    this.db = db;
    this.q = {
      load: db.prepare('SELECT persons_json, revision FROM annotations WHERE image_id = ?'),
      all: db.prepare('SELECT image_id, persons_json FROM annotations').raw(),
      cursor: db.prepare('SELECT MAX(seq) FROM edits WHERE image_id = ? AND undone = 0').pluck(),
      length: db.prepare('SELECT MAX(seq) FROM edits WHERE image_id = ?').pluck(),
      entry: db.prepare('SELECT id, diff_json FROM edits WHERE image_id = ? AND seq = ?'),
      range: db.prepare('SELECT seq, diff_json FROM edits WHERE image_id = ? AND seq BETWEEN ? AND ? ORDER BY seq'),
      done: db.prepare('SELECT diff_json FROM edits WHERE image_id = ? AND undone = 0 ORDER BY seq DESC').pluck(),
      dropAfter: db.prepare('DELETE FROM edits WHERE image_id = ? AND seq > ?'),
      insert: db.prepare('INSERT INTO edits (image_id, seq, diff_json, created_at) VALUES (?, ?, ?, ?)'),
      mark: db.prepare('UPDATE edits SET undone = ? WHERE id = ?'),
      write: db.prepare(
        'INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (image_id) DO UPDATE SET persons_json = excluded.persons_json, revision = excluded.revision, updated_at = excluded.updated_at',
      ),
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

  /**
   * Every stored annotation, one at a time, in one pass over the table (an export of 100,000 images: a third of the
   * time of reading them one by one, and never all parsed at once). Inside a read transaction for one snapshot.
   */
  *allStored(): Generator<[number, AnnotationState]> {
    for (const [imageId, json] of this.q.all.iterate() as Iterable<[number, string]>)
      yield [imageId, JSON.parse(json) as AnnotationState];
  }

  /**
   * Each person as the latest import that touched it left it (null: that import removed it), from the done entries
   * of the history, newest first; persons no import made are absent. What a re-import compares a person with to
   * tell whether it was edited in the project since (undoing an import makes the one before it the latest).
   */
  importedPersons(imageId: number): Map<string, PersonRecord | null> {
    const entries = (this.q.done.all(imageId) as string[]).map(
      (j) => JSON.parse(j) as HistoryEntry & { imported?: boolean },
    );
    // entries written before the flag existed are known by the import's label; an edit labelled so is not one
    const imports = entries.filter((e) => e.imported ?? e.label === IMPORT_LABEL);
    return personsAsImported(imports.map((e) => e.diff));
  }

  /** State, revision and the history around its cursor (`page` entries each side), read together. */
  view(imageId: number, page = HISTORY_PAGE): AnnotationView {
    return this.db.transaction(() => {
      const { cursor, length } = this.position(imageId);
      const first = Math.max(1, cursor - page + 1);
      const entries = this.readEntries(imageId, first, Math.min(length, cursor + page));
      return { ...this.load(imageId), history: { cursor, length, first, entries } };
    })();
  }

  /**
   * Entries `from`..`to` of the history as it is at `revision` (an editor paging in older entries); refused as a
   * `conflict` with the current view when the annotation changed since.
   */
  entries(imageId: number, revision: number, from: number, to: number): HistoryEntry[] {
    return this.db.transaction(() => {
      this.imageSize(imageId);
      const now = this.load(imageId).revision;
      if (now !== revision)
        throw this.conflict(imageId, `the annotation changed since revision ${revision} (now ${now}); reload it`);
      const { length } = this.position(imageId);
      return this.readEntries(imageId, Math.max(1, from), Math.min(to, length));
    })();
  }

  /** One new entry: `save` with a single `do` step (import, scripts, tests). */
  apply(imageId: number, diff: RecordDiff, label: string, o: SaveOptions = {}): SaveResult {
    return this.save(imageId, [{ kind: 'do', diff, label }], o);
  }

  /**
   * Checks and persists steps of an EditHistory, in order, in one transaction. Refusals are ApiErrors: `not_found`
   * (no such image), `unprocessable` (a malformed diff, or one that does not fit the record it names), `conflict`
   * (see SaveOptions.baseRevision; also a step that does not follow the stored history), `unavailable` (locked).
   */
  save(imageId: number, steps: StoredStep[], o: SaveOptions = {}): SaveResult {
    return writeTransaction(this.db, 'the edit', () => {
      const size = this.imageSize(imageId);
      steps.forEach((st, i) => {
        if (st.kind === 'do') refuseProblems(diffShapeProblems(st.diff, size, o.imported), steps.length > 1 ? i : -1);
      });
      let { state, revision } = this.load(imageId);
      const base = o.baseRevision;
      if (base !== undefined && base > revision)
        refuseProblems([{ path: 'revision', message: `${base} is newer than the stored revision ${revision}` }]);
      const stale = base !== undefined && base < revision;
      let { cursor, length } = this.position(imageId);
      const now = o.now ?? Date.now();
      const startRevision = revision;
      for (const st of steps) {
        if (stale && st.kind !== 'do')
          throw this.conflict(
            imageId,
            `the annotation changed since revision ${base} (another window or writer made revision ${startRevision}); look at the current annotation, then ${st.kind} again`,
          );
        const seq = stepSeq(st.kind, cursor);
        if (!stale && st.seq !== undefined && st.seq !== seq)
          throw this.conflict(imageId, `the history is at entry ${cursor}, not where this ${st.kind} was made`);
        let diff: RecordDiff;
        if (st.kind === 'do') {
          diff = this.fit(imageId, state, st.diff, stale ? base : undefined, revision);
          if (isEmptyDiff(diff)) continue;
        } else {
          const row = seq >= 1 && seq <= length ? this.entryRow(imageId, seq) : undefined;
          if (!row) throw this.conflict(imageId, `nothing to ${st.kind}`);
          diff = stepDiff(st.kind, row.entry);
          const mismatch = diffMismatches(state, diff);
          if (mismatch.length)
            throw this.conflict(imageId, `cannot ${st.kind} "${row.entry.label}": ${mismatch[0].message}`);
          this.q.mark.run(st.kind === 'undo' ? 1 : 0, row.id);
        }
        const next = applyDiff(state, diff);
        refuseProblems(stateProblems(next));
        if (st.kind === 'do') {
          this.q.dropAfter.run(imageId, cursor);
          // flagged either way: only entries from before the flag existed are told by their (free-text) label
          const entry = { diff, label: st.label, imported: o.imported === true };
          this.q.insert.run(imageId, seq, JSON.stringify(entry), now);
          length = seq;
        }
        cursor = st.kind === 'undo' ? seq - 1 : seq;
        state = next;
        revision++;
      }
      const saved = revision > startRevision;
      if (saved) this.q.write.run(imageId, JSON.stringify(state), revision, now);
      return { state, revision, cursor, length, saved, rebased: stale };
    });
  }

  /** Where the stored history is: its done entries 1..cursor, all entries 1..length. */
  private position(imageId: number): { cursor: number; length: number } {
    return {
      cursor: (this.q.cursor.get(imageId) as number | null) ?? 0,
      length: (this.q.length.get(imageId) as number | null) ?? 0,
    };
  }

  private entryRow(imageId: number, seq: number): { id: number; entry: HistoryEntry } | undefined {
    const row = this.q.entry.get(imageId, seq) as { id: number; diff_json: string } | undefined;
    return row && { id: row.id, entry: entryOf(row.diff_json) };
  }

  private readEntries(imageId: number, from: number, to: number): HistoryEntry[] {
    if (to < from) return [];
    const rows = this.q.range.all(imageId, from, to) as { seq: number; diff_json: string }[];
    if (rows.length !== to - from + 1 || rows.some((r, i) => r.seq !== from + i))
      throw new ApiError('internal', `the edit history of image ${imageId} has gaps between entries ${from} and ${to}`);
    return rows.map((r) => entryOf(r.diff_json));
  }

  /** The diff to apply to the stored state: `diff` itself when made on it, else re-based (or refused). */
  private fit(
    imageId: number,
    state: AnnotationState,
    diff: RecordDiff,
    staleBase: number | undefined,
    revision: number,
  ): RecordDiff {
    if (staleBase === undefined) {
      refuseProblems(diffMismatches(state, diff));
      return diff;
    }
    const { diff: rebased, conflicts } = rebaseDiff(state, diff);
    if (conflicts.length)
      throw this.conflict(
        imageId,
        `another writer changed ${conflicts.map(describeConflict).slice(0, 3).join(', ')}${conflicts.length > 3 ? ', …' : ''} since revision ${staleBase} (now ${revision}); the current annotation is shown, apply the change to it again`,
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
}

/** The store of a connection, made once (its statements prepared once). */
export const annotationStore = perConnection((db) => new AnnotationStore(db));

/** A stored entry (rows written before the editor's history kept batches also carry a `group`, unused now). */
function entryOf(json: string): HistoryEntry {
  const { diff, label } = JSON.parse(json) as HistoryEntry;
  return { diff, label };
}

/** Refuses (422) with every problem; `step`: which step of a save they belong to (-1: the only one). */
function refuseProblems(problems: EditProblem[], step = -1): void {
  if (!problems.length) return;
  const shown = problems
    .slice(0, 4)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  throw new ApiError(
    'unprocessable',
    `the edit${step >= 0 ? ` (step ${step + 1})` : ''} was refused: ${shown}${problems.length > 4 ? `; … (${problems.length} problems)` : ''}`,
    { issues: problems, ...(step >= 0 ? { step } : {}) },
  );
}
