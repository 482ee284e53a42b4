// The review app's edit path, measured in the page: a joint drag until its save is answered, and an undo (Ctrl+Z)
// until its last request is answered, with the requests each one makes. Any checkout of the app can be measured
// (`tree`: its folder, with its renderer built in out/renderer), so that two versions run in one process, one
// browser, in turns: its own project service, server and renderer. Only what every version has is used: the
// keyboard and the mouse, the page's `window.studio` (snapshot or getSnapshot), AnnotationStore.apply.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fmt, median } from '../benchStats.ts';
import { crowd } from './crowd.ts';

export interface Timed {
  /**
   * From the key press or the mouse release to the last response it caused arriving (the network's responseEnd, so
   * that a page busy repainting does not count it late).
   */
  ms: number;
  /** From the key press to the first animation frame whose engine state shows the result (undo only). */
  shownMs?: number;
  /** POST /api/… requests (round trips to the project service). */
  api: number;
  /** Every fetch (API and media) it caused. */
  requests: number;
}

export interface EditVersion {
  name: string;
  tree: string;
}

type Modules = {
  openProjectFolder: typeof import('../../src/node/project/openProjectFolder.ts').openProjectFolder;
  startServer: typeof import('../../src/server/startServer.ts').startServer;
  AnnotationStore: typeof import('../../src/node/project/annotationStore.ts').AnnotationStore;
};

/** Records each fetch of the page (not the event stream) and the time of the last key press or mouse release. */
const INSTRUMENT = `(() => {
  const w = window;
  w.reqs_ = []; w.inflight_ = 0; w.lastEnd_ = 0; w.t0_ = 0;
  const stamp = () => { w.t0_ = performance.now(); };
  addEventListener('keydown', stamp, true);
  addEventListener('mouseup', stamp, true);
  const fetch0 = w.fetch.bind(w);
  w.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/api/events')) return fetch0(input, init);
    const r = { url, post: (init?.method ?? 'GET') === 'POST', start: performance.now(), end: 0 };
    w.reqs_.push(r); w.inflight_++;
    try { return await fetch0(input, init); }
    finally { r.end = w.lastEnd_ = performance.now(); w.inflight_--; }
  };
})();`;

type State = { persons: Record<string, { joints: ({ x: number } | null)[] }> };

interface PageLog {
  reqs_: { url: string; post: boolean; start: number; end: number }[];
  inflight_: number;
  lastEnd_: number;
  t0_: number;
}

/**
 * Runs `act`, waits until the page has had no request in flight for 400 ms, and says what `act` cost; `shown`: the
 * x the watched joint (person bench24, joint 5) has once the result is on screen, checked every animation frame.
 */
async function timed(page: Page, act: () => Promise<void>, shown?: number): Promise<Timed> {
  await page.evaluate((x) => {
    const w = window as unknown as PageLog & { shownAt_: number };
    w.reqs_ = [];
    performance.clearResourceTimings();
    w.shownAt_ = 0;
    if (x === null) return;
    const s = window.studio as unknown as Record<string, () => { current: { state: State } | null }>;
    const tick = () => {
      const j = (s.snapshot ?? s.getSnapshot).call(s).current?.state.persons.bench24.joints[5];
      if (j && Math.abs(j.x - x) < 1e-6 && w.t0_ > 0) w.shownAt_ = performance.now();
      else requestAnimationFrame(tick);
    };
    w.t0_ = 0;
    requestAnimationFrame(tick);
  }, shown ?? null);
  await act();
  await page.waitForFunction(
    () => {
      const w = window as unknown as PageLog;
      return w.inflight_ === 0 && w.reqs_.length > 0 && performance.now() - w.lastEnd_ > 400;
    },
    undefined,
    { polling: 20, timeout: 30_000 },
  );
  return page.evaluate(() => {
    const w = window as unknown as PageLog & { shownAt_: number };
    const after = w.reqs_.filter((r) => r.start >= w.t0_);
    const arrived = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => e.initiatorType === 'fetch' && e.startTime >= w.t0_ && !e.name.includes('/api/events'))
      .map((e) => e.responseEnd);
    return {
      ms: Math.max(...arrived) - w.t0_,
      ...(w.shownAt_ ? { shownMs: w.shownAt_ - w.t0_ } : {}),
      api: after.filter((r) => r.post && r.url.includes('/api/')).length,
      requests: after.length,
    };
  });
}

/** The page's engine state, whatever the version calls it. */
const viewportOf = (page: Page) =>
  page.evaluate(() => {
    const s = window.studio as unknown as Record<
      string,
      () => { viewport: { scale: number; offsetX: number; offsetY: number } }
    >;
    return (s.snapshot ?? s.getSnapshot).call(s).viewport;
  });

/**
 * `runs` drags of one joint of an image with 50 persons (each by 24 × 16 screen px at a hand's pace) and, after
 * each, an undo that puts it back (checked in the database).
 */
export async function editTimings(browser: Browser, v: EditVersion, runs: number) {
  const load = (rel: string) => import(path.join(v.tree, rel));
  const m: Modules = {
    openProjectFolder: (await load('src/node/project/openProjectFolder.ts')).openProjectFolder,
    startServer: (await load('src/server/startServer.ts')).startServer,
    AnnotationStore: (await load('src/node/project/annotationStore.ts')).AnnotationStore,
  };
  const dir = mkdtempSync(path.join(tmpdir(), `sp-bench-edits-${v.name}-`));
  const src = path.join(import.meta.dirname, '..', '..', 'resources', 'sample-project', 'images');
  mkdirSync(path.join(dir, 'images'));
  for (const f of readdirSync(src).sort().slice(0, 3)) copyFileSync(path.join(src, f), path.join(dir, 'images', f));
  const project = await m.openProjectFolder(dir);
  const img = project.db.prepare('SELECT id, width, height FROM images ORDER BY rel_path LIMIT 1').get() as {
    id: number;
    width: number;
    height: number;
  };
  const { added, grabbed: joint } = crowd(img.width, img.height);
  const store = new m.AnnotationStore(project.db);
  store.apply(img.id, { added, updated: {}, removed: {} }, 'bench persons');
  const server = await m.startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(v.tree, 'out', 'renderer'),
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.addInitScript(INSTRUMENT);
  await page.goto(server.url);
  await page.waitForFunction(() => performance.getEntriesByName('first-screen').length > 0, undefined, {
    timeout: 60_000,
  });
  await page.waitForTimeout(500);
  const dragSave: Timed[] = [],
    undo: Timed[] = [];
  const stored = () => store.load(img.id).state.persons.bench24.joints[5] as { x: number; y: number };
  for (let r = 0; r < runs; r++) {
    const vp = await viewportOf(page);
    const box = (await page.locator('[data-testid=canvas]').boundingBox())!;
    const sx = box.x + joint.x * vp.scale + vp.offsetX,
      sy = box.y + joint.y * vp.scale + vp.offsetY;
    dragSave.push(
      await timed(page, async () => {
        await page.mouse.move(sx, sy);
        await page.mouse.down();
        for (let i = 1; i <= 5; i++) {
          await page.mouse.move(sx + (24 * i) / 5, sy + (16 * i) / 5);
          await page.waitForTimeout(16);
        }
        await page.mouse.up();
      }),
    );
    if (Math.abs(stored().x - joint.x) < 1) throw new Error(`${v.name}: the drag was not saved`);
    undo.push(await timed(page, () => page.keyboard.press('Control+z'), joint.x));
    if (Math.abs(stored().x - joint.x) > 1e-6) throw new Error(`${v.name}: the undo did not restore the joint`);
  }
  await page.close();
  await server.close();
  await project.close();
  return { dragSave, undo };
}

/**
 * The edit path of this checkout (`root`) and, when given, of `baseline`, in turns (3 rounds of `runs` each, so that
 * the host's drift falls on both); the report's lines.
 */
export async function compareEditPaths(browser: Browser, root: string, baseline: string | null, runs: number) {
  const versions: EditVersion[] = [
    ...(baseline ? [{ name: 'baseline', tree: baseline }] : []),
    { name: 'this checkout', tree: root },
  ];
  const all = new Map(versions.map((v) => [v.name, { dragSave: [] as Timed[], undo: [] as Timed[] }]));
  for (let round = 0; round < 3; round++)
    for (const v of versions) {
      const r = await editTimings(browser, v, runs);
      all.get(v.name)!.dragSave.push(...r.dragSave);
      all.get(v.name)!.undo.push(...r.undo);
    }
  const ms = (t: Timed[], k: 'ms' | 'shownMs' = 'ms') => median(t.map((x) => x[k] ?? Number.NaN));
  const line = (t: Timed[]) =>
    `median ${fmt(ms(t), 1)} ms, ${fmt(median(t.map((x) => x.api)), 0)} API round trips (${fmt(median(t.map((x) => x.requests)), 0)} requests in all; ${t.length} runs)`;
  const out: string[] = [];
  for (const v of versions) {
    const r = all.get(v.name)!;
    out.push(
      `${v.name} (${v.tree}):`,
      `  drag-save (mouse release → save answered): ${line(r.dragSave)}`,
      `  undo (Ctrl+Z → last request answered): ${line(r.undo)}`,
      `  undo shown (Ctrl+Z → first frame showing it): median ${fmt(ms(r.undo, 'shownMs'), 1)} ms`,
    );
  }
  if (baseline) {
    const [b, c] = [all.get('baseline')!, all.get('this checkout')!];
    const ratio = (k: 'dragSave' | 'undo', f: 'ms' | 'shownMs' = 'ms') => fmt(ms(c[k], f) / ms(b[k], f), 2);
    out.push(
      `this checkout ÷ baseline: drag-save ${ratio('dragSave')}×, undo ${ratio('undo')}×, undo shown ${ratio('undo', 'shownMs')}×`,
    );
  }
  return out;
}
