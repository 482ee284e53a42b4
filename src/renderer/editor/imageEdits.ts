import { EditHistory, stepSeq, type HistoryStep } from '../../core/edit/editHistory.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import { describeConflict, rebaseDiff, type RebaseConflict } from '../../core/edit/rebaseDiff.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';

/** An annotation as the server gives it: state, revision, and the history around its cursor. */
export type AnnotationView = PoseResponse<'getAnnotation'>;
export type SaveAnswer = PoseResponse<'saveEdits'>;

/** What the window shows of an image's annotation. */
export interface ShownAnnotation {
  imageId: number;
  state: AnnotationState;
  /** The revision the server last confirmed. */
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  /** Steps of this window not saved yet (an open gesture counts as one). */
  pending: number;
}

/** What re-basing onto another writer's state overrode (conflicts) and left out (undo/redo steps). */
export interface RebaseOutcome {
  conflicts: RebaseConflict[];
  dropped: HistoryStep[];
}

/**
 * One image's edits in one window: `saved`, the history as the server has it at `revision`; `pending`, this window's
 * steps not yet saved, in order; `shown`, saved with the pending steps on top (what the reviewer sees and undoes).
 * No I/O: the EditSession sends the pending steps and tells this what the server answered.
 */
export class ImageEdits {
  readonly imageId: number;
  private saved: EditHistory;
  revision: number;
  shown: EditHistory;
  pending: HistoryStep[] = [];
  /** How many of the pending steps are on their way to the server. */
  sending = 0;

  constructor(imageId: number, view: AnnotationView) {
    this.imageId = imageId;
    this.saved = historyOf(view);
    this.shown = this.saved.clone();
    this.revision = view.revision;
  }

  view(): ShownAnnotation {
    const h = this.shown;
    return {
      imageId: this.imageId,
      state: h.current,
      revision: this.revision,
      canUndo: h.canUndo,
      canRedo: h.canRedo,
      pending: this.pending.length + (h.batching ? 1 : 0),
    };
  }

  /** A change made on the shown state (or an older one: re-based onto it, the user's values kept). */
  do(diff: RecordDiff, label: string): HistoryStep | null {
    return this.queue(this.shown.apply(rebaseDiff(this.shown.current, diff, true).diff, label));
  }
  undoRedo(kind: 'undo' | 'redo'): HistoryStep | null {
    return this.queue(kind === 'undo' ? this.shown.undo() : this.shown.redo());
  }
  beginBatch(): void {
    this.shown.beginBatch();
  }
  endBatch(): HistoryStep | null {
    return this.queue(this.shown.endBatch());
  }

  /** The seq range to load before `kind` can run here, or null. */
  missing(kind: 'undo' | 'redo'): { from: number; to: number } | null {
    const seq = this.shown.missing(kind);
    if (seq === null) return null;
    const { first, loaded, length } = this.saved.position;
    return seq < first
      ? { from: Math.max(1, first - PAGE), to: first - 1 }
      : { from: first + loaded, to: Math.min(length, first + loaded + PAGE - 1) };
  }
  /** Entries loaded from the server at `revision` (see `missing`). */
  addEntries(from: number, page: AnnotationView['history']['entries']): void {
    const entries = page;
    this.saved.addEntries(from, entries);
    const { first, loaded } = this.shown.position;
    if (from + entries.length === first || from === first + loaded) this.shown.addEntries(from, entries);
  }

  /**
   * The server saved the first `n` pending steps. Without `current` it applied them where this window made them;
   * false: its history does not end where this window's does (the caller reloads).
   */
  acknowledged(n: number, answer: SaveAnswer): boolean {
    const sent = this.pending.splice(0, n);
    this.sending = 0;
    if (answer.current) {
      this.rebase(answer.current);
      return true;
    }
    for (const step of sent) this.saved.replay(step);
    this.revision += n;
    const { cursor, length } = this.saved.position;
    return answer.revision === this.revision && answer.cursor === cursor && answer.length === length;
  }

  /** Drops the pending step `i` (the server refused it as malformed) and replays the others on the saved state. */
  drop(i: number): HistoryStep {
    const [step] = this.pending.splice(i, 1);
    this.rebuild(false);
    return step;
  }

  /**
   * Makes `view` (another writer's newer state) the saved one and replays the pending steps on it: edits are re-based
   * keeping the user's values where both changed the same thing (listed in `conflicts`); an undo or redo is dropped
   * (it was meant for a history that is not there any more: nobody undoes a change they have not seen).
   */
  rebase(view: AnnotationView): RebaseOutcome {
    this.saved = historyOf(view);
    this.revision = view.revision;
    return this.rebuild(true);
  }

  private rebuild(baseChanged: boolean): RebaseOutcome {
    const h = this.saved.clone();
    const conflicts: RebaseConflict[] = [];
    const dropped: HistoryStep[] = [];
    const kept: HistoryStep[] = [];
    for (const st of this.pending) {
      if (st.kind === 'do') {
        const r = rebaseDiff(h.current, st.diff, true);
        conflicts.push(...r.conflicts);
        const step = h.apply(r.diff, st.label);
        if (step) kept.push(step);
      } else if (!baseChanged && stepSeq(st.kind, h.position.cursor) === st.seq && h.missing(st.kind) === null) {
        h.replay(st);
        kept.push(st);
      } else dropped.push(st);
    }
    const batch = this.shown.batching ? this.shown.openBatch() : null;
    if (this.shown.batching) {
      h.beginBatch();
      if (batch) h.apply(rebaseDiff(h.current, batch.diff, true).diff, batch.label);
    }
    this.pending = kept;
    this.shown = h;
    return { conflicts, dropped };
  }

  private queue(step: HistoryStep | null): HistoryStep | null {
    if (step) this.pending.push(step);
    return step;
  }
}

/**
 * The history of a loaded annotation. The contract declares the diff shape again (its `updated` pairs as arrays, not
 * tuples); one declaration for both is issue 11A's, until then this is the one place the two meet.
 */
function historyOf(view: AnnotationView): EditHistory {
  return new EditHistory(view.state, view.history);
}

/** Entries paged in at a time when an undo or redo reaches past the loaded ones. */
const PAGE = 50;

/** The message after a re-base onto another window's change (`by`: whose, when the server says: a team project). */
export function rebaseMessage({ conflicts, dropped }: RebaseOutcome, by?: string): string {
  const who = by ? `${by} changed this image` : 'Another window changed this image';
  const overridden = conflicts.map(describeConflict);
  const own = overridden.length
    ? `its changes are shown and yours kept on top (${overridden.slice(0, 3).join(', ')}${overridden.length > 3 ? ', …' : ''} now as you set it)`
    : 'its changes are shown and yours kept';
  if (!dropped.length) return `${who}: ${own}`;
  const kind = dropped[0].kind;
  return `${who}: it is shown as it is now, and your ${kind} was not applied (${kind} again to ${kind} its latest change)`;
}
