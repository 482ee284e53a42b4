import { cocoKeypointChannel } from '../../core/correct/correctionMaps.ts';
import type { ChannelPeak } from '../../core/correct/regionPeaks.ts';
import { snapToPeak } from '../../core/correct/snapToPeak.ts';
import { personSearchBox, topKPeaks } from '../../core/correct/topKPeaks.ts';
import { clampToBounds } from '../../core/edit/diffChecks.ts';
import { isLabelled } from '../../core/edit/poseRecords.ts';
import { moveJoint, placeJoint } from '../../core/edit/poseEdits.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import { correctionInputsOf, labelledJoints, type ImageCorrectionInputs } from './correctionInputs.ts';
import type { GestureCorrections } from './canvasGestures.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageSession } from './imageSession.ts';
import type { Notices } from './notices.ts';
import type { PointerMods } from './pointerMachine.ts';
import { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

export interface CorrectionParts {
  images: ImageSession;
  view: ViewState;
  annotation: Slice<ShownAnnotation | null>;
  notices: Notices;
  commit(diff: RecordDiff, label: string): Promise<void>;
  newPersonId(i: number): string;
}

/** Where the dragged (or to be placed) joint snaps: the refined peak of its channel and the channel's height there. */
export interface SnapPreview {
  joint: number;
  x: number;
  y: number;
  height: number;
}

/** The second guesses of the selected joint: candidate n is peaks[n − 1]. */
export interface Candidates {
  personId: string;
  joint: number;
  peaks: ChannelPeak[];
}

/**
 * The heatmap-assisted corrections of the open image over the maps the overlay holds (correctionInputs.ts), off
 * React's render path (slices updated when the selection, the annotation or the image change): the snap preview of
 * a drag or a placement and the selected joint's second guesses (the regroup: imageRegroup.ts). Every change is a core diff
 * committed through the engine (one undo step each); what they cost is kept in `timings` (the benchmarks read it).
 */
export class ImageCorrections implements GestureCorrections {
  readonly snap = new Slice<SnapPreview | null>(null);
  readonly candidates = new Slice<Candidates | null>(null);
  /** What the last calls cost (ms). */
  readonly timings = { snapMs: [] as number[], candidatesMs: 0 };
  private readonly p: CorrectionParts;

  constructor(parts: CorrectionParts) {
    this.p = parts;
    const again = () => this.updateCandidates();
    parts.view.selection.subscribe(again);
    parts.view.corrections.subscribe(again);
    parts.annotation.subscribe(() => {
      again();
    });
    parts.images.current.subscribe(() => {
      this.snap.set(null);
      again();
    });
  }

  /** The open image's correction inputs, or null when it has no maps (then snap and the rest are off). */
  inputs(): ImageCorrectionInputs | null {
    const cur = this.p.images.current.get();
    return cur?.maps ? correctionInputsOf(cur.maps, cur.row.width, cur.row.height) : null;
  }

  private snapping(mods: PointerMods): boolean {
    const s = this.p.view.corrections.get().snap;
    return s === 'always' || (s === 'Shift' && mods.shift) || (s === 'Alt' && mods.alt);
  }

  preview(joint: number, at: { x: number; y: number }, mods: PointerMods): { x: number; y: number } | null {
    const inputs = this.snapping(mods) ? this.inputs() : null;
    if (!inputs) {
      this.snap.set(null);
      return null;
    }
    const t0 = performance.now();
    const t = snapToPeak(cocoKeypointChannel(inputs.maps, joint), at, {
      radiusPx: this.p.view.corrections.get().snapRadiusPx,
    });
    this.timings.snapMs.push(performance.now() - t0);
    if (this.timings.snapMs.length > 1000) this.timings.snapMs.splice(0, 500);
    const cur = this.snap.get();
    if (!t) this.snap.set(null);
    else if (!cur || cur.joint !== joint || cur.x !== t.x || cur.y !== t.y)
      this.snap.set({ joint, x: t.x, y: t.y, height: t.height });
    return t && { x: t.x, y: t.y };
  }

  endPreview(): { x: number; y: number } | null {
    const s = this.snap.get();
    this.snap.set(null);
    return s && { x: s.x, y: s.y };
  }

  pressJoint(): boolean {
    return false;
  }

  private updateCandidates(): void {
    const a = this.p.annotation.get();
    const { selection } = this.p.view.selection.get();
    const person = selection.personId ? a?.state.persons[selection.personId] : undefined;
    const k = this.p.view.corrections.get().topK;
    const inputs = person && selection.joint !== null && k > 0 ? this.inputs() : null;
    const box = person && personSearchBox(labelledJoints(person));
    if (!inputs || !person || selection.joint === null || !box) {
      this.candidates.set(null);
      return;
    }
    const t0 = performance.now();
    const peaks = topKPeaks(cocoKeypointChannel(inputs.maps, selection.joint), box, k);
    this.timings.candidatesMs = performance.now() - t0;
    const cur = this.candidates.get();
    if (cur && cur.personId === person.id && cur.joint === selection.joint && samePeaks(cur.peaks, peaks)) return;
    this.candidates.set(peaks.length ? { personId: person.id, joint: selection.joint, peaks } : null);
  }

  /** Key n: the selected joint goes to candidate n (placed there when missing); false when there is none. */
  pickCandidate(n: number): boolean {
    const c = this.candidates.get(),
      a = this.p.annotation.get(),
      cur = this.p.images.current.get();
    const peak = c?.peaks[n - 1];
    if (!c || !peak || !a || !cur) return false;
    const j = a.state.persons[c.personId]?.joints[c.joint];
    const at = clampToBounds(peak.x, peak.y, cur.row);
    const diff = isLabelled(j)
      ? moveJoint(a.state, c.personId, c.joint, at.x, at.y)
      : placeJoint(a.state, c.personId, c.joint, at.x, at.y);
    void this.p.commit(diff, `Move the joint to candidate ${n}`);
    return true;
  }
}

function samePeaks(a: readonly ChannelPeak[], b: readonly ChannelPeak[]): boolean {
  return a.length === b.length && a.every((p, i) => p.x === b[i].x && p.y === b[i].y && p.height === b[i].height);
}
