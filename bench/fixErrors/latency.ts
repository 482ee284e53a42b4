// The corrections' latencies in the review app in Chromium, for bench:fix-errors: snap preview per pointer move and
// regroup of a crowded photo, through the engine's own paths (what a drag and Shift+G call), timed in the page with
// performance.now() (Chromium: 0.1 ms steps). Regroup runs in the page's Web Worker, which prepares an image's
// regroup (its candidates and the map values the assignment reads) as soon as it opens: it is timed from Shift+G
// to the proposal shown, on a fresh page, the first one at once after the image opened (it waits for that
// preparation) or after a 1-s look, then three more on the same maps.
import path from 'node:path';
import { PHOTOS, type ReviewPage } from '../../test/e2e/reviewPage.ts';
import { fmt, median } from '../benchStats.ts';

/** The crowded photos: the fixture case with 14 labelled persons, and val2017 217285 with the bundled model's maps. */
const CROWDED = ['000000129648.jpg', path.basename(PHOTOS[0])];

export async function correctionLatency(r: ReviewPage, reps: number): Promise<string[]> {
  const lines = [
    '\n| photo, maps | persons held | snap preview median / p99 (ms) | first regroup, Shift+G at once (ms) | first regroup after a 1-s look (ms) | regroup again (ms) | of a regroup again, in the worker: candidates / all (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const name of CROWDED) {
    await open(r, name);
    await r.page.keyboard.press('a');
    await touchEveryPerson(r);
    const first = { atOnce: [] as number[], afterLook: [] as number[] },
      again: number[] = [],
      inWorker: { candidatesMs: number; computeMs: number }[] = [];
    let snap = { median: 0, p99: 0 },
      persons = 0;
    for (let i = 0; i < 2 * reps; i++) {
      const atOnce = i % 2 === 0;
      // A fresh page: nothing of the image's corrections computed yet, on the page or in its worker.
      await r.page.reload();
      await r.page.waitForFunction(
        () => window.studio?.snapshot().current != null && !window.studio.snapshot().loading,
      );
      await open(r, name);
      // a reviewer's look at the image first (the worker prepares the image's regroup meanwhile), or none
      if (!atOnce) await r.page.waitForTimeout(1000);
      const m = await r.page.evaluate(async () => {
        const e = window.studio!;
        const g = e.corrections.regroup;
        const ms: number[] = [];
        for (let k = 0; k < 4; k++) {
          g.proposal.set(null);
          g.start();
          await g.pending;
          ms.push(g.timings.regroupMs);
        }
        const worker = { candidatesMs: g.timings.candidatesMs, computeMs: g.timings.computeMs };
        g.discard();
        return { ms, worker, persons: e.annotation.get()!.state.order.length };
      });
      (atOnce ? first.atOnce : first.afterLook).push(m.ms[0]);
      again.push(...m.ms.slice(1));
      inWorker.push(m.worker);
      persons = m.persons;
      if (i === 0) snap = await snapTimes(r);
    }
    const range = (v: number[]) => `${fmt(median(v), 1)} (${fmt(Math.min(...v), 1)} – ${fmt(Math.max(...v), 1)})`;
    lines.push(
      `| ${name} | ${persons} | ${fmt(snap.median, 1)} / ${fmt(snap.p99, 1)} | ${range(first.atOnce)} | ${range(first.afterLook)} | ${range(again)} | ${fmt(median(inWorker.map((w) => w.candidatesMs)), 1)} / ${fmt(median(inWorker.map((w) => w.computeMs)), 1)} |`,
    );
  }
  lines.push(
    `(medians (range) over ${reps} fresh pages per column and photo; "again": 3 more regroups on each page; snap on the first page)`,
  );
  return lines;
}

async function open(r: ReviewPage, name: string): Promise<void> {
  const rows = (await r.api<{ images: { relPath: string }[] }>('listImages', {})).images;
  const i = rows.findIndex((x) => x.relPath.endsWith(name));
  await r.page.locator('.image-row').nth(i).click();
  await r.opened(i);
  await r.page.waitForFunction(() => window.studio!.images.current.get()?.maps != null);
}

/** One joint of every person moved 1 px (edited: held by a regroup), as one step. */
async function touchEveryPerson(r: ReviewPage): Promise<void> {
  await r.page.evaluate(async () => {
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

/** 8 pointer moves 8 px around every joint of every person, through the drag's preview path. */
function snapTimes(r: ReviewPage): Promise<{ median: number; p99: number }> {
  return r.page.evaluate(() => {
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
    return { median: times[times.length >> 1], p99: times[Math.floor(times.length * 0.99)] };
  });
}
