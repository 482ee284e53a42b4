import type { PoseApi } from '../../contract/poseApi.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import { applyDiff, isEmptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { describeConflict, rebaseDiff, type RebaseConflict } from '../../core/edit/rebaseDiff.ts';

/** What the window shows for an image: the saved state with the edits not yet saved on top. */
export interface SavedView {
  state: AnnotationState;
  revision: number;
  /** Edits of this window not saved yet. */
  pending: number;
}

export interface EditSaverEvents {
  /** The shown state of an image changed (an answer re-based the pending edits, or another writer's change came). */
  onState(imageId: number, view: SavedView): void;
  onMessage(message: string): void;
}

interface Pending {
  diff: RecordDiff;
  label: string;
}
interface ImageSync {
  saved: { state: AnnotationState; revision: number };
  pending: Pending[];
}

/** Waits before saving again after the project was busy or unreachable: 0.5 s doubling to 8 s. */
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

const statusOf = (e: unknown) => (e as { status?: unknown }).status;

/**
 * One window's edits, saved in order and never thrown away. Each edit names the revision it was made on. The
 * server's answer is the saved state (re-based onto other writers' changes where they touched other joints);
 * 409: another writer changed the same joint or person, so the current annotation is fetched, shown, and the
 * pending edits re-based onto it keeping the user's own values (rebaseDiff keepOwn), then sent again; busy (503),
 * other server failures and a lost connection: the edit stays pending and is sent again after a pause, with a
 * message saying so. Only an edit the server refuses as malformed (4xx) is dropped, with its reason. Undo and redo
 * run in the same queue, after the edits before them.
 */
export class EditSaver {
  private readonly api: PoseApi;
  private readonly events: EditSaverEvents;
  private readonly images = new Map<number, ImageSync>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    api: PoseApi,
    events: EditSaverEvents,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {
    this.api = api;
    this.events = events;
    this.sleep = sleep;
  }

  /**
   * What to show for an image loaded from the server: the loaded state, unless this window still has edits of it
   * to save or saved a newer revision since (then what it knows, its pending edits on top). Records the loaded
   * state as saved otherwise.
   */
  loaded(imageId: number, state: AnnotationState, revision: number): SavedView {
    const s = this.images.get(imageId);
    if (s && (s.pending.length || revision < s.saved.revision)) {
      // Edits still to save, or a copy older than what this window saved since (a prefetched one): keep what it has.
      if (revision > s.saved.revision) this.rebase(imageId, s, { state, revision });
      return this.view(s);
    }
    this.images.set(imageId, { saved: { state, revision }, pending: [] });
    return { state, revision, pending: 0 };
  }

  pending(imageId: number): number {
    return this.images.get(imageId)?.pending.length ?? 0;
  }

  /** The shown state of an image this window knows (saved + pending), or null. */
  shown(imageId: number): SavedView | null {
    const s = this.images.get(imageId);
    return s ? this.view(s) : null;
  }

  /**
   * Adds an edit made on the shown state; resolves once it is saved (or refused as malformed). The returned view
   * is what to show now (the edit applied at once).
   */
  commit(imageId: number, diff: RecordDiff, label: string): { view: SavedView; saved: Promise<void> } {
    const s = this.images.get(imageId);
    if (!s) throw new Error(`image ${imageId} is not open`);
    // A diff made on an older shown state (a drag that began before another writer's change arrived) is re-based
    // onto the shown state, the user's values kept.
    const shown = this.view(s).state;
    const { diff: fitted } = rebaseDiff(shown, diff, true);
    if (isEmptyDiff(fitted)) return { view: this.view(s), saved: Promise.resolve() };
    s.pending.push({ diff: fitted, label });
    const saved = this.enqueue(() => this.saveHead(imageId, s));
    return { view: this.view(s), saved };
  }

  /** Runs `step` (undo/redo) after every edit queued before it, with the saved revision of the image. */
  after<T>(imageId: number, step: (revision: number) => Promise<T>): Promise<T> {
    return this.enqueue(() => step(this.images.get(imageId)?.saved.revision ?? 0));
  }

  /** Records a state the server answered outside commit (undo, redo, a reload) as saved, if nothing is pending. */
  saved(imageId: number, state: AnnotationState, revision: number): void {
    const s = this.images.get(imageId);
    if (s?.pending.length) this.rebase(imageId, s, { state, revision });
    else this.images.set(imageId, { saved: { state, revision }, pending: [] });
  }

  /** Resolves when everything queued so far is saved. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private view(s: ImageSync): SavedView {
    let state = s.saved.state;
    for (const p of s.pending) state = applyDiff(state, p.diff);
    return { state, revision: s.saved.revision, pending: s.pending.length };
  }

  /** Sends the oldest pending edit until the server has it (or refuses it as malformed). */
  private async saveHead(imageId: number, s: ImageSync): Promise<void> {
    let waited = 0,
      conflictsInARow = 0;
    for (;;) {
      const head = s.pending[0];
      if (!head) return;
      try {
        const r = await this.api.applyEdit({
          imageId,
          revision: s.saved.revision,
          diff: head.diff,
          label: head.label,
        });
        s.pending.shift();
        this.rebase(imageId, s, r);
        if (waited) this.events.onMessage(`Saved: ${head.label}`);
        return;
      } catch (e) {
        const status = statusOf(e);
        if (status === 409) {
          const now = await this.api.getAnnotation({ imageId }).catch(() => null);
          if (now) {
            const conflicts = this.rebase(imageId, s, now);
            this.events.onMessage(conflictMessage(conflicts));
            // A writer faster than this window every time: pause between the later tries.
            if (++conflictsInARow > 3) await this.sleep(RETRY_MS[Math.min(conflictsInARow - 4, RETRY_MS.length - 1)]);
            continue;
          }
        } else if (typeof status === 'number' && status >= 400 && status < 500) {
          s.pending.shift();
          this.rebase(imageId, s, s.saved);
          this.events.onMessage(`Not saved: ${(e as Error).message}`);
          return;
        }
        const wait = RETRY_MS[Math.min(waited++, RETRY_MS.length - 1)];
        this.events.onMessage(
          `Not saved yet (${(e as Error).message}); your edit is kept and sent again in ${wait / 1000} s`,
        );
        await this.sleep(wait);
      }
    }
  }

  /**
   * Makes `base` the saved state and re-bases the pending edits onto it, keeping the user's values where another
   * writer changed the same thing; returns what they overrode.
   */
  private rebase(imageId: number, s: ImageSync, base: { state: AnnotationState; revision: number }): RebaseConflict[] {
    s.saved = { state: base.state, revision: base.revision };
    const conflicts: RebaseConflict[] = [];
    let state = base.state;
    const kept: Pending[] = [];
    for (const p of s.pending) {
      const r = rebaseDiff(state, p.diff, true);
      conflicts.push(...r.conflicts);
      if (isEmptyDiff(r.diff)) continue;
      kept.push({ diff: r.diff, label: p.label });
      state = applyDiff(state, r.diff);
    }
    s.pending = kept;
    this.events.onState(imageId, this.view(s));
    return conflicts;
  }
}

function conflictMessage(conflicts: RebaseConflict[]): string {
  const overridden = conflicts.map(describeConflict);
  return overridden.length
    ? `Another window changed this image: its changes are shown and yours kept on top (${overridden.slice(0, 3).join(', ')}${overridden.length > 3 ? ', …' : ''} now as you set it)`
    : 'Another window changed this image: its changes are shown and yours kept';
}
