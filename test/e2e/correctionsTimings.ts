// The corrections' latencies measured in the page through the engine's own paths (what a drag and Shift+G call),
// timed with performance.now() (Chromium: 0.1 ms steps): shared by the corrections e2e test and bench:fix-errors.
import type { Page } from 'playwright-core';

/** One joint of every person of the open image moved 1 px (edited: held by a regroup), as one step. */
export async function touchEveryPerson(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const e = window.studio!;
    await e.edits.idle();
    const s = e.annotation.get()!.state;
    const updated: Record<string, unknown> = {};
    for (const id of s.order) {
      const p = s.persons[id];
      const k = p.joints.findIndex(Boolean);
      if (k < 0) continue;
      const joints = p.joints.map((j, q) => (q === k && j ? { ...j, x: j.x + 1, source: 'edited' as const } : j));
      updated[id] = [p, { ...p, joints }];
    }
    await e.commit({ added: {}, removed: {}, updated } as never, 'touch every person');
    await e.edits.idle();
  });
}

/** Snap previews: 8 pointer moves 8 px around every joint of every person, through the drag's preview path. */
export function snapTimes(page: Page): Promise<{ moves: number; median: number; p99: number }> {
  return page.evaluate(() => {
    const e = window.studio!;
    const s = e.annotation.get()!.state;
    const c = e.corrections.fix;
    const times: number[] = [];
    for (const id of s.order)
      s.persons[id].joints.forEach((j, k) => {
        if (!j) return;
        for (let i = 0; i < 8; i++) {
          const t = performance.now();
          c.preview(k, { x: j.x + 8 * Math.cos(i), y: j.y + 8 * Math.sin(i) }, { shift: true, alt: false, mod: false });
          times.push(performance.now() - t);
        }
      });
    c.endPreview();
    times.sort((a, b) => a - b);
    return { moves: times.length, median: times[times.length >> 1], p99: times[Math.floor(times.length * 0.99)] };
  });
}

/**
 * `n` regroups of the open image one after the other (Shift+G → proposal shown, ms each; the page painted between
 * them) and the worker's share of the last.
 */
export function regroupTimes(
  page: Page,
  n: number,
): Promise<{ ms: number[]; worker: { candidatesMs: number; computeMs: number }; persons: number }> {
  return page.evaluate(async (reps) => {
    const e = window.studio!;
    const g = e.corrections.regroup;
    const ms: number[] = [];
    for (let k = 0; k < reps; k++) {
      g.proposal.set(null);
      // the page painted what changed before the next Shift+G (a reviewer's keys are frames apart)
      await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
      g.start();
      await g.pending;
      ms.push(g.timings.regroupMs);
    }
    const worker = { candidatesMs: g.timings.candidatesMs, computeMs: g.timings.computeMs };
    g.discard();
    return { ms, worker, persons: e.annotation.get()!.state.order.length };
  }, n);
}
