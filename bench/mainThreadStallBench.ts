// npm run bench:stall — how long the thread that serves the app (Electron's main process, the web server) stops
// answering while a 10,000-image project is scanned (every file hashed), imported from COCO (10 persons per image,
// every file hashed) and exported: the longest event-loop stall (perf_hooks.monitorEventLoopDelay, max) with the work
// on that thread (the service's in-process task runner: what the service did before) and in the project worker
// thread (WorkerTasks: what it does now), measured in the same process, rounds interleaved; medians of the rounds.
// Run with --expose-gc (the npm script does): a full collection before each step keeps one step's garbage out of the
// next step's figure.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { createProjectService } from '../src/node/project/projectService.ts';
import { inProcessTasks, type ProjectTaskRunner } from '../src/node/workers/projectTasks.ts';
import { WorkerTasks } from '../src/node/workers/workerTasks.ts';
import { serializeCoco } from '../src/core/coco/cocoJson.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../src/core/skeleton/poseMeta.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const IMAGES = Number(process.env.IMAGES ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const base = mkdtempSync(path.join(tmpdir(), 'sp-stall-bench-'));
const png = path.join(base, 'one.png');
writeFileSync(
  png,
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#468' } })
    .png()
    .toBuffer(),
);
const names = Array.from({ length: IMAGES }, (_, i) => `f${i % 100}/img${i}.png`);
const images = names.map((file_name, i) => ({ id: i + 1, file_name, width: 64, height: 48 }));
const annotations = images.flatMap((im) =>
  Array.from({ length: 10 }, (_, p) => ({
    id: (im.id - 1) * 10 + p + 1,
    image_id: im.id,
    category_id: 1,
    keypoints: COCO_KEYPOINTS.flatMap((_, k) => [2 + p * 5 + k * 0.5, 3 + k * 2.25, k % 5 ? 2 : 1]),
    num_keypoints: COCO_KEYPOINTS.length,
    bbox: [2 + p * 5, 3, 8, 36],
    area: 288,
    iscrowd: 0 as const,
  })),
);
const cocoText = serializeCoco({
  info: { description: 'bench' },
  images,
  annotations,
  categories: [
    { id: 1, name: 'person', keypoints: [...COCO_KEYPOINTS], skeleton: COCO_SKELETON_1BASED.map((q) => [...q]) },
  ],
});

/** A fresh project folder: the images, the COCO file. */
function folder(tag: string): string {
  const root = path.join(base, tag);
  for (let d = 0; d < 100; d++) mkdirSync(path.join(root, `f${d}`), { recursive: true });
  for (const n of names) copyFileSync(png, path.join(root, n));
  writeFileSync(path.join(root, 'in.json'), cocoText);
  return root;
}

/**
 * The longest stall of this thread's event loop while `work` runs (monitorEventLoopDelay's max; it needs a tick of
 * its own before the work starts, or a stall at once goes unseen), cross-checked by the longest gap between the
 * callbacks of a 5 ms interval; and the work's wall time (ms).
 */
async function measure(work: () => Promise<unknown>): Promise<{ stallMs: number; gapMs: number; wallMs: number }> {
  // The previous step's garbage (an in-process import leaves hundreds of MB) is collected now, not inside this one.
  (globalThis as { gc?: () => void }).gc?.();
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let last = performance.now(),
    gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 5);
  await new Promise((r) => setTimeout(r, 30));
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 30)); // one more sample after the work
  clearInterval(timer);
  h.disable();
  return { stallMs: h.max / 1e6, gapMs, wallMs };
}

type Mode = 'main thread' | 'worker thread';
type Figure = { stallMs: number; gapMs: number; wallMs: number };
const figures: Record<Mode, Record<'scan' | 'import' | 'export', Figure[]>> = {
  'main thread': { scan: [], import: [], export: [] },
  'worker thread': { scan: [], import: [], export: [] },
};
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of ['main thread', 'worker thread'] as Mode[]) {
    const root = folder(`r${r}-${mode === 'main thread' ? 'main' : 'worker'}`);
    const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
    const tasks: ProjectTaskRunner = mode === 'main thread' ? inProcessTasks(db) : new WorkerTasks(db.name);
    const service = createProjectService(db, root, { tasks });
    const f = figures[mode];
    f.scan.push(await measure(() => tasks.run('syncImages', { root })));
    f.import.push(await measure(() => service.importCoco({ path: path.join(root, 'in.json') })));
    f.export.push(
      await measure(() => service.exportCoco({ path: path.join(root, 'out.json'), onlyReviewed: false, kind: 'gt' })),
    );
    await service.shutdown();
    db.close();
    rmSync(root, { recursive: true, force: true });
  }
}
rmSync(base, { recursive: true, force: true });
const med = (xs: Figure[]) => ({
  stall_ms: Number(fmt(median(xs.map((x) => x.stallMs)), 0)),
  interval_gap_ms: Number(fmt(median(xs.map((x) => x.gapMs)), 0)),
  wall_ms: Number(fmt(median(xs.map((x) => x.wallMs)), 0)),
});
console.log(`machine: ${machineLine()}`);
const out: Record<string, unknown> = { images: IMAGES, persons: IMAGES * 10, rounds: ROUNDS };
for (const step of ['scan', 'import', 'export'] as const) {
  const before = med(figures['main thread'][step]),
    after = med(figures['worker thread'][step]);
  out[step] = {
    main_thread: before,
    worker_thread: after,
    stall_ratio: Number(fmt(before.stall_ms / Math.max(1, after.stall_ms), 1)),
  };
}
console.log(JSON.stringify(out, null, 1));
