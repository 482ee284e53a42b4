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
import { triagePredictions, type Triage } from '../../core/review/predictionTriage.ts';
import type { StudioClient } from '../api/studioClient.ts';
import { CanvasGestures } from './canvasGestures.ts';
import { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import { ImageListModel, type ListFilter } from './imageListModel.ts';
import { ImageSession, type MediaLoader } from './imageSession.ts';
import { JobMonitor } from './jobMonitor.ts';
import { Notices } from './notices.ts';
import { engineSnapshot, type EngineSnapshot } from './engineSnapshot.ts';
import { PointerMachine } from './pointerMachine.ts';
import { ReviewFlow, type ReviewStatus } from './reviewFlow.ts';
import { ReviewSettings } from './reviewSettings.ts';
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

export type { ReviewStatus };

/**
 * The review editor without React, as parts with one concern each, every one a set of slices components subscribe
 * to: `images` (load, cache, prefetch: the open image), `edits` (the core EditHistory per image and its save queue:
 * `annotation` is what the open image shows), `view` (viewport, selection, hover, overlay, triage and detection
 * settings, resume points), `pointer` (the canvas's press/pan/drag machine), `jobs` (detection), `notices` (status
 * line and dialogs: the one place a failure is reported), `list` (the image list), `settings` (the project's score
 * threshold), `flow` (review statuses, the question before accepting undecided predictions, empty persons);
 * `triage` is the open image's predictions as triaged at the threshold. This class wires them and runs the commands.
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
  readonly settings: ReviewSettings;
  readonly flow: ReviewFlow;
  readonly triage = new Slice<Triage | null>(null);
  private readonly prefetchNext: boolean;
  private leftPerson: string | null = null;
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
      {
        changed: (id) => this.showAnnotation(id),
        say: (m) => this.notices.say(m),
        saved: (id) => this.flow.saved(id),
      },
      o.sleep,
    );
    this.settings = new ReviewSettings(client, this.notices);
    this.flow = new ReviewFlow({
      client,
      images: this.images,
      edits: this.edits,
      list: this.list,
      notices: this.notices,
      annotation: this.annotation,
      context: () => this.context(),
      commit: (d, l) => this.commit(d, l),
      apply: (e, l) => this.apply(e, l),
    });
    this.gestures = new CanvasGestures({
      images: this.images,
      edits: this.edits,
      view: this.view,
      annotation: this.annotation,
      commit: (d, l) => this.commit(d, l),
      shownPredictions: () => (this.view.triage.get().showPredictions ? (this.triage.get()?.pending ?? []) : []),
      newPersonId: (i) => this.newPersonId(i),
    });
    this.pointer = new PointerMachine(this.gestures);
    this.jobs = new JobMonitor(client, this.notices, () => {
      this.images.forgetAll();
      void this.notices.attempt('The image list did not refresh', () => this.list.refresh());
      void this.reloadCurrent();
    });
    // Another window (or tab) changed an image: drop its cached copy; show it if it is open here (EditSession
    // keeps this window's unsaved steps on top). Own saves announce themselves too, with revisions it has.
    client.on('annotationChanged', (p) => {
      this.images.forget(p.imageId);
      const shown = this.annotation.get();
      if (shown?.imageId === p.imageId && p.revision > shown.revision && !shown.pending) void this.reloadCurrent();
    });
    // The triage follows the annotation, the predictions and the threshold.
    const retriage = () => this.retriage();
    this.annotation.subscribe(retriage);
    this.images.current.subscribe(retriage);
    this.settings.settings.subscribe(retriage);
    // A person the reviewer leaves (the selection moves on) is removed when it has nothing labelled.
    this.view.selection.subscribe(() => {
      const id = this.view.selection.get().selection.personId;
      if (this.leftPerson !== null && this.leftPerson !== id) this.flow.left(this.leftPerson);
      this.leftPerson = id;
    });
  }

  // ---- images ---------------------------------------------------------------------------------------------------

  /**
   * Loads the project's settings and the list, and opens an image: where this window left the project (its filter
   * and image, kept in the preferences), else the first image in file order; `filter` overrides the kept one.
   */
  async start(filter?: ListFilter): Promise<void> {
    await Promise.all([this.jobs.refreshProject(), this.settings.load()]);
    const root = this.jobs.project.get()?.root;
    const resume = root ? this.view.resumePoint(root) : null;
    await this.setFilter(filter ?? (resume?.filter as ListFilter | undefined) ?? { order: 'file' }, resume?.imageId);
  }

  /** Filters the list and stays at the open image (or `imageId`) when the filter keeps it, else opens the first. */
  async setFilter(filter: ListFilter, imageId = this.images.current.get()?.row.id): Promise<void> {
    const at = await this.notices.attempt('The image list did not load', async () => {
      await this.list.setFilter(filter);
      return imageId === undefined ? 0 : ((await this.list.positionOf(imageId)) ?? 0);
    });
    if (at === undefined) return;
    if (this.list.total > 0) return this.openIndex(at);
    this.images.current.set(null);
    this.images.status.set({ index: -1, loading: false, error: null });
    this.annotation.set(null);
    this.remember();
  }

  /** Opens the image at a list index; resolves once it is shown and interactive (measure `image-interactive:<id>`). */
  async openIndex(index: number): Promise<void> {
    const row = await this.notices.attempt('The image list did not load', () => this.list.ensureRow(index));
    if (!row) return;
    const t0 = performance.now();
    const before = this.images.current.get()?.row.id;
    const said = this.notices.version;
    if (before !== undefined && before !== row.id) {
      this.pointer.cancel();
      this.flow.dismiss();
      await this.flow.leaveImage();
    }
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
    // What the status line said about the image left does not stay over this one (a message of the move does).
    if (before !== undefined && before !== row.id && this.notices.version === said) this.notices.say(null);
    this.remember();
    // A page of the list that does not load now is asked for again (and its failure shown) when it is opened.
    if (this.prefetchNext)
      void this.list.ensureRow(index + 1).then(
        (r) => this.images.prefetch(r),
        () => undefined,
      );
  }

  async navigate(direction: 'next' | 'previous'): Promise<void> {
    const i = this.images.status.get().index + (direction === 'next' ? 1 : -1);
    if (i < 0 || i >= this.list.total)
      this.notices.say(direction === 'next' ? 'That was the last image.' : 'This is the first image.');
    else await this.openIndex(i);
  }

  /** Keeps where the window is in the project (filter and open image) for a reload or the next session. */
  private remember(): void {
    const root = this.jobs.project.get()?.root,
      id = this.images.current.get()?.row.id;
    if (root && id !== undefined) this.view.setResumePoint(root, { imageId: id, filter: this.list.filter });
  }

  /** The open image's predictions at the project's threshold; a selected prediction that is no longer pending goes. */
  private retriage(): void {
    const a = this.annotation.get(),
      cur = this.images.current.get();
    const t =
      a && cur && a.imageId === cur.row.id
        ? triagePredictions(a.state, cur.predictions, this.settings.threshold())
        : null;
    this.triage.set(t);
    const key = this.view.selection.get().prediction;
    if (key !== null && !t?.pending.some((x) => x.key === key)) this.view.selectPrediction(null);
  }

  private newPersonId(i: number): string {
    return `p${Date.now().toString(36)}${i}${Math.random().toString(36).slice(2, 6)}`;
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
      cur = this.images.current.get(),
      triage = this.triage.get();
    if (!a || !cur || !triage) return null;
    const sel = this.view.selection.get();
    return {
      state: a.state,
      selection: sel.selection,
      triage,
      prediction: sel.prediction,
      predictionsShown: this.view.triage.get().showPredictions,
      canUndo: a.canUndo,
      canRedo: a.canRedo,
      newPersonId: (i) => this.newPersonId(i),
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
    await this.apply(effect, command.label);
  }

  /** Carries out what a command (or the review question's answer) asks for, in order. */
  async apply(effect: CommandEffect, label: string): Promise<void> {
    if (effect.selection) this.view.select(effect.selection, effect.placeMode ?? false);
    else if (effect.placeMode !== undefined) this.view.setPlaceMode(effect.placeMode);
    if (effect.diff) await this.commit(effect.diff, effect.label ?? label);
    if (effect.prediction !== undefined) this.view.selectPrediction(effect.prediction);
    if (effect.history) await this.history(effect.history);
    if (effect.ask) return this.flow.ask(effect.ask);
    // An image whose status could not be set stays open (the message says why).
    if (effect.review && !(await this.flow.review(effect.review))) return;
    if (effect.navigate) await this.navigate(effect.navigate);
  }

  /** Sets the open image's review status once its edits are saved; false: it could not be set. */
  review(status: ReviewStatus): Promise<boolean> {
    return this.flow.review(status);
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
    if (this.flow.handleKey(e)) return true;
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
