import { regroupInputs, regroupProposal } from '../../core/correct/regroupProposal.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import type { CorrectionParts } from './imageCorrections.ts';
import type { RegroupImage, RegroupRunner } from './regroupRunner.ts';
import { reasonOf } from './notices.ts';
import { Slice } from './slice.ts';

/** A regroup waiting for Enter (apply, one undo step) or Esc (discard), made on `base`; `ms`: Shift+G → shown. */
export interface Proposal {
  imageId: number;
  base: AnnotationState;
  diff: RecordDiff;
  ms: number;
}

/**
 * Regroup (Shift+G): the image's assignment re-run with the joints a person placed or edited held (core/correct),
 * shown as a proposal. It runs on a `RegroupRunner` (a Web Worker in the page), so the page never waits for it; the
 * image's regroup is prepared there as soon as the image opens. Only what the annotation already holds is re-formed:
 * a person the assignment forms anew that takes no joint of a re-formed annotation person stays a prediction to
 * triage (a regroup never accepts one silently). A result for a state that has changed meanwhile is dropped.
 */
export class ImageRegroup {
  readonly proposal = new Slice<Proposal | null>(null);
  /** The regroup being computed (null: none), to await (tests, benchmarks). */
  pending: Promise<void> | null = null;
  /** The last regroup (ms): Shift+G → proposal shown, and where it ran, finding the candidates and the whole. */
  readonly timings = { regroupMs: 0, candidatesMs: 0, computeMs: 0 };
  private readonly p: CorrectionParts;
  private readonly runner: RegroupRunner;
  private seq = 0;

  constructor(parts: CorrectionParts, runner: RegroupRunner) {
    this.p = parts;
    this.runner = runner;
    parts.annotation.subscribe(() => {
      // A proposal made on another state would undo what changed since: it goes.
      const pr = this.proposal.get();
      if (pr && this.p.annotation.get()?.state !== pr.base) this.proposal.set(null);
    });
    parts.images.current.subscribe(() => {
      this.proposal.set(null);
      this.seq++;
      const img = this.image();
      if (img) runner.warmUp(img);
    });
  }

  private image(): RegroupImage | null {
    const cur = this.p.images.current.get();
    return cur?.maps ? { maps: cur.maps, width: cur.row.width, height: cur.row.height } : null;
  }

  /** Shift+G: starts a regroup; false (with a message) when there is nothing to hold or no maps. */
  start(): boolean {
    const t0 = performance.now();
    const a = this.p.annotation.get(),
      img = this.image();
    if (!a || !img) {
      this.p.notices.say(a ? 'Regroup needs the maps: run detection on this image first' : 'No image is open');
      return false;
    }
    const { fixed } = regroupInputs(a.state);
    if (!fixed.length) {
      this.p.notices.say('Regroup holds the joints you placed or moved: this image has none yet');
      return false;
    }
    const seq = ++this.seq;
    this.proposal.set(null);
    const done = this.runner.regroup(img, fixed).then(
      (ans) => {
        if (seq !== this.seq) return;
        if (this.p.annotation.get()?.state !== a.state) {
          this.p.notices.say('Regroup: the annotation changed while it ran; press Shift+G again');
          return;
        }
        const diff = keepReformedOnly(regroupProposal(a.state, ans.result, (i) => this.p.newPersonId(i)));
        const ms = performance.now() - t0;
        Object.assign(this.timings, { regroupMs: ms, candidatesMs: ans.candidatesMs, computeMs: ans.computeMs });
        if (changesNothing(diff)) this.p.notices.say('Regroup: the assignment with your joints held changes nothing');
        else {
          this.proposal.set({ imageId: a.imageId, base: a.state, diff, ms });
          this.p.notices.say('Regroup proposal: Enter applies it (one undo step), Esc discards it');
        }
      },
      (e) => {
        if (seq === this.seq) this.p.notices.say(`Regroup failed: ${reasonOf(e)}`);
      },
    );
    const tracked: Promise<void> = done.finally(() => {
      if (this.pending === tracked) this.pending = null;
    });
    this.pending = tracked;
    return true;
  }

  /** A regroup is being computed (Enter then waits for its proposal rather than reaching the review keys). */
  running(): boolean {
    return this.pending !== null;
  }

  /** Enter on a proposal: applied as one undo step. */
  accept(): boolean {
    const pr = this.proposal.get();
    if (!pr) return false;
    this.proposal.set(null);
    void this.p.commit(pr.diff, 'Regroup');
    return true;
  }

  /** Esc: the proposal (or the regroup still running) discarded. */
  discard(): boolean {
    if (!this.proposal.get() && !this.running()) return false;
    this.seq++;
    this.proposal.set(null);
    this.p.notices.say('Regroup proposal discarded');
    return true;
  }
}

/** No person added, changed or removed (an order alone is no proposal). */
function changesNothing(d: RecordDiff): boolean {
  return !Object.keys(d.added).length && !Object.keys(d.updated).length && !Object.keys(d.removed).length;
}

/** The proposal without added persons that share no joint position with a person it removes (see ImageRegroup). */
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
