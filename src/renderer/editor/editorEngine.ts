import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { isEmptyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import {
  EDITOR_COMMANDS,
  commandForKey,
  type CommandEffect,
  type EditorCommand,
  type EditorContext,
  type Selection,
} from '../../core/edit/editorCommands.ts';
import { moveJoint, nextJointIndex, placeJoint } from '../../core/edit/poseEdits.ts';
import { actualSize, fitViewport, pan, zoomAt, type Viewport } from '../../core/geometry/viewport.ts';
import { mapPlacement, type MapPlacement } from '../../core/geometry/mapPlacement.ts';
import { CHANNELS, COCO_TO_IMHN } from '../../core/skeleton/poseMeta.ts';
import { parseNpy } from '../../core/tensor/parseNpy.ts';
import type { ColormapName } from '../../core/geometry/colormap.ts';
import type { StudioClient } from '../api/studioClient.ts';
import { ImageListModel, type ImageRow, type ListFilter } from './imageListModel.ts';
import { VIEW_COMMANDS, type ViewCommand } from './viewCommands.ts';
import { EditSaver } from './editSaver.ts';
import { clampToBounds } from '../../core/edit/diffChecks.ts';
import { jsonEqual } from '../../core/edit/jsonEqual.ts';

/** The network's maps for the open image: [50, h, w] stride-4 cells, and where they lie over the image. */
export interface OverlayMaps {
  data: Float32Array;
  channels: number;
  h: number;
  w: number;
  multiplier: number;
  placement: MapPlacement;
}

interface Loaded {
  row: ImageRow;
  bitmap: HTMLImageElement;
  state: AnnotationState;
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  predictions: Pose[];
  maps: OverlayMaps | null;
}

export interface HeatmapSettings {
  visible: boolean;
  channel: number;
  opacity: number;
  colormap: ColormapName;
  followHover: boolean;
  parts: boolean;
}
export interface DetectPrefs {
  scales: number[];
  flip: boolean;
  mode: 'fast' | 'reference';
  /** An ONNX model chosen in the settings; empty: the project's default (the bundled model). */
  modelPath?: string;
}
export interface JobState {
  jobId: string;
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  message?: string;
}

export interface EditorSnapshot {
  index: number;
  current: Loaded | null;
  loading: boolean;
  error: string | null;
  selection: Selection;
  placeMode: boolean;
  hover: { personId: string; joint: number } | null;
  viewport: Viewport;
  canvas: { w: number; h: number };
  heatmap: HeatmapSettings;
  job: JobState | null;
  dialog: 'help' | 'export' | 'settings' | null;
  message: string | null;
  listVersion: number;
  /** The dragged joint's live position (image px) while a drag is in progress. */
  dragging: { personId: string; joint: number } | null;
  detect: DetectPrefs;
}

type Listener = () => void;

/**
 * The review editor without React: the open image (bitmap, annotation, predictions, maps), selection, viewport,
 * heatmap settings, the job, dialogs. Edits are diffs applied locally at once and saved through the contract
 * (applyEdit) in order by the EditSaver, which never throws one away (409: re-based onto the other writer's change;
 * busy or offline: sent again); undo/redo are the server's, so they survive a reload. Selection, hover and viewport
 * are never undoable. The next image is prefetched so that moving on is immediate.
 */
export class EditorEngine {
  readonly client: StudioClient;
  readonly list: ImageListModel;
  private snap: EditorSnapshot;
  private listeners = new Set<Listener>();
  private cache = new Map<number, Promise<Loaded>>();
  private readonly saver: EditSaver;
  private dragStart: AnnotationState | null = null;
  private openSeq = 0;
  readonly isMac: boolean;
  /** Load the next image while this one is reviewed (off only to measure what it saves). */
  private readonly prefetchNext: boolean;

  constructor(client: StudioClient, options: { isMac?: boolean; prefetch?: boolean } = {}) {
    this.client = client;
    this.isMac = options.isMac ?? /Mac|iPhone|iPad/.test(navigator.platform);
    this.prefetchNext = options.prefetch ?? true;
    this.list = new ImageListModel(client, () => this.set({ listVersion: this.snap.listVersion + 1 }));
    this.saver = new EditSaver(client.api, {
      onState: (imageId, view) => {
        const cur = this.snap.current;
        if (cur?.row.id === imageId && (cur.revision !== view.revision || !jsonEqual(cur.state, view.state)))
          this.setCurrent({ state: view.state, revision: view.revision });
      },
      onMessage: (message) => this.set({ message }),
    });
    const saved = readPrefs();
    this.snap = {
      index: -1,
      current: null,
      loading: false,
      error: null,
      selection: { personId: null, joint: null },
      placeMode: false,
      hover: null,
      viewport: { scale: 1, offsetX: 0, offsetY: 0 },
      canvas: { w: 800, h: 600 },
      heatmap: {
        visible: false,
        channel: CHANNELS.keypointMax,
        opacity: 0.6,
        colormap: 'turbo',
        followHover: true,
        parts: false,
        ...saved.heatmap,
      },
      job: null,
      dialog: null,
      message: null,
      listVersion: 0,
      dragging: null,
      detect: { scales: [1], flip: true, mode: 'fast', ...saved.detect },
    };
    // Progress of this window's job — or of one another window started, when this one has none running.
    client.on('jobProgress', (p) => {
      const job = this.snap.job;
      if (job?.jobId === p.jobId || job?.status !== 'running') this.set({ job: { ...p, status: 'running' } });
    });
    // Another window (or tab) changed an image: drop its cached copy; reload it if it is open here and nothing of
    // this window's is still being saved (own saves also announce themselves, with revisions it already has).
    client.on('annotationChanged', (p) => {
      this.cache.delete(p.imageId);
      const cur = this.snap.current;
      if (
        cur?.row.id === p.imageId &&
        p.revision > cur.revision &&
        !this.saver.pending(p.imageId) &&
        !this.snap.dragging
      )
        void this.reloadCurrent();
    });
    client.on('jobFinished', (p) => {
      if (this.snap.job?.jobId !== p.jobId) return;
      this.set({ job: { ...this.snap.job, status: p.status, message: p.message } });
      this.cache.clear();
      void this.list.refresh();
      if (this.snap.current) void this.reloadCurrent();
    });
  }

  /** The dragged joint's live position: its own tiny store, so a drag repaints one person, not the whole app. */
  private dragListeners = new Set<Listener>();
  private dragPoint: { x: number; y: number } | null = null;
  subscribeDrag = (l: Listener): (() => void) => {
    this.dragListeners.add(l);
    return () => this.dragListeners.delete(l);
  };
  getDragPoint = (): { x: number; y: number } | null => this.dragPoint;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = (): EditorSnapshot => this.snap;

  private set(patch: Partial<EditorSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }

  private setCurrent(patch: Partial<Loaded>): void {
    if (this.snap.current) this.set({ current: { ...this.snap.current, ...patch } });
  }

  // ---- images ---------------------------------------------------------------------------------------------------

  async start(filter: ListFilter = { order: 'file' }): Promise<void> {
    await this.list.setFilter(filter);
    if (this.list.total > 0) await this.openIndex(0);
    else this.set({ current: null, index: -1 });
  }

  async setFilter(filter: ListFilter): Promise<void> {
    try {
      await this.start(filter);
    } catch (e) {
      this.set({ message: (e as Error).message });
    }
  }

  /** Opens the image at a list index; resolves once it is shown and interactive (performance mark `image:<id>`). */
  async openIndex(index: number): Promise<void> {
    const row = await this.list.ensureRow(index);
    if (!row) return;
    const seq = ++this.openSeq;
    const t0 = performance.now();
    this.set({ loading: true, error: null, index });
    try {
      const loaded = await this.load(row);
      if (seq !== this.openSeq) return;
      const shown = this.saver.loaded(row.id, loaded.state, loaded.revision);
      this.set({
        current: { ...loaded, state: shown.state, revision: shown.revision },
        loading: false,
        index,
        selection: { personId: null, joint: null },
        placeMode: false,
        hover: null,
        dragging: null,
        viewport: fitViewport(row.width, row.height, this.snap.canvas.w, this.snap.canvas.h),
      });
      afterPaint(() => performance.measure(`image-interactive:${row.id}`, { start: t0, end: performance.now() }));
      if (row.status === 'unreviewed') void this.markInProgress(row.id);
      if (this.prefetchNext) this.prefetch(index + 1);
    } catch (e) {
      if (seq === this.openSeq)
        this.set({ loading: false, error: `${row.relPath}: ${(e as Error).message}`, current: null });
    }
  }

  /** Only from "unreviewed": another window may have reviewed the image since this list was loaded. */
  private async markInProgress(imageId: number): Promise<void> {
    const r = await this.client.api
      .setStatus({ imageId, status: 'in_progress', ifStatus: 'unreviewed' })
      .catch(() => null);
    if (!r) return;
    this.list.patchRow(imageId, { status: r.status });
    const cur = this.snap.current;
    if (cur?.row.id === imageId) this.setCurrent({ row: { ...cur.row, status: r.status } });
  }

  private prefetch(index: number): void {
    void this.list.ensureRow(index).then((row) => {
      if (row && !row.missing) void this.load(row).catch(() => undefined);
    });
  }

  private load(row: ImageRow): Promise<Loaded> {
    const hit = this.cache.get(row.id);
    if (hit) return hit;
    const p = (async (): Promise<Loaded> => {
      const bitmap = new Image();
      bitmap.src = this.client.mediaUrl('images', row.id);
      const [ann, pred] = await Promise.all([
        this.client.api.getAnnotation({ imageId: row.id }),
        this.client.api.getPredictions({ imageId: row.id }),
        bitmap.decode().catch(() => {
          throw new Error('the image cannot be shown (missing or not an image the browser decodes)');
        }),
      ]);
      const maps = pred.maps ? await this.loadMaps(row, pred.maps.multiplier).catch(() => null) : null;
      return {
        row,
        bitmap,
        state: ann.state,
        revision: ann.revision,
        canUndo: ann.canUndo,
        canRedo: ann.canRedo,
        predictions: pred.poses,
        maps,
      };
    })();
    this.cache.set(row.id, p);
    p.catch(() => this.cache.delete(row.id));
    // Keep a handful: the open image, the next, and a few behind.
    if (this.cache.size > 6) this.cache.delete(this.cache.keys().next().value!);
    return p;
  }

  private async loadMaps(row: ImageRow, multiplier: number): Promise<OverlayMaps> {
    const res = await fetch(this.client.mediaUrl('maps', row.id));
    if (!res.ok) throw new Error(`maps: ${res.status}`);
    const t = parseNpy(new Uint8Array(await res.arrayBuffer()));
    const [channels, h, w] = t.shape;
    return { data: t.data, channels, h, w, multiplier, placement: mapPlacement(row.width, row.height, multiplier) };
  }

  private async reloadCurrent(): Promise<void> {
    const cur = this.snap.current;
    if (!cur) return;
    this.cache.delete(cur.row.id);
    const fresh = await this.load(cur.row).catch(() => null);
    if (!fresh || this.snap.current?.row.id !== cur.row.id) return;
    const shown = this.saver.loaded(cur.row.id, fresh.state, fresh.revision);
    this.setCurrent({
      predictions: fresh.predictions,
      maps: fresh.maps,
      state: shown.state,
      revision: shown.revision,
      canUndo: fresh.canUndo,
      canRedo: fresh.canRedo,
    });
  }

  async navigate(direction: 'next' | 'previous'): Promise<void> {
    const i = this.snap.index + (direction === 'next' ? 1 : -1);
    if (i < 0 || i >= this.list.total) {
      this.set({ message: direction === 'next' ? 'That was the last image.' : 'This is the first image.' });
      return;
    }
    await this.openIndex(i);
  }

  // ---- edits ----------------------------------------------------------------------------------------------------

  /**
   * Applies a diff now and saves it (EditSaver: in order, never thrown away); resolves once it is saved or refused
   * as malformed.
   */
  commit(diff: RecordDiff, label: string): Promise<void> {
    const cur = this.snap.current;
    if (!cur || isEmptyDiff(diff)) return Promise.resolve();
    const imageId = cur.row.id;
    const { view, saved } = this.saver.commit(imageId, diff, label);
    this.setCurrent({ state: view.state, canUndo: true, canRedo: false });
    this.cache.delete(imageId);
    return saved;
  }

  /**
   * Undo/redo on the server, in order with the saves and with each other (a quick Ctrl+Z, Ctrl+Shift+Z runs both),
   * naming the revision this window has: when another writer changed the image since, the server refuses (409) and
   * the window shows the current annotation first, so nobody undoes a change they have not seen.
   */
  history(which: 'undo' | 'redo'): Promise<void> {
    const cur = this.snap.current;
    if (!cur) return Promise.resolve();
    const imageId = cur.row.id;
    return this.saver
      .after(imageId, async (revision) => {
        const r = await this.client.api[which]({ imageId, revision });
        this.cache.delete(imageId);
        if (!r) {
          this.set({ message: which === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.' });
          return;
        }
        this.saver.saved(imageId, r.state, r.revision);
        const h = await this.client.api.getAnnotation({ imageId });
        if (this.snap.current?.row.id === imageId)
          this.setCurrent({ state: r.state, revision: r.revision, canUndo: h.canUndo, canRedo: h.canRedo });
        this.set({ message: `${which === 'undo' ? 'Undid' : 'Redid'}: ${r.label}` });
      })
      .catch(async (e: Error & { status?: number }) => {
        if (e.status === 409) {
          await this.reloadCurrent();
          this.set({
            message: `Another window changed this image; it is shown as it is now (${which} again to ${which} its latest change)`,
          });
        } else this.set({ message: `${which === 'undo' ? 'Undo' : 'Redo'} failed: ${e.message}` });
      });
  }

  context(): EditorContext | null {
    const cur = this.snap.current;
    if (!cur) return null;
    return {
      state: cur.state,
      selection: this.snap.selection,
      predictions: cur.predictions,
      canUndo: cur.canUndo,
      canRedo: cur.canRedo,
      newPersonId: (i) => `p${Date.now().toString(36)}${i}${Math.random().toString(36).slice(2, 6)}`,
    };
  }

  async run(command: EditorCommand): Promise<void> {
    const ctx = this.context();
    // Undo/redo go to the server even when this window thinks there is nothing (it may not have heard yet).
    if (!ctx || (!command.isEnabled(ctx) && !command.id.startsWith('history.'))) return;
    let effect: CommandEffect;
    try {
      effect = command.run(ctx);
    } catch (e) {
      this.set({ message: (e as Error).message });
      return;
    }
    await this.applyEffect(effect);
  }

  private async applyEffect(e: CommandEffect): Promise<void> {
    if (e.selection) this.select(e.selection, e.placeMode ?? false);
    else if (e.placeMode !== undefined) this.set({ placeMode: e.placeMode });
    if (e.diff) await this.commit(e.diff, e.label ?? 'Edit');
    if (e.history) await this.history(e.history);
    if (e.review && !(await this.review(e.review))) return; // not saved: stay on the image, said so
    if (e.navigate) await this.navigate(e.navigate);
  }

  /** Sets the open image's review status; false (with a message) when the server refused it (locked, offline). */
  async review(status: 'accepted' | 'rejected' | 'skipped' | 'no_person'): Promise<boolean> {
    const cur = this.snap.current;
    if (!cur) return false;
    await this.saver.idle();
    try {
      await this.client.api.setStatus({ imageId: cur.row.id, status });
    } catch (e) {
      this.set({ message: `The review was not saved: ${(e as Error).message}; press the key again` });
      return false;
    }
    this.list.patchRow(cur.row.id, { status });
    this.setCurrent({ row: { ...cur.row, status } });
    return true;
  }

  select(selection: Selection, placeMode = false): void {
    const patch: Partial<EditorSnapshot> = { selection, placeMode };
    if (selection.joint !== null && this.snap.heatmap.followHover)
      patch.heatmap = { ...this.snap.heatmap, channel: jointChannel(selection.joint) };
    this.set(patch);
  }

  hoverJoint(h: { personId: string; joint: number } | null): void {
    const patch: Partial<EditorSnapshot> = { hover: h };
    if (h && this.snap.heatmap.followHover && this.snap.heatmap.channel !== jointChannel(h.joint))
      patch.heatmap = { ...this.snap.heatmap, channel: jointChannel(h.joint) };
    this.set(patch);
  }

  beginDrag(personId: string, joint: number): void {
    const cur = this.snap.current;
    if (!cur?.state.persons[personId]?.joints[joint]) return;
    this.dragStart = cur.state;
    this.set({ dragging: { personId, joint }, selection: { personId, joint }, placeMode: false });
  }

  /** Moves the dragged joint on screen only (nothing saved until the drag ends: a drag is one undo step). */
  dragTo(x: number, y: number): void {
    if (!this.snap.dragging) return;
    this.dragPoint = { x, y };
    for (const l of this.dragListeners) l();
  }

  async endDrag(x: number, y: number): Promise<void> {
    const d = this.snap.dragging,
      start = this.dragStart;
    this.dragStart = null;
    this.dragPoint = null;
    this.set({ dragging: null });
    if (!d || !start || !this.snap.current) return;
    const j = start.persons[d.personId].joints[d.joint]!;
    const to = clampToBounds(x, y, this.snap.current.row);
    if (Math.hypot(j.x - to.x, j.y - to.y) < 1e-6) return;
    await this.commit(moveJoint(start, d.personId, d.joint, to.x, to.y), 'Move joint');
  }

  /** A click on the image (image px): places the selected missing joint in place mode, else clears the selection. */
  async clickImage(x: number, y: number): Promise<void> {
    const cur = this.snap.current,
      sel = this.snap.selection;
    if (!cur) return;
    if (
      this.snap.placeMode &&
      sel.personId &&
      sel.joint !== null &&
      cur.state.persons[sel.personId] &&
      cur.state.persons[sel.personId].joints[sel.joint] === null
    ) {
      const pid = sel.personId,
        k = sel.joint;
      const at = clampToBounds(x, y, cur.row);
      await this.commit(placeJoint(cur.state, pid, k, at.x, at.y), 'Place joint');
      const p = this.snap.current!.state.persons[pid];
      const next = nextJointIndex(p, k, 1, true);
      this.select({ personId: pid, joint: next < 0 ? k : next }, next >= 0);
      return;
    }
    this.set({ selection: { personId: null, joint: null }, placeMode: false });
  }

  // ---- view -----------------------------------------------------------------------------------------------------

  setCanvasSize(w: number, h: number): void {
    if (w === this.snap.canvas.w && h === this.snap.canvas.h) return;
    const cur = this.snap.current;
    this.set({ canvas: { w, h }, ...(cur ? { viewport: fitViewport(cur.row.width, cur.row.height, w, h) } : {}) });
  }

  setViewport(v: Viewport): void {
    this.set({ viewport: v });
  }
  zoom(sx: number, sy: number, factor: number): void {
    this.set({ viewport: zoomAt(this.snap.viewport, sx, sy, factor) });
  }
  panBy(dx: number, dy: number): void {
    this.set({ viewport: pan(this.snap.viewport, dx, dy) });
  }
  fit(): void {
    const c = this.snap.current;
    if (c) this.set({ viewport: fitViewport(c.row.width, c.row.height, this.snap.canvas.w, this.snap.canvas.h) });
  }
  actualSize(): void {
    this.set({ viewport: actualSize(this.snap.viewport, this.snap.canvas.w, this.snap.canvas.h) });
  }

  setHeatmap(patch: Partial<HeatmapSettings>): void {
    const heatmap = { ...this.snap.heatmap, ...patch };
    if (patch.channel !== undefined) performance.mark(`channel-switch:${patch.channel}`);
    this.set({ heatmap });
    writePrefs({ heatmap, detect: this.snap.detect });
  }

  setDetect(detect: DetectPrefs): void {
    this.set({ detect });
    writePrefs({ heatmap: this.snap.heatmap, detect });
  }
  openDialog(dialog: EditorSnapshot['dialog']): void {
    this.set({ dialog });
  }
  say(message: string | null): void {
    this.set({ message });
  }

  // ---- jobs -----------------------------------------------------------------------------------------------------

  async startDetect(modelPath: string): Promise<void> {
    try {
      const { scales, flip, mode } = this.snap.detect;
      const { jobId } = await this.client.api.startDetect({
        modelPath: this.snap.detect.modelPath || modelPath,
        settings: { scales, flip, mode },
      });
      this.set({
        job: { jobId, done: 0, total: 0, failed: 0, imagesPerSecond: 0, etaSeconds: null, status: 'running' },
      });
    } catch (e) {
      this.set({ message: `Detection did not start: ${(e as Error).message}` });
    }
  }

  async cancelJob(): Promise<void> {
    if (this.snap.job) await this.client.api.cancelJob({ jobId: this.snap.job.jobId });
  }

  // ---- keyboard -------------------------------------------------------------------------------------------------

  /** Runs a command by id (menus of the desktop app). */
  runCommandId(id: string): void {
    const view = VIEW_COMMANDS.find((c) => c.id === id);
    if (view) {
      view.apply(this);
      return;
    }
    const cmd = EDITOR_COMMANDS.find((c) => c.id === id);
    if (cmd) void this.run(cmd);
  }

  /** Handles a key press; true when it was a shortcut (the caller then prevents the default). */
  handleKey(e: { key: string; shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }): boolean {
    if (e.key === 'Escape') {
      if (this.snap.dialog) this.set({ dialog: null });
      else this.set({ placeMode: false, selection: { personId: null, joint: null } });
      return true;
    }
    if (this.snap.dialog) return false;
    const view = commandForKey(e, this.isMac, VIEW_COMMANDS as unknown as EditorCommand[]) as ViewCommand | null;
    if (view) {
      view.apply(this);
      return true;
    }
    const cmd = commandForKey(e, this.isMac, EDITOR_COMMANDS);
    if (!cmd) return false;
    void this.run(cmd);
    return true;
  }
}

/** Heatmap channel of a COCO joint: its IMHN keypoint channel. */
export function jointChannel(cocoJoint: number): number {
  return CHANNELS.keypointStart + COCO_TO_IMHN[cocoJoint];
}

/** Runs `f` after the next frame has been painted. */
export function afterPaint(f: () => void): void {
  requestAnimationFrame(() => setTimeout(f, 0));
}

interface Prefs {
  heatmap?: Partial<HeatmapSettings>;
  detect?: Partial<DetectPrefs>;
}
function readPrefs(): Prefs {
  try {
    return JSON.parse(localStorage.getItem('simplepose.prefs') ?? '{}') as Prefs;
  } catch {
    return {};
  }
}
function writePrefs(p: Prefs): void {
  try {
    localStorage.setItem('simplepose.prefs', JSON.stringify(p));
  } catch {
    /* private mode: preferences last for the session */
  }
}
