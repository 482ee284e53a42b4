import type { HistoryStep } from '../../core/edit/editHistory.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { PoseApi, PoseRequest } from '../../contract/poseApi.ts';
import { ImageEdits, rebaseMessage, type AnnotationView, type ShownAnnotation } from './imageEdits.ts';
import { reasonOf } from './notices.ts';

export type EditApi = Pick<PoseApi, 'getAnnotation' | 'saveEdits' | 'getEditHistory'>;

export interface EditSessionEvents {
  /** What an image shows changed (a local step, a save's answer, another writer's change). */
  changed(imageId: number): void;
  say(message: string): void;
  /** Steps of the image were saved (the server has them). */
  saved?(imageId: number): void;
}

/** Waits before saving again after the project was busy or unreachable: 0.5 s doubling to 8 s. */
const RETRY_MS = [500, 1000, 2000, 4000, 8000];
/** Steps sent in one save at most (the contract's bound). */
const MAX_STEPS = 50;

const statusOf = (e: unknown) => (e as { status?: unknown } | null)?.status;
type WireStep = PoseRequest<'saveEdits'>['steps'][number];
const wire = (st: HistoryStep): WireStep =>
  st.kind === 'do' ? { kind: 'do', seq: st.seq, diff: st.diff, label: st.label } : { kind: st.kind, seq: st.seq };

/**
 * The window's edits: per image the core EditHistory (ImageEdits), run here, and a save queue that sends its steps
 * in order, each save naming the revision it was made on, and never throws a step away. Undo is one local step plus
 * one save. The server's answer confirms the steps (or, made on an older revision, holds the re-based annotation);
 * 409: another writer changed the same joint or person, or the history moved under an undo, so the current
 * annotation is fetched and shown and the pending edits replayed on it keeping the user's values (an undo or redo
 * is dropped, said so); busy (503), other server failures and a lost connection: the steps stay pending and are
 * sent again after a pause, with a message; only a step the server refuses as malformed (4xx) is dropped, with its
 * reason. Nothing here rejects: every failure ends in a message.
 */
export class EditSession {
  private readonly api: EditApi;
  private readonly events: EditSessionEvents;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly images = new Map<number, ImageEdits>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    api: EditApi,
    events: EditSessionEvents,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {
    this.api = api;
    this.events = events;
    this.sleep = sleep;
  }

  /**
   * An annotation loaded from the server. Taken when this window has nothing of the image to save and it is newer
   * than what the window knows; with steps still to save (not in flight), they are re-based onto it. `by`: who made
   * the newer state (a team project), said in the status line.
   */
  loaded(imageId: number, view: AnnotationView, by?: string): void {
    const e = this.images.get(imageId);
    if (e && view.revision <= e.revision) return;
    if (!e || (!e.pending.length && !e.shown.batching)) {
      this.images.set(imageId, new ImageEdits(imageId, view));
      if (e && by) this.events.say(`${by} changed this image`);
    } else if (e.sending)
      return; // the save's answer will say what the server has
    else {
      const outcome = e.rebase(view);
      if (by || outcome.conflicts.length || outcome.dropped.length) this.events.say(rebaseMessage(outcome, by));
    }
    this.events.changed(imageId);
  }

  shown(imageId: number): ShownAnnotation | null {
    return this.images.get(imageId)?.view() ?? null;
  }

  /** Whether steps of the image are on their way to the server (its answer will bring the state as saved). */
  saving(imageId: number): boolean {
    return (this.images.get(imageId)?.sending ?? 0) > 0;
  }

  /** Steps of the image still to save (an open gesture counts). */
  pending(imageId: number): number {
    return this.images.get(imageId)?.view().pending ?? 0;
  }

  /** Applies a change now and saves it; resolves once it is saved or refused as malformed. */
  commit(imageId: number, diff: RecordDiff, label: string): Promise<void> {
    const e = this.images.get(imageId);
    if (!e) return Promise.resolve();
    try {
      return this.local(e, e.do(diff, label));
    } catch (err) {
      this.events.say(`${label}: ${reasonOf(err)}`);
      return Promise.resolve();
    }
  }

  /** Starts a gesture: every commit until `endBatch` is one undo step, saved when it ends. */
  beginBatch(imageId: number): void {
    const e = this.images.get(imageId);
    if (!e) return;
    e.beginBatch();
    this.events.changed(imageId); // pending: the open gesture
  }
  endBatch(imageId: number): Promise<void> {
    const e = this.images.get(imageId);
    return e ? this.local(e, e.endBatch()) : Promise.resolve();
  }

  /** Undo (or redo) one step here and now, then save it; older entries are paged in first when needed. */
  async history(imageId: number, kind: 'undo' | 'redo'): Promise<void> {
    const e = this.images.get(imageId);
    if (!e) return;
    const can = kind === 'undo' ? e.shown.canUndo : e.shown.canRedo;
    if (!can) {
      this.events.say(kind === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.');
      return;
    }
    const need = e.missing(kind);
    if (need && !(await this.pageIn(e, need, kind))) return;
    if (this.images.get(imageId) !== e) return;
    let step: HistoryStep | null;
    try {
      step = e.undoRedo(kind);
    } catch (err) {
      this.events.say(`${kind === 'undo' ? 'Undo' : 'Redo'} failed: ${reasonOf(err)}`);
      return;
    }
    if (step) this.events.say(`${kind === 'undo' ? 'Undid' : 'Redid'}: ${step.label}`);
    await this.local(e, step);
  }

  /** Resolves when everything queued so far is saved (or refused). */
  idle(): Promise<void> {
    return this.queue;
  }

  private local(e: ImageEdits, step: HistoryStep | null): Promise<void> {
    let run: Promise<void> = Promise.resolve();
    if (step) {
      // Queued before the change is announced, so that the request leaves before the page repaints. A bug in the
      // queue must not stop every later save, nor reject into the caller's `void`.
      run = this.queue
        .then(() => this.send(e))
        .catch((err: unknown) => this.events.say(`Saving stopped: ${reasonOf(err)}`));
      this.queue = run;
    }
    this.events.changed(e.imageId);
    return run;
  }

  private async pageIn(e: ImageEdits, need: { from: number; to: number }, kind: string): Promise<boolean> {
    try {
      const r = await this.api.getEditHistory({ imageId: e.imageId, revision: e.revision, ...need });
      e.addEntries(need.from, r.entries);
      return true;
    } catch (err) {
      if (statusOf(err) === 409) await this.refetch(e);
      this.events.say(`Could not ${kind}: the older history did not load (${reasonOf(err)})`);
      return false;
    }
  }

  /** Sends the image's pending steps until the server has them all (or refused the malformed ones). */
  private async send(e: ImageEdits): Promise<void> {
    let waited = 0,
      conflictsInARow = 0,
      one = false;
    for (;;) {
      const steps = e.pending.slice(0, one ? 1 : MAX_STEPS);
      if (!steps.length) return;
      e.sending = steps.length;
      try {
        const r = await this.api.saveEdits({ imageId: e.imageId, revision: e.revision, steps: steps.map(wire) });
        if (!e.acknowledged(steps.length, r)) await this.refetch(e);
        this.events.saved?.(e.imageId);
        if (waited) this.events.say(`Saved: ${steps.map(labelOf).join(', ')}`);
        [waited, one] = [0, false];
        this.events.changed(e.imageId);
      } catch (err) {
        e.sending = 0;
        const status = statusOf(err);
        if (status === 409) {
          if (await this.refetch(e)) {
            // A writer faster than this window every time: pause between the later tries.
            if (++conflictsInARow > 3) await this.sleep(RETRY_MS[Math.min(conflictsInARow - 4, RETRY_MS.length - 1)]);
            continue;
          }
        } else if (typeof status === 'number' && status >= 400 && status < 500) {
          // Refused as malformed: find which step (alone), drop it with the reason, keep the others.
          if (steps.length > 1) one = true;
          else {
            const dropped = e.drop(0);
            this.events.say(`Not saved: ${labelOf(dropped)}: ${reasonOf(err)}`);
            this.events.changed(e.imageId);
          }
          continue;
        }
        const wait = RETRY_MS[Math.min(waited++, RETRY_MS.length - 1)];
        this.events.say(`Not saved yet (${reasonOf(err)}); your edit is kept and sent again in ${wait / 1000} s`);
        await this.sleep(wait);
      }
    }
  }

  /** Fetches the current annotation and re-bases the pending steps onto it; false: it could not be fetched. */
  private async refetch(e: ImageEdits): Promise<boolean> {
    let view: AnnotationView;
    try {
      view = await this.api.getAnnotation({ imageId: e.imageId });
    } catch {
      return false; // the caller's retry says why (the save failing again)
    }
    this.events.say(rebaseMessage(e.rebase(view)));
    this.events.changed(e.imageId);
    return true;
  }
}

const labelOf = (st: HistoryStep) => (st.kind === 'do' ? st.label : `${st.kind} ${st.label}`);
