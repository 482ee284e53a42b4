import { applyDiff, emptyDiff, invertDiff, isEmptyDiff, squashDiffs, type RecordDiff } from './recordDiff.ts';
import type { AnnotationState } from './poseRecords.ts';
import { jsonEqual } from './jsonEqual.ts';

/** One undoable step of an image's annotation: the change as a diff (its own undo information) and its label. */
export interface HistoryEntry {
  diff: RecordDiff;
  label: string;
}

/**
 * Part of an image's linear history. Entries are numbered 1..length (their `seq`); 1..cursor are done (undo takes
 * `cursor`), cursor+1..length undone (redo takes cursor+1). `entries` are the consecutive ones from `first` that
 * are loaded: a long history is paged in on demand.
 */
export interface HistoryWindow {
  cursor: number;
  length: number;
  first: number;
  entries: HistoryEntry[];
}

export const EMPTY_HISTORY: HistoryWindow = { cursor: 0, length: 0, first: 1, entries: [] };

/**
 * What one history operation did, as a store persists it, in order: `do` records a new entry at `seq` (dropping the
 * undone ones after the cursor), `undo`/`redo` move the cursor over entry `seq`.
 */
export type HistoryStep =
  | { kind: 'do'; seq: number; diff: RecordDiff; label: string }
  | { kind: 'undo' | 'redo'; seq: number; label: string };

/** The entry a step of `kind` acts on in a history at `cursor`: an undo the newest done one, a redo or a new entry the next. */
export function stepSeq(kind: HistoryStep['kind'], cursor: number): number {
  return kind === 'undo' ? cursor : cursor + 1;
}

/** The change a step makes to the annotation: the entry's diff, inverted for an undo. */
export function stepDiff(kind: HistoryStep['kind'], entry: HistoryEntry): RecordDiff {
  return kind === 'undo' ? invertDiff(entry.diff) : entry.diff;
}

export class HistoryStepError extends Error {
  override name = 'HistoryStepError';
}

/**
 * Unlimited undo/redo of one image's annotation, as diffs: the one history of the app (the editor runs it; the
 * project store persists the steps it returns). Selection and viewport never enter it. A new change drops the
 * undone entries; every change applied between `beginBatch` and `endBatch` (a whole gesture) squashes into one
 * entry. Entries are plain data, so a history restored from its window continues where it was.
 */
export class EditHistory {
  private state: AnnotationState;
  private cursor: number;
  private length: number;
  private first: number;
  private entries: HistoryEntry[];
  private batchDepth = 0;
  private batch: HistoryEntry | null = null;

  constructor(state: AnnotationState, window: HistoryWindow = EMPTY_HISTORY) {
    const { cursor, length, first, entries } = window;
    if (cursor < 0 || cursor > length || first < 1 || first + entries.length - 1 > length)
      throw new HistoryStepError(`not a history window: cursor ${cursor}, length ${length}, first ${first}`);
    this.state = state;
    this.cursor = cursor;
    this.length = length;
    this.first = first;
    this.entries = [...entries];
  }

  get current(): AnnotationState {
    return this.state;
  }
  get canUndo(): boolean {
    return this.cursor > 0;
  }
  get canRedo(): boolean {
    return this.length > this.cursor;
  }
  /** True while a batch is open (its changes are shown but not yet an entry). */
  get batching(): boolean {
    return this.batchDepth > 0;
  }
  /** Where the history is, without copying its entries. */
  get position(): { cursor: number; length: number; first: number; loaded: number } {
    return { cursor: this.cursor, length: this.length, first: this.first, loaded: this.entries.length };
  }
  window(): HistoryWindow {
    return { cursor: this.cursor, length: this.length, first: this.first, entries: [...this.entries] };
  }
  clone(): EditHistory {
    if (this.batchDepth) throw new HistoryStepError('cannot copy a history while a batch is open');
    return new EditHistory(this.state, this.window());
  }

  /** The seq of the entry `kind` needs that is not loaded yet (page it in with `addEntries`), or null. */
  missing(kind: 'undo' | 'redo'): number | null {
    const seq = stepSeq(kind, this.cursor);
    if (seq < 1 || seq > this.length) return null;
    return this.entry(seq) ? null : seq;
  }

  /** Adds entries loaded from a store; they must join the loaded ones, before or after them. */
  addEntries(first: number, entries: HistoryEntry[]): void {
    const end = this.first + this.entries.length;
    if (first >= 1 && first + entries.length === this.first) {
      this.entries = [...entries, ...this.entries];
      this.first = first;
    } else if (first === end && end + entries.length - 1 <= this.length) this.entries.push(...entries);
    else throw new HistoryStepError(`entries ${first}..${first + entries.length - 1} do not join the loaded ones`);
  }

  beginBatch(): void {
    this.batchDepth++;
  }

  /** Closes a batch: its changes become one entry (the returned step), or nothing when they cancelled out. */
  endBatch(): HistoryStep | null {
    if (this.batchDepth === 0) return null;
    if (--this.batchDepth > 0 || !this.batch) return null;
    const { diff, label } = this.batch;
    this.batch = null;
    // A record changed and changed back is no change (a joint dragged back to where it was, in one gesture).
    for (const [id, [before, after]] of Object.entries(diff.updated))
      if (jsonEqual(before, after)) delete diff.updated[id];
    if (diff.order && jsonEqual(diff.order[0], diff.order[1])) delete diff.order;
    if (diff.rejectedPredictions && jsonEqual(diff.rejectedPredictions[0], diff.rejectedPredictions[1]))
      delete diff.rejectedPredictions;
    // The batch's changes are applied already: the entry records them.
    return isEmptyDiff(diff) ? null : this.push(diff, label, this.state);
  }

  /** Applies and records a change (refused, changing nothing, when it does not fit). Null: nothing (yet) to save. */
  apply(diff: RecordDiff, label: string): HistoryStep | null {
    if (isEmptyDiff(diff)) return null;
    const next = applyDiff(this.state, diff);
    if (this.batchDepth > 0) {
      this.state = next;
      this.batch = this.batch
        ? { diff: squashDiffs(this.batch.diff, diff), label: this.batch.label }
        : { diff: squashDiffs(emptyDiff(), diff), label };
      return null;
    }
    return this.push(diff, label, next);
  }

  /** Null when there is nothing to undo; throws inside a batch, or when its entry is not loaded (see `missing`). */
  undo(): HistoryStep | null {
    return this.move('undo');
  }

  redo(): HistoryStep | null {
    return this.move('redo');
  }

  /** Replays a step recorded elsewhere (a store's, or one this history made on a copy): it must fit where it is. */
  replay(step: HistoryStep): void {
    const expected = stepSeq(step.kind, this.cursor);
    if (step.seq !== expected)
      throw new HistoryStepError(
        `${step.kind} of entry ${step.seq} does not follow the history at entry ${this.cursor}`,
      );
    if (this.batchDepth) throw new HistoryStepError(`${step.kind} replayed while a batch is open`);
    if (step.kind === 'do') this.push(step.diff, step.label);
    else if (!this.move(step.kind)) throw new HistoryStepError(`nothing to ${step.kind} at entry ${this.cursor}`);
  }

  /** The changes of the open batch so far (null: none, or no batch open). */
  openBatch(): HistoryEntry | null {
    return this.batch;
  }

  private entry(seq: number): HistoryEntry | undefined {
    return this.entries[seq - this.first];
  }

  private push(diff: RecordDiff, label: string, next = applyDiff(this.state, diff)): HistoryStep {
    const seq = stepSeq('do', this.cursor);
    if (seq - this.first > this.entries.length) throw new HistoryStepError(`entry ${seq - 1} is not loaded`);
    this.state = next;
    // The undone entries after the cursor are dropped: a new change starts a new branch.
    if (seq < this.first) [this.first, this.entries] = [seq, []];
    this.entries.length = seq - this.first;
    this.entries.push({ diff, label });
    this.cursor = this.length = seq;
    return { kind: 'do', seq, diff, label };
  }

  private move(kind: 'undo' | 'redo'): HistoryStep | null {
    if (this.batchDepth) throw new HistoryStepError(`${kind} while a batch is open: end it first`);
    const seq = stepSeq(kind, this.cursor);
    if (seq < 1 || seq > this.length) return null;
    const e = this.entry(seq);
    if (!e) throw new HistoryStepError(`entry ${seq} of the history is not loaded`);
    this.state = applyDiff(this.state, stepDiff(kind, e));
    this.cursor = kind === 'undo' ? seq - 1 : seq;
    return { kind, seq, label: e.label };
  }
}
