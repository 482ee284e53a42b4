// A scripted reviewer for bench:fix-errors: fixes one seeded error in the review app in Chromium with the real mouse
// and keyboard, with the heatmap corrections (flags queue, numbered candidates, Shift-snap) or without them (the
// same app with snap off and no candidates: click, drag, S, M and a click to place), and counts what it did.
//
// Counts are kept as keystroke-level-model operators (Card, Moran & Newell 1980): K a key press (a held Shift counts
// once), P pointing with the mouse, B a button press or release, M a mental step (one to start each fix, one per
// flag looked at, one to read the numbered candidates). Two-handed use is assumed (left hand on the keys, right on
// the mouse: no homing). The reviewer without corrections is given, for free, where the error is and a perfect hand
// (each drop exactly on the true joint): finding an error and hitting a pixel cost it nothing, so the ratio is a
// bound in its favour.
import type { ReviewPage } from '../../test/e2e/reviewPage.ts';
import type { PersonRecord } from '../../src/core/edit/poseRecords.ts';
import type { SeededError } from './seedErrors.ts';

/** Operator times (s), the model's published averages (K: an average non-secretary typist). */
export const KLM_SECONDS = { K: 0.28, P: 1.1, B: 0.1, M: 1.35 } as const;
export type Operators = Record<keyof typeof KLM_SECONDS, number>;

/** What a fix took: operators, input events (keys, clicks, drags) and how the flags queue served. */
export interface FixCount {
  ops: Operators;
  keys: number;
  clicks: number;
  drags: number;
  /** with corrections: the error's flag was reached with L (null: not applicable or not used). */
  flagged: boolean | null;
  /** with corrections: a numbered candidate was the true joint. */
  candidate: boolean | null;
  /** with corrections: snap targets the reviewer saw were wrong and let go of Shift for. */
  snapRefused: number;
}

type Pt = { x: number; y: number };
type Flag = { kind: 'swap' | 'label'; personId: string; joint?: number };

export function klmSeconds(o: Operators): number {
  return o.K * KLM_SECONDS.K + o.P * KLM_SECONDS.P + o.B * KLM_SECONDS.B + o.M * KLM_SECONDS.M;
}

export class Reviewer {
  readonly count: FixCount = {
    ops: { K: 0, P: 0, B: 0, M: 0 },
    keys: 0,
    clicks: 0,
    drags: 0,
    flagged: null,
    candidate: null,
    snapRefused: 0,
  };
  private readonly r: ReviewPage;
  private readonly others: PersonRecord[];

  /** `others`: the image's other persons (a click selects a joint of the seeded person away from theirs). */
  constructor(r: ReviewPage, others: PersonRecord[]) {
    this.r = r;
    this.others = others;
  }

  async fix(e: SeededError, withCorrections: boolean): Promise<void> {
    this.count.ops.M++;
    if (withCorrections) await this.fixWith(e);
    else await this.fixWithout(e);
  }

  private async fixWithout(e: SeededError): Promise<void> {
    const truth = e.truth.joints;
    if (e.kind === 'swap') {
      await this.click(this.clearJoint(e.seeded).at);
      await this.key('s');
    } else if (e.kind === 'missingWrist') {
      await this.selectMissing(e);
      await this.click(truth[e.joint!]!);
    } else await this.drag(e.seeded.joints[e.joint!]!, truth[e.joint!]!, false);
  }

  private async fixWith(e: SeededError): Promise<void> {
    const truth = e.truth.joints;
    if (e.kind === 'swap') {
      this.count.flagged = await this.stepTo((f) => f.kind === 'swap' && f.personId === e.personId);
      if (!this.count.flagged) await this.click(this.clearJoint(e.seeded).at);
      await this.key('s');
      return;
    }
    const k = e.joint!;
    if (e.kind === 'missingWrist') await this.selectMissing(e);
    else {
      this.count.flagged = await this.stepTo((f) => f.kind === 'label' && f.personId === e.personId && f.joint === k);
      if (!this.count.flagged) await this.click(e.seeded.joints[k]!);
    }
    const n = await this.candidateAt(truth[k]!);
    this.count.candidate = n > 0;
    if (n > 0) {
      this.count.ops.M++;
      await this.key(String(n));
    } else if (e.kind === 'missingWrist') await this.click(truth[k]!, true);
    else await this.drag(e.seeded.joints[k]!, truth[k]!, true);
  }

  /** L until the flag `match` is selected (each flag looked at: M); false after the whole queue. */
  private async stepTo(match: (f: Flag) => boolean): Promise<boolean> {
    const items = ((await this.snapshot()).flags?.items ?? []) as Flag[];
    for (let i = 0; i < items.length; i++) {
      await this.key('l');
      this.count.ops.M++;
      const f = (await this.snapshot()).flags;
      if (f && f.cursor >= 0 && match(f.items[f.cursor])) return true;
    }
    return false;
  }

  /** The number of the drawn candidate within 1 px of `truth` (0: none drawn there). */
  private async candidateAt(truth: Pt): Promise<number> {
    const c = (await this.snapshot()).candidates as { peaks: Pt[] } | null;
    const i = c?.peaks.findIndex((p) => Math.hypot(p.x - truth.x, p.y - truth.y) <= 1) ?? -1;
    return i + 1;
  }

  /** Selects the seeded person's missing joint: a click on one of its joints, then M until that joint. */
  private async selectMissing(e: SeededError): Promise<void> {
    const { at } = this.clearJoint(e.seeded);
    await this.click(at);
    for (let i = 0; i < e.truth.joints.length; i++) {
      await this.key('m');
      const s = await this.r.snap();
      if (s.selection.personId === e.personId && s.selection.joint === e.joint) return;
    }
    throw new Error(`M never selected joint ${e.joint} of ${e.personId}`);
  }

  /** The seeded person's joint farthest from every other person's joints (a click there cannot hit theirs). */
  private clearJoint(p: PersonRecord): { k: number; at: Pt } {
    let best = { k: -1, at: { x: 0, y: 0 }, d: -1 };
    p.joints.forEach((j, k) => {
      if (!j) return;
      let d = Number.POSITIVE_INFINITY;
      for (const o of this.others) for (const q of o.joints) if (q) d = Math.min(d, Math.hypot(q.x - j.x, q.y - j.y));
      if (d > best.d) best = { k, at: { x: j.x, y: j.y }, d };
    });
    return best;
  }

  private async key(k: string): Promise<void> {
    this.count.ops.K++;
    this.count.keys++;
    await this.r.page.keyboard.press(k);
  }

  /** A click; with Shift (placing a joint) the snap target is looked at first and Shift let go when it is wrong. */
  private async click(at: Pt, shift = false): Promise<void> {
    const [x, y] = await this.r.toPage(at.x, at.y);
    this.count.ops.P++;
    this.count.ops.B += 2;
    this.count.clicks++;
    if (shift) await this.holdShift(true);
    await this.r.page.mouse.move(x, y);
    if (shift) await this.keepSnapIfRight(at);
    await this.r.page.mouse.click(x, y);
    if (shift) await this.holdShift(false);
  }

  /** A drag at a hand's pace; with Shift the snap target is looked at before the release, as for a click. */
  private async drag(from: Pt, to: Pt, shift: boolean): Promise<void> {
    const [x, y] = await this.r.toPage(from.x, from.y);
    const [tx, ty] = await this.r.toPage(to.x, to.y);
    this.count.ops.P += 2;
    this.count.ops.B += 2;
    this.count.drags++;
    if (shift) await this.holdShift(true);
    const m = this.r.page.mouse;
    await m.move(x, y);
    await m.down();
    for (let i = 1; i <= 10; i++) {
      await m.move(x + ((tx - x) * i) / 10, y + ((ty - y) * i) / 10);
      await this.r.page.waitForTimeout(16);
    }
    if (shift && !(await this.keepSnapIfRight(to))) await m.move(tx, ty);
    await m.up();
    if (shift) await this.holdShift(false);
  }

  /** The drawn snap target judged (M): Shift let go when it is not the joint meant; true when it is kept. */
  private async keepSnapIfRight(meant: Pt): Promise<boolean> {
    this.count.ops.M++;
    const s = (await this.snapshot()).snap;
    if (s && Math.hypot(s.x - meant.x, s.y - meant.y) <= 1) return true;
    await this.holdShift(false);
    this.count.snapRefused++;
    return false;
  }

  private shiftHeld = false;
  private async holdShift(down: boolean): Promise<void> {
    if (down === this.shiftHeld) return;
    this.shiftHeld = down;
    if (down) {
      this.count.ops.K++;
      this.count.keys++;
      await this.r.page.keyboard.down('Shift');
    } else await this.r.page.keyboard.up('Shift');
  }

  private snapshot(): Promise<{
    flags: { items: Flag[]; cursor: number } | null;
    candidates: { peaks: Pt[] } | null;
    snap: Pt | null;
  }> {
    return this.r.page.evaluate(() => JSON.parse(JSON.stringify(window.studio!.snapshot().corrections)));
  }
}
