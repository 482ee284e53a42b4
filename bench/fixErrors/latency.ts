// The corrections' latencies in the review app in Chromium, for bench:fix-errors: snap preview per pointer move and
// regroup of a crowded photo, through the engine's own paths (what a drag and Shift+G call), timed in the page with
// performance.now() (Chromium: 0.1 ms steps). Regroup is timed on a fresh page: the image opened, the page idle
// once (when the app prepares the image's regroup: its candidates and the map values the assignment reads, timed
// apart), then the first Shift+G and three more on the same maps.
import path from 'node:path';
import { PHOTOS, type ReviewPage } from '../../test/e2e/reviewPage.ts';
import { fmt, median } from '../benchStats.ts';

/** The crowded photos: the fixture case with 14 labelled persons, and val2017 217285 with the bundled model's maps. */
const CROWDED = ['000000129648.jpg', path.basename(PHOTOS[0])];

export async function correctionLatency(r: ReviewPage, reps: number): Promise<string[]> {
  const lines = [
    '\n| photo, maps | persons held | snap preview median / p99 (ms) | prepared when idle (ms) | first regroup: total / of it candidates (ms) | regroup again (ms) |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of CROWDED) {
    await open(r, name);
    await r.page.keyboard.press('a');
    await touchEveryPerson(r);
    const cold: number[] = [],
      coldPeaks: number[] = [],
      warm: number[] = [],
      prepare: number[] = [];
    let snap = { median: 0, p99: 0 },
      persons = 0;
    for (let i = 0; i < reps; i++) {
      // A fresh page: nothing of the image's corrections computed yet.
      await r.page.reload();
      await r.page.waitForFunction(
        () => window.studio?.snapshot().current != null && !window.studio.snapshot().loading,
      );
      await open(r, name);
      // what the page does when idle after opening an image: its regroup prepared (ImageCorrections.prepareWhenIdle)
      await r.page.evaluate(
        () => new Promise<void>((done) => requestIdleCallback(() => setTimeout(done, 0), { timeout: 5000 })),
      );
      const m = await r.page.evaluate(() => {
        const e = window.studio!;
        const c = e.corrections.fix;
        const times = (n: number) => {
          const ms: number[] = [];
          for (let k = 0; k < n; k++) {
            c.proposal.set(null);
            c.regroup();
            ms.push(c.timings.regroupMs);
          }
          return ms;
        };
        const first = times(1)[0];
        const firstPeaks = c.timings.regroupPeaksMs;
        const again = times(3);
        c.discardProposal();
        return {
          first,
          firstPeaks,
          again,
          prepare: c.timings.prepareMs,
          persons: e.annotation.get()!.state.order.length,
        };
      });
      cold.push(m.first);
      coldPeaks.push(m.firstPeaks);
      warm.push(...m.again);
      prepare.push(m.prepare);
      persons = m.persons;
      if (i === 0) snap = await snapTimes(r);
    }
    lines.push(
      `| ${name} | ${persons} | ${fmt(snap.median, 1)} / ${fmt(snap.p99, 1)} | ${fmt(median(prepare), 1)} | ${fmt(median(cold), 1)} / ${fmt(median(coldPeaks), 1)} (range ${fmt(Math.min(...cold), 1)} – ${fmt(Math.max(...cold), 1)}) | ${fmt(median(warm), 1)} |`,
    );
  }
  lines.push(`(${reps} fresh pages per photo; warm: 3 regroups after each cold one; snap on the first page)`);
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
