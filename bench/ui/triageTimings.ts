// Per-person triage in the page: the bundled model's 144 predicted persons on the crowded COCO photo (val2017
// 217285, detected once with the bundled model), reviewed in Chromium with the keyboard at machine speed (each key
// once the previous one's result is on screen):
//   one person: N selects the best pending prediction, then each Y (accept) or X (reject) is timed from its key press
//     to the first frame showing it (the next prediction selected) and to its save answered;
//   one image: at the project's threshold (0.9, the default) and, as the baseline in the same process, with no
//     threshold (every prediction shown): "A, Enter" (accept what is shown) and person by person (N, one Y or X per
//     shown person, Enter) — keystrokes, and ms from the first key to the next image open with everything saved.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fmt, median } from '../benchStats.ts';
import { detectedAndServed } from '../../test/support/servedProject.ts';
import { AnnotationStore } from '../../src/node/project/annotationStore.ts';
import { DEFAULT_PERSON_SCORE_THRESHOLD } from '../../src/core/review/personScoreThreshold.ts';

const SHARED = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'coco-mini');
const CROWD = path.join(SHARED, 'val2017', '000000217285.jpg');
const NEXT = path.join(SHARED, 'val2017', '000000350679.jpg');

/** Key-press time and request tracking in the page (the event stream excluded). */
const INSTRUMENT = `(() => {
  const w = window;
  w.tb_ = { t0: 0, inflight: 0, lastEnd: 0, caused: 0 };
  addEventListener('keydown', () => { w.tb_.t0 = performance.now(); w.tb_.caused = 0; }, true);
  const fetch0 = w.fetch.bind(w);
  w.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/api/events')) return fetch0(input, init);
    w.tb_.inflight++;
    w.tb_.caused++;
    try { return await fetch0(input, init); } finally { w.tb_.inflight--; w.tb_.lastEnd = performance.now(); }
  };
})();`;

interface Timed {
  /** Key press → the first animation frame that shows the result. */
  shownMs: number;
  /** Key press → the last request it caused answered (its save); NaN when it caused none. */
  savedMs: number;
}

/** What a key press is waited for: `decided` predictions accepted or rejected in all, or the list index open. */
type Done = { decided: number } | { index: number };

/** Presses `key`, then waits for the first frame that shows `done` and for the saves to settle. */
async function press(page: Page, key: string, done: Done): Promise<Timed> {
  const t = await page.evaluate(() => (window as unknown as { tb_: { t0: number } }).tb_.t0);
  await page.keyboard.press(key);
  const shown = await page.evaluate(
    ([d, before]) =>
      new Promise<number>((resolve) => {
        const w = window as unknown as { tb_: { t0: number }; studio: { snapshot(): Snapshot } };
        const test = (s: Snapshot) =>
          'decided' in d
            ? !!s.triage && s.triage.counts.taken + s.triage.counts.rejected === d.decided
            : s.index === d.index && !s.loading;
        const tick = () => {
          if (w.tb_.t0 !== before && test(w.studio.snapshot())) resolve(performance.now() - w.tb_.t0);
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    [done, t] as const,
  );
  await page.waitForFunction(
    () => {
      const w = window as unknown as {
        tb_: { inflight: number; lastEnd: number };
        studio: { snapshot(): { pending: number } };
      };
      return w.tb_.inflight === 0 && w.studio.snapshot().pending === 0 && performance.now() - w.tb_.lastEnd > 150;
    },
    undefined,
    { polling: 20, timeout: 30_000 },
  );
  const saved = await page.evaluate(() => {
    const w = window as unknown as { tb_: { t0: number; lastEnd: number; caused: number } };
    return w.tb_.caused ? w.tb_.lastEnd - w.tb_.t0 : Number.NaN;
  });
  return { shownMs: shown, savedMs: saved };
}

type Snapshot = {
  index: number;
  loading: boolean;
  triage: { counts: Record<string, number>; pending: unknown[] } | null;
};
const decided = (n: number): Done => ({ decided: n });

/** The crowded photo detected with the bundled model, served; `reset` puts it back to unreviewed with no decision. */
async function crowdProject(model: string, root: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-bench-triage-'));
  mkdirSync(path.join(dir, 'photos'));
  copyFileSync(CROWD, path.join(dir, 'photos', 'a-crowd.jpg'));
  copyFileSync(NEXT, path.join(dir, 'photos', 'b-next.jpg'));
  const { project, server } = await detectedAndServed(dir, model, path.join(root, 'out', 'renderer'));
  const store = new AnnotationStore(project.db);
  const rows = (await project.service.listImages({})).images;
  const imageId = rows.find((x) => x.relPath.endsWith('a-crowd.jpg'))!.id;
  const predicted = (await project.service.getPredictions({ imageId })).poses;
  const reset = async (threshold: number) => {
    const s = store.load(imageId).state;
    if (s.order.length || s.rejectedPredictions?.length)
      store.apply(
        imageId,
        {
          added: {},
          updated: {},
          removed: s.persons,
          ...(s.rejectedPredictions?.length ? { rejectedPredictions: [s.rejectedPredictions, []] } : {}),
        },
        'bench reset',
      );
    await project.service.setStatus({ imageId, status: 'unreviewed' });
    await project.service.setReviewSettings({ personScoreThreshold: threshold });
  };
  const close = async () => {
    await server.close();
    project.close();
  };
  return { server, reset, close, predicted, dir };
}

/** A page on the crowded photo (the list's first image), settled. */
async function openCrowd(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.addInitScript(INSTRUMENT);
  await page.addInitScript(() => localStorage.clear());
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { studio?: { snapshot(): Snapshot } }).studio?.snapshot();
      return !!s && s.index === 0 && !s.loading && s.triage !== null;
    },
    undefined,
    { timeout: 60_000 },
  );
  await page.waitForTimeout(300);
  return page;
}

/** One image triaged with `keys` after N (or none): total ms to the next image open and saved, keystrokes. */
async function triageImage(page: Page, perPerson: boolean): Promise<{ ms: number; keys: number }> {
  const shown = await page.evaluate(
    () => (window as unknown as { studio: { snapshot(): Snapshot } }).studio.snapshot().triage!.pending.length,
  );
  const t0 = await page.evaluate(() => performance.now());
  let keys = 0;
  if (perPerson) {
    await page.keyboard.press('n');
    keys++;
    for (let i = 0; i < shown; i++) {
      // Accept every other one: the cost of a decision is the same either way.
      await press(page, i % 2 ? 'x' : 'y', decided(i + 1));
      keys++;
    }
  } else {
    await press(page, 'a', decided(shown));
    keys++;
  }
  await press(page, 'Enter', { index: 1 });
  keys++;
  const end = await page.evaluate(() => (window as unknown as { tb_: { lastEnd: number } }).tb_.lastEnd);
  return { ms: end - t0, keys };
}

/** The report's lines. */
export async function triageTimings(browser: Browser, root: string, model: string, runs: number): Promise<string[]> {
  const c = await crowdProject(model, root);
  const thresholds = [
    { name: `at the project threshold ${DEFAULT_PERSON_SCORE_THRESHOLD}`, t: DEFAULT_PERSON_SCORE_THRESHOLD },
    { name: 'with no threshold (baseline: every prediction shown)', t: -1000 },
  ];
  const one: Record<string, { y: Timed[]; x: Timed[] }> = {};
  const image: Record<string, { all: { ms: number; keys: number }[]; each: { ms: number; keys: number }[] }> = {};
  for (const th of thresholds) {
    one[th.name] = { y: [], x: [] };
    image[th.name] = { all: [], each: [] };
  }
  for (let r = 0; r < runs; r++)
    for (const th of thresholds) {
      // One person at a time: 5 accepts and 5 rejects, alternating.
      await c.reset(th.t);
      let page = await openCrowd(browser, c.server.url);
      await page.keyboard.press('n');
      for (let i = 0; i < 10; i++)
        one[th.name][i % 2 ? 'x' : 'y'].push(await press(page, i % 2 ? 'x' : 'y', decided(i + 1)));
      await page.close();
      for (const perPerson of [false, true]) {
        await c.reset(th.t);
        page = await openCrowd(browser, c.server.url);
        image[th.name][perPerson ? 'each' : 'all'].push(await triageImage(page, perPerson));
        await page.close();
      }
    }
  await c.close();
  const ms = (t: Timed[], k: keyof Timed) => fmt(median(t.map((x) => x[k])), 1);
  const shownAt = (t: number) => c.predicted.filter((p) => p.score >= t).length;
  const out = [
    `triage on the crowded photo (val2017 217285): ${c.predicted.length} predicted persons by the bundled model`,
  ];
  for (const th of thresholds) {
    const o = one[th.name],
      im = image[th.name];
    out.push(
      `  ${th.name}: ${shownAt(th.t)} shown`,
      `    accept one person (Y): 1 keystroke, shown in ${ms(o.y, 'shownMs')} ms, saved in ${ms(o.y, 'savedMs')} ms (median of ${o.y.length})`,
      `    reject one person (X): 1 keystroke, shown in ${ms(o.x, 'shownMs')} ms, saved in ${ms(o.x, 'savedMs')} ms (median of ${o.x.length})`,
      `    the image, accepting what is shown (A, Enter): ${im.all[0].keys} keystrokes, ${fmt(median(im.all.map((x) => x.ms)), 0)} ms to the next image with everything saved (median of ${im.all.length})`,
      `    the image, person by person (N, Y/X per shown person, Enter): ${im.each[0].keys} keystrokes, ${fmt(median(im.each.map((x) => x.ms)), 0)} ms (median of ${im.each.length})`,
    );
  }
  const [a, b] = thresholds.map((th) => image[th.name].each);
  out.push(
    `  person-by-person triage at the threshold ÷ without: ${fmt(a[0].keys / b[0].keys, 2)}× the keystrokes, ${fmt(median(a.map((x) => x.ms)) / median(b.map((x) => x.ms)), 2)}× the time`,
  );
  return out;
}
