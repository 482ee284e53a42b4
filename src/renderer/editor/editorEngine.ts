import {
  EDITOR_COMMANDS,
  commandForKey,
  type CommandEffect,
  type EditorCommand,
  type EditorContext,
  type KeyLike,
  type Selection,
} from '../../core/edit/editorCommands.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { StudioClient } from '../api/studioClient.ts';
import { CanvasGestures } from './canvasGestures.ts';
import { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import { ImageListModel, type ListFilter } from './imageListModel.ts';
import { ImageSession, type MediaLoader } from './imageSession.ts';
import { JobMonitor } from './jobMonitor.ts';
import { ProjectSetup } from './projectSetup.ts';
import type { PoseEvent } from '../../contract/poseApi.ts';
import { Notices } from './notices.ts';
import { engineSnapshot, type EngineSnapshot } from './engineSnapshot.ts';
import { PointerMachine } from './pointerMachine.ts';
import { Slice } from './slice.ts';
import { VIEW_COMMANDS } from './viewCommands.ts';
import type { PrefsStorage } from './viewPrefs.ts';
import { ViewState } from './viewState.ts';

export interface EngineOptions {
  media: MediaLoader;
  prefs: PrefsStorage;
  /** Mod = ⌘ in shortcuts. */
  isMac: boolean;
  /** Load the next image while this one is reviewed (off only to measure what it saves). */
  prefetch?: boolean;
  /** Runs `f` once the next frame is painted (performance marks); under Node, soon. */
  afterPaint?: (f: () => void) => void;
  /** The save queue's pause between tries (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

export type ReviewStatus = 'accepted' | 'rejected' | 'skipped' | 'no_person';

/**
 * The review editor without React, as parts with one concern each, every one a set of slices components subscribe
 * to: `images` (load, cache, prefetch: the open image), `edits` (the core EditHistory per image and its save queue:
 * `annotation` is what the open image shows), `view` (viewport, selection, hover, overlay and detection settings),
 * `pointer` (the canvas's press/pan/drag machine), `jobs` (detection), `notices` (status line and dialogs: the one
 * place a failure is reported), `list` (the image list). This class wires them and runs the commands.
 */
export class EditorEngine {
  readonly client: StudioClient;
  readonly isMac: boolean;
  readonly notices = new Notices();
  readonly list: ImageListModel;
  readonly listVersion = new Slice(0);
  readonly images: ImageSession;
  readonly edits: EditSession;
  readonly annotation = new Slice<ShownAnnotation | null>(null);
  readonly view: ViewState;
  readonly gestures: CanvasGestures;
  readonly pointer: PointerMachine;
  readonly jobs: JobMonitor;
  readonly setup: ProjectSetup;
  private readonly prefetchNext: boolean;
  private readonly afterPaint: (f: () => void) => void;

  constructor(client: StudioClient, o: EngineOptions) {
    this.client = client;
    this.isMac = o.isMac;
    this.prefetchNext = o.prefetch ?? true;
    this.afterPaint = o.afterPaint ?? ((f) => setTimeout(f, 0));
    this.list = new ImageListModel(
      client,
      () => this.listVersion.set(this.listVersion.get() + 1),
      (e) => this.notices.fail('The image list did not load', e),
    );
    this.images = new ImageSession(client, o.media);
    this.view = new ViewState(o.prefs, this.notices);
    this.edits = new EditSession(
      client.api,
      { changed: (id) => this.showAnnotation(id), say: (m) => this.notices.say(m) },
      o.sleep,
    );
    this.gestures = new CanvasGestures({
      images: this.images,
      edits: this.edits,
      view: this.view,
      annotation: this.annotation,
      commit: (d, l) => this.commit(d, l),
    });
    this.pointer = new PointerMachine(this.gestures);
    this.setup = new ProjectSetup(client, this.notices);
    this.jobs = new JobMonitor(
      client,
      this.notices,
      () => {
        this.images.forgetAll();
        void this.notices.attempt('The image list did not refresh', () => this.list.refresh());
        void this.reloadCurrent();
        void this.setup.refresh();
      },
      (e) => this.imageDetected(e),
    );
    // Another window (or tab) changed an image: drop its cached copy; show it if it is open here (EditSession
    // keeps this window's unsaved steps on top). Own saves announce themselves too, with revisions it has.
    client.on('annotationChanged', (p) => {
      this.images.forget(p.imageId);
      const shown = this.annotation.get();
      if (shown?.imageId === p.imageId && p.revision > shown.revision && !shown.pending) void this.reloadCurrent();
    });
  }

  // ---- images ---------------------------------------------------------------------------------------------------

  /** Loads the list (file order unless a filter says otherwise) and opens its first image. */
  async start(filter: ListFilter = { order: 'file' }): Promise<void> {
    void this.jobs.refreshProject();
    void this.setup.refresh();
    await this.setFilter(filter);
  }

  async setFilter(filter: ListFilter): Promise<void> {
    const ok = await this.notices.attempt('The image list did not load', async () => {
      await this.list.setFilter(filter);
      return true;
    });
    if (!ok) return;
    if (this.list.total > 0) return this.openIndex(0);
    this.images.current.set(null);
    this.images.status.set({ index: -1, loading: false, error: null });
    this.annotation.set(null);
  }

  /** Opens the image at a list index; resolves once it is shown and interactive (measure `image-interactive:<id>`). */
  async openIndex(index: number): Promise<void> {
    const row = await this.notices.attempt('The image list did not load', () => this.list.ensureRow(index));
    if (!row) return;
    const t0 = performance.now();
    const loaded = await this.images.open(index, row);
    if (!loaded) {
      if (!this.images.current.get()) this.annotation.set(null); // it failed: the canvas says why
      return;
    }
    this.pointer.cancel();
    try {
      this.edits.loaded(row.id, loaded.annotation);
    } catch (e) {
      this.notices.fail(`${row.relPath} could not be opened`, e); // a history the server sent malformed
      return;
    }
    this.images.show(loaded);
    this.showAnnotation(row.id);
    this.view.showImage(row.width, row.height);
    this.afterPaint(() => performance.measure(`image-interactive:${row.id}`, { start: t0, end: performance.now() }));
    if (row.status === 'unreviewed') void this.markInProgress(row.id);
    // A page of the list that does not load now is asked for again (and its failure shown) when it is opened.
    if (this.prefetchNext)
      void this.list.ensureRow(index + 1).then(
        (r) => this.images.prefetch(r),
        () => undefined,
      );
  }

  /** Opens an image by id (the evaluation panel's rows): in the current list, else in file order. */
  async openImageId(imageId: number): Promise<void> {
    let index = await this.notices.attempt('The image list did not load', () => this.list.findIndex(imageId));
    if (index === -1 && this.list.filter.order !== 'file') {
      await this.setFilter({ order: 'file' });
      index = await this.notices.attempt('The image list did not load', () => this.list.findIndex(imageId));
    }
    if (index === undefined) return;
    if (index < 0) this.notices.say(`Image ${imageId} is not in the list (filtered out or removed from the project)`);
    else await this.openIndex(index);
  }

  /**
   * A running detection stored an image's prediction: its row shows the new score, and the open image its poses
   * and maps, at once (nothing waits for the whole job).
   */
  private imageDetected(e: PoseEvent<'imageDetected'>): void {
    this.images.forget(e.imageId);
    if (!e.error) this.list.patchRow(e.imageId, { score: e.score });
    else void this.setup.refreshProblems();
    if (this.images.current.get()?.row.id === e.imageId) void this.reloadCurrent();
  }

  async navigate(direction: 'next' | 'previous'): Promise<void> {
    const i = this.images.status.get().index + (direction === 'next' ? 1 : -1);
    if (i < 0 || i >= this.list.total)
      this.notices.say(direction === 'next' ? 'That was the last image.' : 'This is the first image.');
    else await this.openIndex(i);
  }

  /** Only from "unreviewed": another window may have reviewed the image since this list was loaded. */
  private async markInProgress(imageId: number): Promise<void> {
    const r = await this.notices.attempt('The image could not be marked in progress', () =>
      this.client.api.setStatus({ imageId, status: 'in_progress', ifStatus: 'unreviewed' }),
    );
    if (r) this.patchStatus(imageId, r.status);
  }

  private patchStatus(imageId: number, status: ReviewStatus | 'in_progress' | 'unreviewed'): void {
    this.list.patchRow(imageId, { status });
    this.images.patchRow(imageId, { status });
  }

  private async reloadCurrent(): Promise<void> {
    await this.notices.attempt('The image did not reload', async () => {
      const fresh = await this.images.reload();
      if (fresh) this.edits.loaded(fresh.row.id, fresh.annotation);
    });
  }

  /** The annotation slice follows the open image's edits (other images' changes are kept for when they open). */
  private showAnnotation(imageId: number): void {
    if (this.images.current.get()?.row.id === imageId) this.annotation.set(this.edits.shown(imageId));
  }

  // ---- edits ----------------------------------------------------------------------------------------------------

  /** Applies a diff to the open image now and saves it; resolves once it is saved or refused as malformed. */
  commit(diff: RecordDiff, label: string): Promise<void> {
    const a = this.annotation.get();
    if (!a) return Promise.resolve();
    this.images.forget(a.imageId);
    return this.edits.commit(a.imageId, diff, label);
  }

  /** Undo/redo: one local step of the image's history, then one save. */
  history(kind: 'undo' | 'redo'): Promise<void> {
    const a = this.annotation.get();
    if (!a) return Promise.resolve();
    this.pointer.cancel();
    this.images.forget(a.imageId);
    return this.edits.history(a.imageId, kind);
  }

  context(): EditorContext | null {
    const a = this.annotation.get(),
      cur = this.images.current.get();
    if (!a || !cur) return null;
    return {
      state: a.state,
      selection: this.view.selection.get().selection,
      predictions: cur.predictions,
      canUndo: a.canUndo,
      canRedo: a.canRedo,
      newPersonId: (i) => `p${Date.now().toString(36)}${i}${Math.random().toString(36).slice(2, 6)}`,
    };
  }

  async run(command: EditorCommand): Promise<void> {
    const ctx = this.context();
    // Undo/redo run even when disabled, to say there is nothing to undo.
    if (!ctx || (!command.isEnabled(ctx) && !command.id.startsWith('history.'))) return;
    let effect: CommandEffect;
    try {
      effect = command.run(ctx);
    } catch (e) {
      this.notices.fail(command.label, e);
      return;
    }
    if (effect.selection) this.view.select(effect.selection, effect.placeMode ?? false);
    else if (effect.placeMode !== undefined) this.view.setPlaceMode(effect.placeMode);
    if (effect.diff) await this.commit(effect.diff, effect.label ?? command.label);
    if (effect.history) await this.history(effect.history);
    // An image whose status could not be set stays open (the message says why).
    if (effect.review && !(await this.review(effect.review))) return;
    if (effect.navigate) await this.navigate(effect.navigate);
  }

  /** Sets the open image's review status once its edits are saved; false: it could not be set. */
  async review(status: ReviewStatus): Promise<boolean> {
    const cur = this.images.current.get();
    if (!cur) return false;
    await this.edits.idle();
    const r = await this.notices.attempt(`The image could not be marked ${status.replace('_', ' ')}`, () =>
      this.client.api.setStatus({ imageId: cur.row.id, status }),
    );
    if (r) this.patchStatus(cur.row.id, r.status);
    return r !== undefined;
  }

  select(selection: Selection, placeMode = false): void {
    this.view.select(selection, placeMode);
  }

  // ---- keyboard and menus ---------------------------------------------------------------------------------------

  /** Runs a command by id (menus of the desktop app). */
  runCommandId(id: string): void {
    const view = VIEW_COMMANDS.find((c) => c.id === id);
    if (view) return view.apply(this);
    const cmd = EDITOR_COMMANDS.find((c) => c.id === id);
    if (cmd) void this.run(cmd);
    else this.notices.say(`No command ${id}`);
  }

  /** Handles a key press; true when it was a shortcut (the caller then prevents the default). */
  handleKey(e: KeyLike): boolean {
    if (e.key === 'Escape') {
      if (this.notices.dialog.get()) this.notices.open(null);
      else {
        this.pointer.cancel();
        this.view.clearSelection();
      }
      return true;
    }
    if (this.notices.dialog.get()) return false;
    const view = commandForKey(e, this.isMac, VIEW_COMMANDS);
    if (view) {
      view.apply(this);
      return true;
    }
    const cmd = commandForKey(e, this.isMac, EDITOR_COMMANDS);
    if (!cmd) return false;
    void this.run(cmd);
    return true;
  }

  /** Every slice at once, as plain data: for the end-to-end tests and the console, not for components. */
  snapshot(): EngineSnapshot {
    return engineSnapshot(this);
  }
}
