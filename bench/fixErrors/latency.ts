// The corrections' latencies in the review app in Chromium, for bench:fix-errors: snap preview per pointer move and
// regroup of a crowded photo, through the engine's own paths (what a drag and Shift+G call), timed in the page with
// performance.now() (Chromium: 0.1 ms steps). Regroup runs in the page's Web Worker, which prepares an image's
// regroup (its candidates and the map values the assignment reads) as soon as it opens: it is timed from Shift+G
// to the proposal shown, on a fresh page, the first one at once after the image opened (it waits for that
// preparation) or after a 1-s look, then three more on the same maps.
import path from 'node:path';
import { PHOTOS, type ReviewPage } from '../../test/e2e/reviewPage.ts';
import { fmt, median } from '../benchStats.ts';
import { regroupTimes, snapTimes, touchEveryPerson } from '../../test/e2e/correctionsTimings.ts';

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
    await touchEveryPerson(r.page);
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
      const m = await regroupTimes(r.page, 4);
      (atOnce ? first.atOnce : first.afterLook).push(m.ms[0]);
      again.push(...m.ms.slice(1));
      inWorker.push(m.worker);
      persons = m.persons;
      if (i === 0) snap = await snapTimes(r.page);
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
