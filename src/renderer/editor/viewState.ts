import type { Selection } from '../../core/edit/editorCommands.ts';
import { actualSize, fitViewport, pan, zoomAt, type Viewport } from '../../core/geometry/viewport.ts';
import { CHANNELS, COCO_TO_IMHN } from '../../core/skeleton/poseMeta.ts';
import { reasonOf, type Notices } from './notices.ts';
import { Slice } from './slice.ts';
import {
  readPrefs,
  RESUME_PROJECTS,
  type CorrectionPrefs,
  type HeatmapSettings,
  type PrefsStorage,
  type ResumePoint,
  type TriagePrefs,
} from './viewPrefs.ts';

export interface SelectionState {
  selection: Selection;
  /** "Click to place" armed for the selected missing joint. */
  placeMode: boolean;
  /** The selected predicted person (its prediction key): selecting one clears the person selection and back. */
  prediction: string | null;
}
/** `personId`: an annotation person's id, or PREDICTED_PREFIX + a prediction's key. */
export interface HoveredJoint {
  personId: string;
  joint: number;
}

const NONE: SelectionState = { selection: { personId: null, joint: null }, placeMode: false, prediction: null };

/** Ids of predicted persons on the canvas (hover, drag): this prefix and the prediction's key. */
export const PREDICTED_PREFIX = 'pred:';
export const predictedKeyOf = (id: string): string | null =>
  id.startsWith(PREDICTED_PREFIX) ? id.slice(PREDICTED_PREFIX.length) : null;

/** Heatmap channel of a COCO joint: its IMHN keypoint channel. */
export function jointChannel(cocoJoint: number): number {
  return CHANNELS.keypointStart + COCO_TO_IMHN[cocoJoint];
}

/**
 * What the reviewer looks at, never part of the annotation or its history: viewport (screen px = image px × scale +
 * offset), canvas size, selection and place mode, hovered joint, heatmap overlay settings (kept between sessions in
 * `PrefsStorage`; detection settings are the project's, editor/projectSetup.ts).
 */
export class ViewState {
  readonly viewport = new Slice<Viewport>({ scale: 1, offsetX: 0, offsetY: 0 });
  readonly canvas = new Slice<{ w: number; h: number }>({ w: 800, h: 600 });
  readonly selection = new Slice<SelectionState>(NONE);
  readonly hover = new Slice<HoveredJoint | null>(null);
  readonly heatmap: Slice<HeatmapSettings>;
  readonly triage: Slice<TriagePrefs>;
  readonly corrections: Slice<CorrectionPrefs>;
  private resume: Record<string, ResumePoint>;
  private image: { w: number; h: number } | null = null;
  private readonly storage: PrefsStorage;
  private readonly notices: Notices;
  private saveFailed = false;

  constructor(storage: PrefsStorage, notices: Notices) {
    this.storage = storage;
    this.notices = notices;
    const { prefs, problem } = readPrefs(storage);
    this.heatmap = new Slice(prefs.heatmap);
    this.triage = new Slice(prefs.triage);
    this.corrections = new Slice(prefs.corrections);
    this.resume = prefs.resume;
    if (problem) notices.say(problem);
  }

  /** A new image is shown: nothing selected or hovered, the image fitted to the canvas. */
  showImage(width: number, height: number): void {
    this.image = { w: width, h: height };
    this.selection.set(NONE);
    this.hover.set(null);
    this.fit();
  }

  select(selection: Selection, placeMode = false): void {
    this.selection.set({ selection, placeMode, prediction: null });
    if (selection.joint !== null) this.followJoint(selection.joint);
  }
  selectPrediction(key: string | null): void {
    this.selection.set({ ...NONE, prediction: key });
  }
  setPlaceMode(placeMode: boolean): void {
    this.selection.patch({ placeMode });
  }
  clearSelection(): void {
    this.selection.set(NONE);
  }
  hoverJoint(h: HoveredJoint | null): void {
    const cur = this.hover.get();
    if (h?.personId !== cur?.personId || h?.joint !== cur?.joint) this.hover.set(h);
    if (h) this.followJoint(h.joint);
  }

  setCanvasSize(w: number, h: number): void {
    const c = this.canvas.get();
    if (w === c.w && h === c.h) return;
    this.canvas.set({ w, h });
    this.fit();
  }
  setViewport(v: Viewport): void {
    this.viewport.set(v);
  }
  zoom(sx: number, sy: number, factor: number): void {
    this.viewport.set(zoomAt(this.viewport.get(), sx, sy, factor));
  }
  panBy(dx: number, dy: number): void {
    this.viewport.set(pan(this.viewport.get(), dx, dy));
  }
  fit(): void {
    const c = this.canvas.get();
    if (this.image) this.viewport.set(fitViewport(this.image.w, this.image.h, c.w, c.h));
  }
  actualSize(): void {
    const c = this.canvas.get();
    this.viewport.set(actualSize(this.viewport.get(), c.w, c.h));
  }

  setHeatmap(patch: Partial<HeatmapSettings>): void {
    if (patch.channel !== undefined) performance.mark(`channel-switch:${patch.channel}`);
    this.heatmap.patch(patch);
    this.save();
  }
  /** The next (or previous) of the 50 channels, with the overlay shown. */
  stepChannel(delta: number): void {
    const channel = (this.heatmap.get().channel + delta + CHANNELS.count) % CHANNELS.count;
    this.setHeatmap({ channel, visible: true });
  }
  setTriage(patch: Partial<TriagePrefs>): void {
    this.triage.patch(patch);
    this.save();
  }
  setCorrections(patch: Partial<CorrectionPrefs>): void {
    this.corrections.patch(patch);
    this.save();
  }

  /** Where this window last was in the project at `root`. */
  resumePoint(root: string): ResumePoint | null {
    return this.resume[root] ?? null;
  }
  /** Remembers where the window is (the most recent RESUME_PROJECTS projects are kept). */
  setResumePoint(root: string, point: ResumePoint): void {
    const { [root]: _, ...others } = this.resume;
    const kept = Object.entries(others).slice(-(RESUME_PROJECTS - 1));
    this.resume = { ...Object.fromEntries(kept), [root]: point };
    this.save();
  }

  private followJoint(joint: number): void {
    const h = this.heatmap.get();
    if (h.followHover && h.channel !== jointChannel(joint)) this.heatmap.patch({ channel: jointChannel(joint) });
  }

  private save(): void {
    try {
      this.storage.write(
        JSON.stringify({
          heatmap: this.heatmap.get(),
          triage: this.triage.get(),
          corrections: this.corrections.get(),
          resume: this.resume,
        }),
      );
      this.saveFailed = false;
    } catch (e) {
      // Said once (private mode refuses every write), not on every move of a slider.
      if (!this.saveFailed)
        this.notices.say(`Preferences cannot be saved here (${reasonOf(e)}); they last for this session`);
      this.saveFailed = true;
    }
  }
}
