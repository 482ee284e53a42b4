// npm run bench:cancel — how fast a model that never finishes (test/fixtures/model/hang.onnx: an endless ONNX Loop on
// any input wider than 256 px) is stopped: from cancel to its worker process gone, through PoseEngine.stop() and
// through the project service's cancelJob (job marked cancelled); the per-image time limit's overrun and the cost of
// the fresh worker that takes the next image; what the worker process costs per photo against inferImage in this
// process. Medians of 7 runs, each after the worker is seen computing. Baseline, in the same run (a child process of
// its own, killed after it reports): the design this replaced, a worker thread running the same session, whose
// terminate() cannot interrupt ONNX Runtime's native run (capped at 5 s; the thread keeps its core busy).
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { loadPoseModel } from '../src/node/inference/poseModel.ts';
import { inferImage } from '../src/node/inference/inferImage.ts';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { syncImages } from '../src/node/project/syncImages.ts';
import { createProjectService } from '../src/node/project/projectService.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HANG = path.join(root, 'test', 'fixtures', 'model', 'hang.onnx');
const small = { scales: [0.25], flip: false, mode: 'fast' as const };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await sleep(5);
  }
}
/** The worker is inside the endless Loop once it has burnt 0.3 s of CPU since `c0` (Linux /proc). */
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) / 100;
};
async function spinning(pid: number): Promise<void> {
  const c0 = cpu(pid);
  await until(() => cpu(pid) - c0 >= 0.3);
}
function workerOf(model: string): number {
  for (const name of readdirSync('/proc'))
    if (/^\d+$/.test(name))
      try {
        const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
        if (cmd.includes('inferenceWorker') && cmd.includes(model) && alive(Number(name))) return Number(name);
      } catch {
        /* gone */
      }
  return 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-cancel-bench-'));
  const wide = path.join(dir, 'b-wide.png'),
    square = path.join(dir, 'a-square.png');
  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: '#5a78c8' } })
      .png()
      .toBuffer();
  writeFileSync(wide, await png(400, 100));
  writeFileSync(square, await png(96, 96));
  const runs = 7;
  const engineStop: number[] = [],
    jobCancel: number[] = [],
    jobEvent: number[] = [],
    overrun: number[] = [],
    respawn: number[] = [];
  for (let r = 0; r < runs; r++) {
    const engine = await PoseEngine.start(HANG, { provider: 'cpu' });
    const pid = engine.workerPid!;
    const stuck = engine.infer(wide, 1, small).catch(() => undefined);
    await spinning(pid);
    const t0 = performance.now();
    await engine.stop();
    await until(() => !alive(pid));
    engineStop.push(performance.now() - t0);
    await stuck;
  }
  const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
  await syncImages(db, dir);
  // the attack model sits in the test fixtures, outside the folders the app trusts: any path, as the CLI takes
  const service = createProjectService(db, dir, { exchange: { kind: 'any' } });
  for (let r = 0; r < runs; r++) {
    const finished = new Promise<string>((res) =>
      service.events.once('jobFinished', (e: { status: string }) => res(e.status)),
    );
    const { jobId } = await service.startDetect({ modelPath: HANG, settings: small, rerun: true });
    let pid = 0;
    await until(() => {
      pid = workerOf(HANG);
      return pid > 0;
    });
    await spinning(pid);
    const t0 = performance.now();
    await service.cancelJob({ jobId });
    const status = await finished;
    jobEvent.push(performance.now() - t0);
    await until(() => !alive(pid));
    jobCancel.push(performance.now() - t0);
    if (status !== 'cancelled') throw new Error(`job ended ${status}`);
  }
  db.close();
  const limitMs = 1000;
  for (let r = 0; r < runs; r++) {
    const engine = await PoseEngine.start(HANG, { provider: 'cpu', imageTimeLimitMs: limitMs });
    let t0 = performance.now();
    await engine.infer(wide, 1, small).catch(() => undefined);
    overrun.push(performance.now() - t0 - limitMs);
    t0 = performance.now();
    await engine.infer(square, 2, small);
    respawn.push(performance.now() - t0);
    await engine.close();
  }
  // What the worker process costs per image: PoseEngine.infer vs inferImage in this process, same photo, interleaved.
  const tiny = path.join(root, 'test', 'fixtures', 'model', 'tiny.onnx');
  const photo = path.resolve(root, '..', 'shared', 'data', 'coco-mini', 'train2017', '000000054718.jpg');
  const opts = { scales: [1], flip: true, mode: 'fast' as const };
  const local = await loadPoseModel(tiny, { provider: 'cpu' });
  const engine = await PoseEngine.start(tiny, { provider: 'cpu' });
  await inferImage(local, photo, 1, opts);
  await engine.infer(photo, 1, opts);
  const inProcess: number[] = [],
    viaWorker: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    await inferImage(local, photo, 1, opts);
    inProcess.push(performance.now() - t);
    t = performance.now();
    await engine.infer(photo, 1, opts);
    viaWorker.push(performance.now() - t);
  }
  await engine.close();
  await local.release();
  const baseline = await baselineInChild();
  const ms = (v: number[]) => Number(fmt(median(v), 1));
  console.log(`machine: ${machineLine()}`);
  console.log(
    JSON.stringify({
      runs,
      engine_stop_to_worker_gone_ms: ms(engineStop),
      engine_stop_max_ms: Number(fmt(Math.max(...engineStop), 1)),
      cancelJob_to_jobFinished_ms: ms(jobEvent),
      cancelJob_to_worker_gone_ms: ms(jobCancel),
      cancelJob_max_ms: Number(fmt(Math.max(...jobCancel), 1)),
      time_limit_ms: limitMs,
      time_limit_overrun_ms: ms(overrun),
      next_image_on_fresh_worker_ms: ms(respawn),
      baseline_worker_thread_terminate: baseline,
      target_ms: 2000,
      photo_640x480_flip_tiny_model: {
        in_process_ms: ms(inProcess),
        worker_process_ms: ms(viaWorker),
        ratio: Number(fmt(median(viaWorker) / median(inProcess), 3)),
      },
    }),
  );
}

/**
 * The baseline runs in a child process of its own: a worker thread stuck in ONNX Runtime's run cannot be stopped,
 * and even process.exit() may wait for it forever (seen here), so the child is killed once it has reported.
 */
function baselineInChild(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--baseline'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) {
        child.kill('SIGKILL');
        resolve(out.trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`baseline child exited (${code}) without a report`)));
  });
}

/** In the --baseline child: the previous PoseEngine's worker thread, stuck in the run; terminate() capped at 5 s. */
async function baselineThread(): Promise<void> {
  const input = new Float32Array(64 * 320 * 3).fill(0.5);
  const thread = new Worker(fileURLToPath(import.meta.url), { workerData: { data: input, h: 64, w: 320 } });
  await new Promise((res) => thread.once('message', res));
  await sleep(500);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const stopped = await Promise.race([thread.terminate().then(() => true), sleep(5000).then(() => false)]);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  writeSync(
    1,
    `${stopped ? `stopped in ${fmt(ms, 0)} ms` : `not stopped after ${fmt(ms, 0)} ms (CPU ${fmt((c.user + c.system) / 1000, 0)} ms meanwhile)`}\n`,
  );
  await sleep(60_000); // killed by the parent
}

if (!isMainThread) {
  // Baseline worker: the old design, the session run on a worker thread.
  const model = await loadPoseModel(HANG, { provider: 'cpu' });
  const { data, h, w } = workerData as { data: Float32Array; h: number; w: number };
  parentPort!.postMessage('running');
  await model.run({ data, batch: 1, paddedH: h, paddedW: w, multiplier: 1 });
} else if (process.argv[2] === '--baseline') {
  await baselineThread();
} else {
  await main();
}
