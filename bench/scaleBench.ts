// npm run bench:scale — a project of 100,000 images, each with 10 reviewed persons, against a 10,000-image one
// measured in the same run (the ratio shows how each figure scales):
//   open      openProjectFolder (database open + check, the scan of an unchanged folder in the project worker, the
//             service) and the two calls the app makes first (projectInfo, the list's first page of 200)
//   parts     the scan alone (readdir + stat of every file), the database open alone, the first page alone
//   export    the COCO keypoints GT file of every image (validated, serialised, written)
// The folder holds one real file per image (a 1×1 PNG, so a scan stats 100,000 files) and the project is made
// through the repositories (images, then each image's annotation as one stored edit), not by importing photos; both
// are kept in .tmp/scale/ and reused (--fresh makes them again). Medians of --rounds (3); each step's wall time and
// the CPU time of this process (all its threads: the project worker's work included), which on a loaded machine is
// the closer figure for an idle one. With --code DIR (a checkout of an earlier commit, with node_modules) its open and
// export run on the large project in the same rounds.
//   node bench/scaleBench.ts [--images 100000] [--baseline 10000] [--persons 10] [--rounds 3] [--fresh] [--code DIR]
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { crc32, deflateSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { writeTransaction } from '../src/node/db/writeTransaction.ts';
import { imageRepository } from '../src/node/db/imageRepository.ts';
import { annotationStore } from '../src/node/project/annotationStore.ts';
import { PROJECT_DB_NAME } from '../src/node/project/openProjectFolder.ts';
import { acceptPredictions } from '../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT } from '../src/core/edit/poseRecords.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    baseline: { type: 'string', default: '10000' },
    persons: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    fresh: { type: 'boolean', default: false },
    code: { type: 'string' },
    step: { type: 'string' },
    dir: { type: 'string' },
  },
});
const PERSONS = Number(values.persons);
const ROUNDS = Number(values.rounds);
/**
 * A PNG whose header says 640×480 and whose pixel data is a few bytes: what a scan reads of a file it must describe
 * (size from the header, SHA-256 of the bytes) is all there, at ~70 bytes a file.
 */
function tinyPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(8))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const PNG = tinyPng(640, 480);
const PNG_HASH = createHash('sha256').update(PNG).digest('hex');

const relPathOf = (i: number) =>
  `d${String(Math.floor(i / 100)).padStart(4, '0')}/IMG_${String(i).padStart(6, '0')}.png`;

/** The folder and its project, made once per size and kept (a marker file says it is complete). */
function project(n: number): string {
  const dir = path.join(root, '.tmp', 'scale', String(n));
  const marker = path.join(dir, '.complete');
  if (!values.fresh && existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, relPathOf(i));
    if (i % 100 === 0) mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, PNG);
  }
  const db = openProjectDb(path.join(dir, PROJECT_DB_NAME));
  const images = imageRepository(db);
  const store = annotationStore(db);
  const poses = Array.from({ length: PERSONS }, (_, p) => ({
    score: 0.8,
    neck: null,
    joints: Array.from({ length: JOINT_COUNT }, (_, k) => ({
      x: 20 + 55 * p + k * 1.37,
      y: 40 + k * 21.61,
      score: 0.6,
    })),
  }));
  const diff = acceptPredictions(EMPTY_ANNOTATION, poses, (i) => `p${i}`);
  const mtime = (i: number) => Math.floor(statSync(path.join(dir, relPathOf(i))).mtimeMs); // as the scan reads it
  for (let start = 0; start < n; start += 5000)
    writeTransaction(db, 'bench project', () => {
      for (let i = start; i < Math.min(n, start + 5000); i++) {
        const id = images.insert({
          relPath: relPathOf(i),
          contentHash: PNG_HASH,
          byteSize: PNG.length,
          width: 640,
          height: 480,
          mtimeMs: mtime(i),
          addedAt: 0,
        });
        store.apply(id, diff, 'accept predictions', { now: 0 });
        images.setStatus(id, 'accepted');
      }
    });
  db.close();
  writeFileSync(marker, '');
  console.error(`made ${dir}: ${n} images × ${PERSONS} persons in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return dir;
}

/** Wall and CPU time (ms) of `f`. */
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000 };
}

/** The modules measured, from this checkout or another one's (`code`). */
async function modules(code: string) {
  const m = (rel: string) => import(path.join(code, rel));
  return {
    openProjectFolder: (await m('src/node/project/openProjectFolder.ts')).openProjectFolder,
    scanFolder: (await m('src/node/project/scanFolder.ts')).scanFolder,
    openProjectDb: (await m('src/node/db/openProjectDb.ts')).openProjectDb,
    writeGtExport: (await m('src/node/project/exchangeService.ts')).writeGtExport,
    // the export's scope: options since issue 12 (every reviewed image by default), a boolean `onlyReviewed` before
    allImages: 'exportScopeProblem' in (await m('src/node/project/cocoExchange.ts')) ? {} : false,
  };
}
type Code = Awaited<ReturnType<typeof modules>>;

async function openOnce(dir: string, code: Code): Promise<Record<string, number>> {
  let firstCalls = 0;
  const open = await timed(async () => {
    const p = await code.openProjectFolder(dir);
    const t = performance.now();
    const info = await p.service.projectInfo({});
    const page = await p.service.listImages({ limit: 200 });
    firstCalls = performance.now() - t;
    if (p.sync.unchanged !== info.images || page.images.length !== 200) throw new Error('not the project made');
    return p;
  });
  await open.value.close();
  const scan = await timed(() => code.scanFolder(dir));
  const dbOpen = await timed(async () => code.openProjectDb(path.join(dir, PROJECT_DB_NAME)));
  dbOpen.value.close();
  return {
    open: open.ms,
    openCpu: open.cpuMs,
    firstCalls,
    scan: scan.ms,
    scanCpu: scan.cpuMs,
    dbOpen: dbOpen.ms,
    dbOpenCpu: dbOpen.cpuMs,
  };
}

async function exportOnce(dir: string, code: Code): Promise<Record<string, number>> {
  const db = code.openProjectDb(path.join(dir, PROJECT_DB_NAME));
  const out = path.join(path.dirname(dir), `export-${path.basename(dir)}.json`);
  const r = await timed(() => code.writeGtExport(db, out, code.allImages));
  db.close();
  const mib = statSync(out).size / 2 ** 20;
  rmSync(out);
  const w = r.value as { images: number; annotations: number };
  if (w.annotations !== w.images * PERSONS) throw new Error('annotations lost');
  return { export: r.ms, exportCpu: r.cpuMs, exportMiB: mib };
}

if (values.step) {
  const code = await modules(values.code ?? root);
  const dir = values.dir!;
  console.log(JSON.stringify(values.step === 'open' ? await openOnce(dir, code) : await exportOnce(dir, code)));
  process.exit(0);
}

/**
 * One step in a process of its own (as the app opens a project: a fresh process, its worker thread started), so
 * that a step that runs out of memory — the previous export does at 100,000 images — is recorded, as NaN and its
 * last line, and the rounds go on.
 */
function step(name: 'open' | 'export', dir: string, code: string, keys: string[]): Record<string, number> {
  const args = [fileURLToPath(import.meta.url), '--step', name, '--dir', dir, '--code', code];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status === 0 && last.startsWith('{')) return JSON.parse(last);
  const why = `${r.stderr}`.split('\n').find((l) => /FATAL|Error/.test(l)) ?? `exit ${r.status ?? r.signal}`;
  console.error(`${name} ${dir} (${code}) failed: ${why.trim()}`);
  return Object.fromEntries(keys.map((k) => [k, Number.NaN]));
}

const sizes = [Number(values.baseline), Number(values.images)];
// made by this checkout's code, before any step runs
const dirs = sizes.map(project);
const earlier = values.code ? path.resolve(values.code) : null;
console.log(
  `machine: ${machineLine()}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${PERSONS} persons per image`,
);
const runs: [string, string, string][] = [
  [String(sizes[0]), dirs[0], root],
  [String(sizes[1]), dirs[1], root],
  ...(earlier ? [[`${sizes[1]} (code ${values.code})`, dirs[1], earlier] as [string, string, string]] : []),
];
const rows = runs.map(() => [] as Record<string, number>[]);
for (let r = 0; r < ROUNDS; r++)
  for (const [k, [, dir, code]] of runs.entries()) {
    const opened = step('open', dir, code, ['open', 'openCpu', 'firstCalls', 'scan', 'scanCpu', 'dbOpen', 'dbOpenCpu']);
    const exported = step('export', dir, code, ['export', 'exportCpu', 'exportMiB']);
    rows[k].push({ ...opened, ...exported });
    console.error(
      `round ${r + 1} ${runs[k][0]}: ${JSON.stringify(rows[k][r], (_, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
  }
const medians = rows.map((rs) =>
  Object.fromEntries(Object.keys(rs[0]).map((key) => [key, median(rs.map((x) => x[key]))])),
);
for (const [k, [label]] of runs.entries())
  console.log(
    JSON.stringify({
      images: label,
      ...Object.fromEntries(Object.entries(medians[k]).map(([key, v]) => [key, Number(fmt(v, 1))])),
    }),
  );
const ratio = (a: number, b: number) =>
  Object.fromEntries(Object.keys(medians[a]).map((key) => [key, Number(fmt(medians[a][key] / medians[b][key], 2))]));
console.log(JSON.stringify({ ratio: `${sizes[1]} / ${sizes[0]}`, ...ratio(1, 0) }));
if (earlier) console.log(JSON.stringify({ ratio: `this code / ${values.code} at ${sizes[1]}`, ...ratio(1, 2) }));
console.log(JSON.stringify({ load_average_after: Number(fmt(loadavg()[0], 1)) }));
