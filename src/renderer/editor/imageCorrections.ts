import { cocoKeypointChannel } from '../../core/correct/correctionMaps.ts';
import type { ChannelPeak } from '../../core/correct/regionPeaks.ts';
import { regroupProposal, regroupInputs } from '../../core/correct/regroupProposal.ts';
import { regroupWithFixedJoints } from '../../core/correct/regroupWithFixedJoints.ts';
import { snapToPeak } from '../../core/correct/snapToPeak.ts';
import { personSearchBox, topKPeaks } from '../../core/correct/topKPeaks.ts';
import { clampToBounds } from '../../core/edit/diffChecks.ts';
import { isLabelled, type AnnotationState } from '../../core/edit/poseRecords.ts';
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

/** A regroup waiting for Enter (apply, one undo step) or Esc (discard), made on `base`. */
export interface Proposal {
  imageId: number;
  base: AnnotationState;
  diff: RecordDiff;
  ms: number;
}

/**
 * The heatmap-assisted corrections of the open image over the maps the overlay holds (correctionInputs.ts), off
 * React's render path (slices updated when the selection, the annotation or the image change): the snap preview of
 * a drag or a placement, the selected joint's second guesses, and the regroup proposal. Every change is a core diff
 * committed through the engine (one undo step each); what they cost is kept in `timings` (the benchmarks read it).
 */
export class ImageCorrections implements GestureCorrections {
  readonly snap = new Slice<SnapPreview | null>(null);
  readonly candidates = new Slice<Candidates | null>(null);
  readonly proposal = new Slice<Proposal | null>(null);
  /**
   * What the last calls cost (ms); `regroupPeaksMs`: the part of `regroupMs` spent finding the image's candidates;
   * `prepareMs`: the last image's preparation when idle (prepareWhenIdle).
   */
  readonly timings = { snapMs: [] as number[], candidatesMs: 0, regroupMs: 0, regroupPeaksMs: 0, prepareMs: 0 };
  private readonly p: CorrectionParts;

  constructor(parts: CorrectionParts) {
    this.p = parts;
    const again = () => this.updateCandidates();
    parts.view.selection.subscribe(again);
    parts.view.corrections.subscribe(again);
    parts.annotation.subscribe(() => {
      again();
      // A proposal made on another state would undo what changed since: it goes.
      const pr = this.proposal.get();
      if (pr && this.p.annotation.get()?.state !== pr.base) this.proposal.set(null);
    });
    parts.images.current.subscribe(() => {
      this.snap.set(null);
      this.proposal.set(null);
      again();
      this.prepareWhenIdle();
    });
  }

  /**
   * The first regroup of an image found its candidates and computed the map values it reads (≈ 190 ms on the
   * bundled model's maps of a crowded photo in Chromium, against ≈ 30 ms for a regroup after it): that work is done
   * when the page is idle after the image opens, so Shift+G pays only for itself (docs/BENCHMARKS.md).
   */
  private prepareWhenIdle(): void {
    const cur = this.p.images.current.get();
    if (!cur?.maps) return;
    const run = () => {
      if (this.p.images.current.get() !== cur) return;
      const t0 = performance.now();
      if (this.inputs()?.prepare()) this.timings.prepareMs = performance.now() - t0;
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 2000 });
    else setTimeout(run, 0);
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

  /**
   * Regroup: the image's assignment re-run with the joints a person placed or edited held (core/correct), shown as
   * a proposal. Only what the annotation already holds is re-formed: a person the assignment forms anew that takes
   * no joint of a re-formed annotation person stays a prediction to triage (a regroup never accepts one silently).
   */
  regroup(): boolean {
    const t0 = performance.now();
    const a = this.p.annotation.get(),
      inputs = this.inputs();
    if (!a || !inputs) {
      this.p.notices.say(a ? 'Regroup needs the maps: run detection on this image first' : 'No image is open');
      return false;
    }
    const { fixed } = regroupInputs(a.state);
    if (!fixed.length) {
      this.p.notices.say('Regroup holds the joints you placed or moved: this image has none yet');
      return false;
    }
    const t1 = performance.now();
    const peaks = inputs.peaks();
    this.timings.regroupPeaksMs = performance.now() - t1;
    const result = regroupWithFixedJoints(inputs.maps, peaks, fixed);
    const diff = keepReformedOnly(regroupProposal(a.state, result, (i) => this.p.newPersonId(i)));
    const ms = performance.now() - t0;
    this.timings.regroupMs = ms;
    if (isEmpty(diff)) {
      this.p.notices.say('Regroup: the assignment with your joints held changes nothing');
      return false;
    }
    this.proposal.set({ imageId: a.imageId, base: a.state, diff, ms });
    this.p.notices.say('Regroup proposal: Enter applies it (one undo step), Esc discards it');
    return true;
  }

  /** Enter on a proposal: applied as one undo step. */
  acceptProposal(): boolean {
    const pr = this.proposal.get();
    if (!pr) return false;
    this.proposal.set(null);
    void this.p.commit(pr.diff, 'Regroup');
    return true;
  }
  discardProposal(): boolean {
    if (!this.proposal.get()) return false;
    this.proposal.set(null);
    this.p.notices.say('Regroup proposal discarded');
    return true;
  }
}

function samePeaks(a: readonly ChannelPeak[], b: readonly ChannelPeak[]): boolean {
  return a.length === b.length && a.every((p, i) => p.x === b[i].x && p.y === b[i].y && p.height === b[i].height);
}

function isEmpty(d: RecordDiff): boolean {
  return !Object.keys(d.added).length && !Object.keys(d.updated).length && !Object.keys(d.removed).length;
}

/** The proposal without added persons that share no joint position with a person it removes (see regroup). */
function keepReformedOnly(d: RecordDiff): RecordDiff {
  const removedAt = new Set(
    Object.values(d.removed).flatMap((p) => p.joints.flatMap((j) => (j ? [`${j.x},${j.y}`] : []))),
  );
  const added = Object.fromEntries(
    Object.entries(d.added).filter(([, p]) => p.joints.some((j) => j && removedAt.has(`${j.x},${j.y}`))),
  );
  if (Object.keys(added).length === Object.keys(d.added).length) return d;
  const order = d.order && ([d.order[0], d.order[1].filter((id) => !d.added[id] || added[id])] as [string[], string[]]);
  return { ...d, added, ...(order ? { order } : {}) };
}
