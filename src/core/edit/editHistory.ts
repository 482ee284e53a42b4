import { applyDiff, invertDiff, isEmptyDiff, squashDiffs, type RecordDiff } from './recordDiff.ts';
import type { AnnotationState } from './poseRecords.ts';

/** One undoable step; `group` merges consecutive steps of one gesture (a drag) into a single undo step. */
export interface HistoryEntry {
  diff: RecordDiff;
  label: string;
  group?: string;
}

/**
 * Unlimited undo/redo of one image's annotation, as diffs. Selection and viewport never enter it. A new change
 * clears the redo stack; consecutive changes with the same `group` (e.g. the frames of one drag) squash into one.
 * The entries are plain data, so a project can persist them and restore the history after a restart.
 */
export class EditHistory {
  private state: AnnotationState;
  private readonly undoStack: HistoryEntry[];
  private redoStack: HistoryEntry[];

  constructor(state: AnnotationState, undo: HistoryEntry[] = [], redo: HistoryEntry[] = []) {
    this.state = state;
    this.undoStack = [...undo];
    this.redoStack = [...redo];
  }

  get current(): AnnotationState {
    return this.state;
  }
  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  entries(): { undo: HistoryEntry[]; redo: HistoryEntry[] } {
    return { undo: [...this.undoStack], redo: [...this.redoStack] };
  }

  /** Applies and records a change. Returns the new state. */
  apply(diff: RecordDiff, label: string, group?: string): AnnotationState {
    if (isEmptyDiff(diff)) return this.state;
    this.state = applyDiff(this.state, diff);
    const top = this.undoStack[this.undoStack.length - 1];
    if (group !== undefined && top && top.group === group && !this.redoStack.length)
      top.diff = squashDiffs(top.diff, diff);
    else this.undoStack.push({ diff, label, group });
    this.redoStack = [];
    return this.state;
  }

  undo(): HistoryEntry | null {
    const e = this.undoStack.pop();
    if (!e) return null;
    this.state = applyDiff(this.state, invertDiff(e.diff));
    this.redoStack.push(e);
    return e;
  }

  redo(): HistoryEntry | null {
    const e = this.redoStack.pop();
    if (!e) return null;
    this.state = applyDiff(this.state, e.diff);
    this.undoStack.push({ ...e, group: undefined });
    return e;
  }
}
