// npm run bench:detect:memory — memory over a long detection run as the app runs it (openProjectFolder, the
// service's startDetect, events on): resident memory of this process (the app's) and of the inference worker,
// sampled every 250 ms, over 2,000 generated images (160×120 PNGs of noise, each different; scale 0.25 + flip, so
// the run takes minutes, not an hour). Reported: RSS after the first 10 % of the images (start: model loaded, the
// pipeline and caches warm), at the end, the peak, and the growth per 1,000 images over the last 90 % (a least-squares
// slope): a flat run has end/start ≈ 1 and a slope near 0.
//   node bench/detectMemoryBench.ts [--images 2000] [--scale 0.25]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openProjectFolder } from '../src/node/project/openProjectFolder.ts';
import { fmt, machineLine } from './benchStats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx');
const { values } = parseArgs({
  options: { images: { type: 'string', default: '2000' }, scale: { type: 'string', default: '0.25' } },
});
const N = Number(values.images);

/** A folder of N different small PNGs (kept in .tmp/memory/N and reused). */
async function folder(): Promise<string> {
  const dir = path.join(root, '.tmp', 'memory', String(N));
  if (existsSync(path.join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const px = Buffer.alloc(160 * 120 * 3);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < px.length; k++) px[k] = (k * 31 + i * 97 + ((k * i) % 13)) % 251;
    const png = await sharp(px, { raw: { width: 160, height: 120, channels: 3 } })
      .png()
      .toBuffer();
    writeFileSync(path.join(dir, `img${String(i).padStart(5, '0')}.png`), png);
  }
  writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}

/** Resident memory of a process in MiB (Linux /proc), or null when it is gone. */
function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The inference worker among this process's children. */
function workerPid(): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('inferenceWorker'))
        return Number(name);
    } catch {
      /* gone */
    }
  }
  return null;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n,
    my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0),
    sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxx ? sxy / sxx : 0;
}

const dir = await folder();
rmSync(path.join(dir, '.simplepose.sqlite'), { force: true });
rmSync(path.join(dir, '.simplepose.sqlite-wal'), { force: true });
rmSync(path.join(dir, '.simplepose.sqlite-shm'), { force: true });
rmSync(path.join(dir, '.simplepose-cache'), { recursive: true, force: true });
const project = await openProjectFolder(dir);
const samples: { done: number; app: number; worker: number | null; t: number }[] = [];
let done = 0;
let pid: number | null = null;
const t0 = performance.now();
const timer = setInterval(() => {
  pid ??= workerPid();
  samples.push({
    done,
    app: process.memoryUsage().rss / 2 ** 20,
    worker: pid && rssMiB(pid),
    t: performance.now() - t0,
  });
}, 250);
const finished = new Promise<{ status: string; message?: string }>((resolve) => {
  project.service.events.on('jobProgress', (p: { done: number }) => (done = p.done));
  project.service.events.once('jobFinished', resolve);
});
await project.service.startDetect({
  modelPath: MODEL,
  settings: { scales: [Number(values.scale)], flip: true, mode: 'fast' },
});
const end = await finished;
clearInterval(timer);
await project.close();
if (end.status !== 'done' || done !== N) throw new Error(`the run ended ${JSON.stringify(end)} after ${done}`);

const warm = samples.filter((s) => s.done >= N / 10);
const figures = (key: 'app' | 'worker') => {
  const xs = warm.filter((s) => s[key] !== null) as { done: number; app: number; worker: number }[];
  const all = samples.filter((s) => s[key] !== null).map((s) => s[key] as number);
  return {
    start_mib: Number(fmt(xs[0][key], 0)),
    end_mib: Number(fmt(xs.at(-1)![key], 0)),
    peak_mib: Number(fmt(Math.max(...all), 0)),
    end_over_start: Number(fmt(xs.at(-1)![key] / xs[0][key], 3)),
    growth_mib_per_1000_images: Number(fmt(slope(xs.map((s) => [s.done, s[key]])) * 1000, 1)),
  };
};
console.log(
  `machine: ${machineLine()}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${N} images 160×120, scale ${values.scale} + flip, bundled model`,
);
console.log(
  JSON.stringify({
    images: N,
    seconds: Number(fmt((performance.now() - t0) / 1000, 0)),
    samples: samples.length,
    app: figures('app'),
    worker: figures('worker'),
  }),
);
