// npm run bench:ui — the review app's numbers, measured in Debian's Chromium (headless, software rendering) against
// web mode with the page's own performance marks:
//   next image interactive (PageDown → image, annotation, predictions and maps shown), with prefetch and, as the
//     baseline in the same process, without (?prefetch=0);
//   heatmap channel switch (key → overlay repainted);
//   joint drag frame rate with 50 persons on screen (requestAnimationFrame intervals during a 2-second drag);
//   first screen of a 10,000-image project (navigation start → list and first image shown);
//   the edit path (editTimings.ts): a joint drag until its save is answered, an undo until its last request is
//     answered, and the requests each makes — with `--baseline DIR` also for another checkout (its sources and
//     its built renderer in DIR/out/renderer: e.g. main), in turns in this process and browser.
//   per-person triage (triageTimings.ts): accepting/rejecting one of 144 predicted persons, and one image triaged at
//     the project's threshold against no threshold, in keystrokes and ms.
// Usage: npm run bench:ui [-- --runs 5] [--only-next] [--only-edits] [--only-triage] [--baseline DIR] [--photos DIR:
// the next-image walk over the first 24 photos of DIR instead of the sample's synthetic images] [--min-persons N: of
// those photos, the first 24 on which the bundled model finds N persons or more]; SP_STATIC=DIR serves another
// renderer build (to compare builds in the same conditions: the host's speed drifts over a session).
// Chromium headless paces frames at 60 Hz: the drag's frame rate is compared with an empty page's in the same browser.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../test/e2e/launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { projectCacheDir } from '../../src/node/project/mapCache.ts';
import { fmt, machineLine, median } from '../benchStats.ts';
import { AnnotationStore } from '../../src/node/project/annotationStore.ts';
import { compareEditPaths } from './editTimings.ts';
import { crowd } from './crowd.ts';
import { triageTimings } from './triageTimings.ts';
import { crowdedPhotos } from './crowdedPhotos.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const onlyNext = process.argv.includes('--only-next'); // just the next-image walk (for comparing builds)
const onlyEdits = process.argv.includes('--only-edits'); // just the edit path
const onlyTriage = process.argv.includes('--only-triage'); // just per-person triage
const baselineArg = process.argv.indexOf('--baseline');
const baseline = baselineArg > 0 ? path.resolve(process.argv[baselineArg + 1]) : null;
const photosArg = process.argv.indexOf('--photos');
const photos = photosArg > 0 ? path.resolve(process.argv[photosArg + 1]) : null;
const MODEL = path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx');
const work = path.join(root, '.tmp', 'bench-ui');
const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.95))];

ensureBuild(root);
const browser = await launchBrowser();

// ---- per-person triage of 144 predictions (triageTimings.ts) ----------------------------------------------------
if (onlyTriage) {
  console.log(`machine: ${machineLine()}; Chromium headless, --disable-gpu`);
  for (const line of await triageTimings(browser, root, MODEL, RUNS)) console.log(line);
  await browser.close();
  process.exit(0);
}

// ---- the edit path, this checkout and the baseline in turns ----------------------------------------------------
if (onlyEdits) {
  console.log(`machine: ${machineLine()}; Chromium headless, --disable-gpu`);
  for (const line of await compareEditPaths(browser, root, baseline, RUNS)) console.log(line);
  await browser.close();
  process.exit(0);
}

async function serve(project: OpenProject) {
  return startServer({
    service: project.service,
    root: project.root,
    staticDir: process.env.SP_STATIC ?? path.join(root, 'out', 'renderer'),
  });
}
async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(url);
  await page.waitForFunction(
    () =>
      performance.getEntriesByName('first-screen').length > 0 ||
      /^The image list did not load/.test(window.studio?.snapshot().message ?? ''),
    undefined,
    { timeout: 60_000 },
  );
  const message = await page.evaluate(() => window.studio!.snapshot().message);
  if (message?.startsWith('The image list did not load')) throw new Error(`${url}: ${message}`);
  return page;
}
const measures = (page: Page, prefix: string) =>
  page.evaluate(
    (p) =>
      performance
        .getEntriesByType('measure')
        .filter((m) => m.name.startsWith(p))
        .map((m) => m.duration),
    prefix,
  );

// ---- sample project (24 synthetic images, detected once: maps cached) -------------------------------------------
const sampleDir = mkdtempSync(path.join(tmpdir(), 'sp-bench-ui-'));
mkdirSync(path.join(sampleDir, 'images'), { recursive: true });
const src = photos ?? path.join(root, 'resources', 'sample-project', 'images');
const minPersonsArg = process.argv.indexOf('--min-persons');
const crowded =
  photos && minPersonsArg > 0 ? await crowdedPhotos(photos, Number(process.argv[minPersonsArg + 1]), 24, MODEL) : null;
if (crowded) console.error(`photos with the model's persons: ${crowded.persons.join(', ')}`);
const walked =
  crowded?.files ??
  readdirSync(src)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .slice(0, 24);
for (const f of walked) copyFileSync(path.join(src, f), path.join(sampleDir, 'images', f));
// One large photo-sized image (2300×1725 ≈ 4.0 MP, just under the overlay's full-resolution limit), last in the
// list: the worst case for channel switches.
await sharp(path.join(src, walked[0]))
  .resize(2300, 1725)
  .jpeg({ quality: 90 })
  .toFile(path.join(sampleDir, 'images', 'zz-large.jpg'));
const sample = await openProjectFolder(sampleDir, { modelPath: MODEL });
await runDetectJob(sample.db, {
  modelPath: MODEL,
  root: sample.root,
  settings: { scales: [1], flip: true, mode: 'fast' },
  cacheDir: projectCacheDir(sample.root),
});
const sampleServer = await serve(sample);

async function nextImage(prefetch: boolean): Promise<number[]> {
  const page = await openPage(`${sampleServer.url}${prefetch ? '' : '&prefetch=0'}`);
  await page.waitForTimeout(300);
  await page.evaluate(() => performance.clearMeasures());
  for (let i = 0; i < walked.length - 1; i++) {
    await page.keyboard.press('PageDown');
    await page.waitForFunction(
      (n) => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('image-interactive')).length >= n,
      i + 1,
    );
    await page.waitForTimeout(prefetch ? 150 : 0); // a reviewer looks at an image longer than this; prefetch has run
  }
  const t = await measures(page, 'image-interactive');
  await page.close();
  return t;
}

const withPrefetch: number[] = [],
  without: number[] = [],
  // every image's time of every run, for the p95 (issue 13: < 200 ms on photos)
  allWith: number[] = [],
  allWithout: number[] = [];
for (let r = 0; r < Math.max(1, Math.floor(RUNS / 2)); r++) {
  const no = await nextImage(false);
  const yes = await nextImage(true);
  without.push(median(no));
  withPrefetch.push(median(yes));
  allWithout.push(...no);
  allWith.push(...yes);
}
const nextImageP95 = `p95 over every image of every run: with prefetch ${fmt(p95(allWith), 1)} ms, without ${fmt(p95(allWithout), 1)} ms (${allWith.length} images each)`;
if (onlyNext) {
  console.log(
    `next image (${photos ?? 'sample project'}), run medians: with prefetch ${withPrefetch.map((x) => fmt(x, 1)).join(', ')} ms; without ${without.map((x) => fmt(x, 1)).join(', ')} ms; ${nextImageP95}`,
  );
  await browser.close();
  await sampleServer.close();
  sample.close();
  process.exit(0);
}

// Channel switches: overlay on, ']' steps through all 50 channels; on a 512×384 image and on the 4 MP one.
async function channelSwitches(index: number): Promise<number[]> {
  const page = await openPage(sampleServer.url);
  await page.evaluate((i) => window.studio!.openIndex(i), index);
  await page.keyboard.press('h');
  await page.waitForTimeout(300);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    await page.evaluate(() => performance.clearMeasures());
    for (let i = 0; i < 50; i++) {
      await page.keyboard.press(']');
      await page.waitForFunction(
        (n) => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('channel-switch')).length >= n,
        i + 1,
      );
    }
    times.push(...(await measures(page, 'channel-switch')));
  }
  await page.close();
  return times;
}
const switchTimes = await channelSwitches(0);
const switchTimesLarge = await channelSwitches(24);

// Drag with 50 persons on the first image.
const first = sample.db.prepare('SELECT id, width, height FROM images ORDER BY rel_path LIMIT 1').get() as {
  id: number;
  width: number;
  height: number;
};
const { added, order, grabbed } = crowd(first.width, first.height);
const benchStore = new AnnotationStore(sample.db);
const old = benchStore.load(first.id);
benchStore.apply(
  first.id,
  { added, updated: {}, removed: old.state.persons, order: [old.state.order, order] },
  'bench persons',
);
const fpsRuns: number[] = [],
  frameP95: number[] = [],
  longFrames: number[] = [],
  blankFps: number[] = [];
for (let r = 0; r < RUNS; r++) {
  // Baseline in the same browser: the frame rate of an empty page (headless Chromium paces frames near 60 Hz).
  const blank = await browser.newPage();
  blankFps.push(
    await blank.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const ts: number[] = [];
          const tick = (t: number) => {
            ts.push(t);
            if (t - ts[0] < 2000) requestAnimationFrame(tick);
            else resolve((1000 * (ts.length - 1)) / (ts.at(-1)! - ts[0]));
          };
          requestAnimationFrame(tick);
        }),
    ),
  );
  await blank.close();
  const page = await openPage(sampleServer.url);
  await page.waitForTimeout(300);
  const s = await page.evaluate(() => window.studio!.snapshot().viewport);
  const box = (await page.locator('[data-testid=canvas]').boundingBox())!;
  const j = grabbed;
  const sx = box.x + j.x * s.scale + s.offsetX,
    sy = box.y + j.y * s.scale + s.offsetY;
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; stop_: boolean; loaf_: number[] };
    w.frames_ = [];
    w.stop_ = false;
    w.loaf_ = [];
    // Main-thread frames over 50 ms (Long Animation Frames API): what the page itself costs, apart from vsync pacing.
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.loaf_.push(e.duration);
    }).observe({ type: 'long-animation-frame', buffered: false });
    const tick = (t: number) => {
      w.frames_.push(t);
      if (!w.stop_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  const t0 = Date.now();
  let i = 0;
  // A pointer move every ~8 ms (a mouse's moves arrive coalesced once a frame; this sends about two a frame).
  while (Date.now() - t0 < 2000) {
    i++;
    await page.mouse.move(sx + 80 * Math.sin(i / 10), sy + 40 * Math.cos(i / 13));
    await new Promise((r) => setTimeout(r, 8));
  }
  await page.mouse.up();
  const { frames, loaf } = await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; stop_: boolean; loaf_: number[] };
    w.stop_ = true;
    return { frames: w.frames_, loaf: w.loaf_ };
  });
  longFrames.push(loaf.length);
  const dts = frames.slice(1).map((t, k) => t - frames[k]);
  const span = frames.at(-1)! - frames[0];
  fpsRuns.push((1000 * dts.length) / span);
  frameP95.push(p95(dts));
  await page.close();
}

// ---- 10,000-image project ---------------------------------------------------------------------------------------
const bigDir = path.join(work, 'project-10k');
if (!existsSync(path.join(bigDir, 'images', '9', 'img09999.jpg'))) {
  console.log('making a 10,000-image project (once; kept in .tmp/bench-ui)…');
  for (let i = 0; i < 10_000; i++) {
    const dir = path.join(bigDir, 'images', String(Math.floor(i / 1000)));
    mkdirSync(dir, { recursive: true });
    await sharp({
      create: {
        width: 160,
        height: 120,
        channels: 3,
        background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13) % 256 },
      },
    })
      .jpeg({ quality: 70 })
      .toFile(path.join(dir, `img${String(i).padStart(5, '0')}.jpg`));
  }
}
const big = await openProjectFolder(bigDir, { modelPath: MODEL });
const bigServer = await serve(big);
const firstScreen: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const page = await openPage(bigServer.url);
  firstScreen.push((await measures(page, 'first-screen'))[0]);
  if ((await page.locator('[data-testid=list-count]').textContent()) !== '10,000 images')
    throw new Error('the 10k project did not list 10,000 images');
  await page.close();
}

const editLines = await compareEditPaths(browser, root, baseline, RUNS);
const triageLines = await triageTimings(browser, root, MODEL, RUNS);
await browser.close();
await sampleServer.close();
await bigServer.close();
sample.close();
big.close();
console.log(`machine: ${machineLine()}; Chromium headless, --disable-gpu (software rendering)`);
console.log(
  `next image interactive (${photos ?? 'sample project, 512×384'}, maps cached), median of per-run medians over ${withPrefetch.length} runs × 23 images:`,
);
console.log(
  `  with prefetch ${fmt(median(withPrefetch), 1)} ms  (runs: ${withPrefetch.map((x) => fmt(x, 1)).join(', ')})`,
);
console.log(
  `  without prefetch (baseline) ${fmt(median(without), 1)} ms  (runs: ${without.map((x) => fmt(x, 1)).join(', ')}); ratio ${fmt(median(without) / median(withPrefetch), 1)}×`,
);
console.log(`  ${nextImageP95}`);
console.log(
  `heatmap channel switch (full-resolution map, the decoder's own): 512×384 median ${fmt(median(switchTimes), 1)} ms, p95 ${fmt(p95(switchTimes), 1)} ms; 2300×1725 median ${fmt(median(switchTimesLarge), 1)} ms, p95 ${fmt(p95(switchTimesLarge), 1)} ms (${switchTimes.length} switches each)`,
);
console.log(
  `joint drag with 50 persons on screen: median ${fmt(median(fpsRuns), 1)} fps (runs: ${fpsRuns.map((x) => fmt(x, 1)).join(', ')}); an empty page in the same browser: ${fmt(median(blankFps), 1)} fps (runs: ${blankFps.map((x) => fmt(x, 1)).join(', ')}), ratio ${fmt(median(fpsRuns) / median(blankFps), 3)};`,
);
console.log(
  `  during the drags: frame p95 ${fmt(median(frameP95), 1)} ms, long (> 50 ms) animation frames per 2-s drag: ${longFrames.join(', ')}`,
);
console.log(
  `first screen of a 10,000-image project: median ${fmt(median(firstScreen), 0)} ms (runs: ${firstScreen.map((x) => fmt(x, 0)).join(', ')})`,
);
for (const line of editLines) console.log(`edit path, ${line}`);
for (const line of triageLines) console.log(line);
