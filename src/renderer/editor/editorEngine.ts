import type {
  CommandEffect,
  EditorCommand,
  EditorContext,
  KeyLike,
  Selection,
} from '../../core/edit/editorCommands.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { Triage } from '../../core/review/predictionTriage.ts';
import type { StudioClient } from '../api/studioClient.ts';
import { CanvasGestures } from './canvasGestures.ts';
import { CommandRunner, newPersonId } from './commandRunner.ts';
import { Corrections } from './correctionCommands.ts';
import { EditSession } from './editSession.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import { ImageListModel, type ListFilter } from './imageListModel.ts';
import { ImageSession, type MediaLoader } from './imageSession.ts';
import { ImageTriage } from './imageTriage.ts';
import { ImageNavigation } from './imageNavigation.ts';
import { JobMonitor } from './jobMonitor.ts';
import { TrainingMonitor } from './trainingMonitor.ts';
import { ProjectSetup } from './projectSetup.ts';
import type { PoseEvent } from '../../contract/poseApi.ts';
import { Notices } from './notices.ts';
import { engineSnapshot, type EngineSnapshot } from './engineSnapshot.ts';
import { PointerMachine } from './pointerMachine.ts';
import { Presence } from './presence.ts';
import { ReviewFlow, type ReviewStatus } from './reviewFlow.ts';
import { ReviewSettings } from './reviewSettings.ts';
import { Slice } from './slice.ts';
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
 * `triage` is the open image's predictions as triaged at the threshold. This class wires them; `CommandRunner` runs the commands.
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
  readonly training: TrainingMonitor;
  readonly settings: ReviewSettings;
  readonly flow: ReviewFlow;
  readonly triage: Slice<Triage | null>;
  /** Snap to peak, second guesses, flags, regroup, move / merge / split (correctionCommands.ts). */
  readonly corrections: Corrections;
  /** Who else has which image open (a team project). */
  readonly presence: Presence;
  private readonly triaged: ImageTriage;
  private readonly nav: ImageNavigation;
  private readonly commands = new CommandRunner(this);

  constructor(client: StudioClient, o: EngineOptions) {
    this.client = client;
    this.isMac = o.isMac;
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
    this.triaged = new ImageTriage({
      annotation: this.annotation,
      images: this.images,
      view: this.view,
      settings: this.settings,
    });
    this.triage = this.triaged.triage;
    this.flow = new ReviewFlow({
      client,
      view: this.view,
      images: this.images,
      edits: this.edits,
      list: this.list,
      notices: this.notices,
      annotation: this.annotation,
      context: () => this.context(),
      commit: (d, l) => this.commit(d, l),
      apply: (e, l) => this.apply(e, l),
    });
    this.corrections = new Corrections({
      images: this.images,
      view: this.view,
      annotation: this.annotation,
      notices: this.notices,
      commit: (d, l) => this.commit(d, l),
      newPersonId,
    });
    this.gestures = new CanvasGestures({
      corrections: this.corrections,
      images: this.images,
      edits: this.edits,
      view: this.view,
      annotation: this.annotation,
      commit: (d, l) => this.commit(d, l),
      shownPredictions: () => this.triaged.shown(),
      newPersonId,
    });
    this.pointer = new PointerMachine(this.gestures);
    this.setup = new ProjectSetup(client, this.notices);
    this.training = new TrainingMonitor(client, this.notices, () => void this.setup.refresh());
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
    this.nav = new ImageNavigation({
      notices: this.notices,
      list: this.list,
      images: this.images,
      edits: this.edits,
      view: this.view,
      pointer: this.pointer,
      flow: this.flow,
      jobs: this.jobs,
      settings: this.settings,
      annotation: this.annotation,
      prefetch: o.prefetch ?? true,
      afterPaint: o.afterPaint ?? ((f) => setTimeout(f, 0)),
      showAnnotation: (id) => this.showAnnotation(id),
    });
    this.presence = new Presence(client);
    this.images.current.subscribe(() => this.presence.opened(this.images.current.get()?.row.id ?? null));
    // Another window, tab or (team) person changed an image: drop its cached copy; show it at once if it is open
    // here, even in the middle of this window's own edit (EditSession keeps the unsaved steps, and an open gesture,
    // on top) — unless a save of this window is on its way, whose answer brings the state as saved. Own saves
    // announce themselves too, with revisions it has (or will have once the answer comes).
    client.on('annotationChanged', (p) => {
      this.images.forget(p.imageId);
      const shown = this.annotation.get();
      if (shown?.imageId !== p.imageId || p.revision <= shown.revision || this.edits.saving(p.imageId)) return;
      void this.reloadCurrent(p.by);
    });
  }

  // ---- images ---------------------------------------------------------------------------------------------------

  /** Loads the list and opens where this window left the project (its filter and image), else the first image. */
  start(filter?: ListFilter): Promise<void> {
    void this.setup.refresh();
    return this.nav.start(filter);
  }
  /** Filters the list, staying at the open image when the filter keeps it. */
  setFilter(filter: ListFilter, imageId?: number): Promise<void> {
    return this.nav.setFilter(filter, imageId);
  }
  /** Opens the image at a list index; resolves once it is shown and interactive. */
  openIndex(index: number): Promise<void> {
    return this.nav.openIndex(index);
  }
  navigate(direction: 'next' | 'previous'): Promise<void> {
    return this.nav.navigate(direction);
  }
  /** Opens an image by id (the evaluation panel's rows): in the current list, else in file order. */
  openImageId(imageId: number): Promise<void> {
    return this.nav.openImageId(imageId);
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

  /** `by`: who changed the image (a team project), for the status line. */
  private async reloadCurrent(by?: string): Promise<void> {
    await this.notices.attempt('The image did not reload', async () => {
      const fresh = await this.images.reload();
      if (fresh) this.edits.loaded(fresh.row.id, fresh.annotation, by);
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
    return this.commands.context();
  }
  run(command: EditorCommand): Promise<void> {
    return this.commands.run(command);
  }
  /** Carries out what a command (or the review question's answer) asks for, in order. */
  apply(effect: CommandEffect, label: string): Promise<void> {
    return this.commands.apply(effect, label);
  }

  /** Sets the open image's review status once its edits are saved; false: it could not be set. */
  review(status: ReviewStatus): Promise<boolean> {
    return this.flow.review(status);
  }

  select(selection: Selection, placeMode = false): void {
    this.view.select(selection, placeMode);
  }

  // ---- keyboard and menus (commandRunner.ts) ----------------------------------------------------------------

  /** Runs a command by id (menus of the desktop app). */
  runCommandId(id: string): void {
    this.commands.runCommandId(id);
  }
  /** Handles a key press; true when it was a shortcut (the caller then prevents the default). */
  handleKey(e: KeyLike): boolean {
    return this.commands.handleKey(e);
  }

  /** Every slice at once, as plain data: for the end-to-end tests and the console, not for components. */
  snapshot(): EngineSnapshot {
    return engineSnapshot(this);
  }
}
