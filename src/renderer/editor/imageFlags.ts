import { labelErrorScores, labelTargets } from '../../core/correct/labelErrorScores.ts';
import { swapFlags } from '../../core/correct/swapScore.ts';
import { isLabelled, type AnnotationState, type PersonRecord } from '../../core/edit/poseRecords.ts';
import type { Maps } from '../../core/loss/focalL2Loss.ts';
import { labelledJoints, type ImageCorrectionInputs } from './correctionInputs.ts';
import type { ShownAnnotation } from './imageEdits.ts';
import type { ImageSession } from './imageSession.ts';
import type { Notices } from './notices.ts';
import { Slice } from './slice.ts';
import type { ViewState } from './viewState.ts';

/** One flag of the image: a person whose L/R-swapped version the maps prefer, or a joint they see elsewhere. */
export type ImageFlag =
  | { kind: 'swap'; personId: string; ratio: number }
  | { kind: 'label'; personId: string; joint: number; gain: number; candidate: { x: number; y: number } | null };

export interface FlagsState {
  imageId: number;
  /** Swap flags first (most suspicious first), then label-error flags (largest gain first). */
  items: ImageFlag[];
  /** The flag last stepped to (−1: none yet). */
  cursor: number;
  ms: number;
}

/** The label-error view: the predicted and the target heatmap of one joint's channel, side by side. */
export interface FlagCompare {
  personId: string;
  joint: number;
  /**
   * The ground-truth maps of the image's labelled persons ([50, h, w]) in the grid of the pass label errors compare
   * against (`multiplier`: the overlay pass's for a one-pass run, the pass nearest scale 1 of a several-pass one).
   */
  target: Maps;
  multiplier: number;
}

const gainOf = (f: ImageFlag) => (f.kind === 'label' ? f.gain : 0);

/** Persons with fewer labelled joints are not scored (a joint or two has no pose to contradict). */
const MIN_JOINTS = 2;

/**
 * L/R-swap and label-error flags of the open image's persons (core/correct/swapScore, labelErrorScores), computed
 * after each change of the annotation once the browser is idle (a timer, off React's render path), and the review
 * queue through them: `step` selects the next flagged person (and joint: its channel shown, the side-by-side view
 * opened); the swap key fixes a swap, a drag or a candidate key a label.
 */
export class ImageFlags {
  readonly flags = new Slice<FlagsState | null>(null);
  readonly compare = new Slice<FlagCompare | null>(null);
  private readonly p: {
    images: ImageSession;
    view: ViewState;
    annotation: Slice<ShownAnnotation | null>;
    notices: Notices;
    inputs(): ImageCorrectionInputs | null;
  };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waiting: (() => void)[] = [];
  private scored: AnnotationState | null = null;
  private readonly labelCache = new WeakMap<PersonRecord, ImageFlag[]>();
  private readonly swapCache = new WeakMap<PersonRecord, ImageFlag | null>();

  constructor(parts: ImageFlags['p']) {
    this.p = parts;
    parts.annotation.subscribe(() => this.schedule());
    parts.images.current.subscribe(() => {
      this.compare.set(null);
      this.schedule();
    });
  }

  /** Resolves once the flags of the shown annotation are computed. */
  ready(): Promise<void> {
    return this.timer === null ? Promise.resolve() : new Promise((r) => this.waiting.push(r));
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.update();
      for (const r of this.waiting.splice(0)) r();
    }, 0);
  }

  private update(): void {
    const a = this.p.annotation.get(),
      cur = this.p.images.current.get(),
      inputs = this.p.inputs();
    if (!a || !cur || a.imageId !== cur.row.id || !inputs) {
      this.scored = null;
      this.flags.set(null);
      return;
    }
    if (a.state === this.scored && this.flags.get()?.imageId === a.imageId) return;
    this.scored = a.state;
    const t0 = performance.now();
    const persons = a.state.order
      .map((id) => a.state.persons[id])
      .filter((p) => !p.crowd && p.joints.filter(isLabelled).length >= MIN_JOINTS);
    const joints = persons.map(labelledJoints);
    // Swap scores depend on the person alone: kept per person record, so an edit rescoring only what it changed.
    const swaps: ImageFlag[] = persons
      .map((p, i) => {
        let f = this.swapCache.get(p);
        if (f === undefined) {
          const [scored] = swapFlags(inputs.maps, [{ id: p.id, joints: joints[i] }]);
          f = scored?.flagged ? { kind: 'swap', personId: p.id, ratio: scored.score.ratio } : null;
          this.swapCache.set(p, f);
        }
        return f;
      })
      .filter((f): f is ImageFlag => f !== null)
      .sort((x, y) => (y.kind === 'swap' ? y.ratio : 0) - (x.kind === 'swap' ? x.ratio : 0));
    const ctx = inputs.labelContext();
    const labels: ImageFlag[] = [];
    persons.forEach((p, i) => {
      // A label is what a person placed or moved (or an import brought): an accepted prediction's joints are the
      // model's own peaks, which nothing would contradict. Scores are kept per person record (a new record, anew).
      if (!p.joints.some((j) => isLabelled(j) && j.source !== 'model')) return;
      let mine = this.labelCache.get(p);
      if (!mine) {
        mine = labelErrorScores(ctx, joints, i)
          .filter((e) => e.flagged)
          .map((e) => ({
            kind: 'label' as const,
            personId: p.id,
            joint: e.joint,
            gain: e.gain,
            candidate: e.candidate && { x: e.candidate.x, y: e.candidate.y },
          }));
        this.labelCache.set(p, mine);
      }
      labels.push(...mine);
    });
    labels.sort((x, y) => gainOf(y) - gainOf(x));
    const items = [...swaps, ...labels];
    const prev = this.flags.get();
    this.flags.set({
      imageId: a.imageId,
      items,
      cursor: prev?.imageId === a.imageId ? Math.min(prev.cursor, items.length - 1) : -1,
      ms: performance.now() - t0,
    });
  }

  /** L / Shift+L: the next (previous) flag, selected; false when the image has none. */
  step(direction: 1 | -1): boolean {
    const f = this.flags.get();
    if (!f?.items.length) {
      this.p.notices.say(this.p.inputs() ? 'No flags on this image' : 'Flags need the maps: run detection first');
      return false;
    }
    const cursor = (f.cursor + direction + f.items.length) % f.items.length;
    this.flags.set({ ...f, cursor });
    const item = f.items[cursor];
    const n = `${cursor + 1}/${f.items.length}`;
    if (item.kind === 'swap') {
      this.p.view.select({ personId: item.personId, joint: null });
      this.compare.set(null);
      this.p.notices.say(`Flag ${n}: left and right look swapped (×${item.ratio.toFixed(2)}); S swaps them`);
    } else {
      this.p.view.select({ personId: item.personId, joint: item.joint });
      this.showCompare(item.personId, item.joint);
      this.p.notices.say(`Flag ${n}: the model sees this joint elsewhere; the numbered candidates are its guesses`);
    }
    return true;
  }

  /** Opens the side-by-side view of one joint's channel: the network's map and the labelled persons' targets. */
  showCompare(personId: string, joint: number): void {
    const a = this.p.annotation.get(),
      inputs = this.p.inputs();
    if (!a || !inputs) {
      this.compare.set(null);
      return;
    }
    const persons = a.state.order.map((id) => a.state.persons[id]).filter((p) => !p.crowd);
    const ctx = inputs.labelContext();
    const target = labelTargets(ctx, persons.map(labelledJoints));
    this.compare.set({ personId, joint, target, multiplier: ctx.geometry.multiplier });
  }
  closeCompare(): void {
    this.compare.set(null);
  }
}
