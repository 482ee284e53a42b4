// npm run bench:scale — a project of 100,000 images, each with 10 reviewed persons, against a 10,000-image one
// measured in the same run (the ratio shows how each figure scales):
//   open      openProjectFolder (database open + check, the scan of an unchanged folder in the project worker, the
//             service) and the two calls the app makes first (projectInfo, the list's first page of 200)
//   parts     the scan alone (readdir + stat of every file), the database open alone, the first page alone
//   export    the COCO keypoints GT file of every image (validated, serialised, written)
// The folder holds one real file per image (a 1×1 PNG, so a scan stats 100,000 files) and the project is made
// through the repositories (images, then each image's annotation as one stored edit), not by importing photos; both
// are kept in .tmp/scale/ and reused (--fresh makes them again). Medians of --rounds (3).
//   node bench/scaleBench.ts [--images 100000] [--baseline 10000] [--persons 10] [--rounds 3] [--fresh]
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { crc32, deflateSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { writeTransaction } from '../src/node/db/writeTransaction.ts';
import { imageRepository } from '../src/node/db/imageRepository.ts';
import { annotationStore } from '../src/node/project/annotationStore.ts';
import { openProjectFolder, PROJECT_DB_NAME } from '../src/node/project/openProjectFolder.ts';
import { scanFolder } from '../src/node/project/scanFolder.ts';
import { writeGtExport } from '../src/node/project/exchangeService.ts';
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

async function openOnce(dir: string): Promise<Record<string, number>> {
  let t = performance.now();
  const p = await openProjectFolder(dir);
  const opened = performance.now() - t;
  const info = await p.service.projectInfo({});
  const page = await p.service.listImages({ limit: 200 });
  const open = performance.now() - t;
  if (p.sync.unchanged !== info.images || page.images.length !== 200) throw new Error('not the project made');
  await p.close();
  t = performance.now();
  const scan = await scanFolder(dir);
  const scanMs = performance.now() - t;
  t = performance.now();
  const db = openProjectDb(path.join(dir, PROJECT_DB_NAME));
  const dbOpen = performance.now() - t;
  db.close();
  if (scan.files.length !== info.images) throw new Error('scan missed files');
  return { open, openProjectFolder: opened, firstCalls: open - opened, scan: scanMs, dbOpen };
}

async function exportOnce(dir: string): Promise<Record<string, number>> {
  const db = openProjectDb(path.join(dir, PROJECT_DB_NAME));
  const out = path.join(path.dirname(dir), `export-${path.basename(dir)}.json`);
  const t = performance.now();
  const w = await writeGtExport(db, out, {});
  const ms = performance.now() - t;
  db.close();
  const mib = statSync(out).size / 2 ** 20;
  rmSync(out);
  if (w.annotations !== w.images * PERSONS) throw new Error('annotations lost');
  return { export: ms, exportMiB: mib };
}

const sizes = [Number(values.baseline), Number(values.images)];
const dirs = sizes.map(project);
console.log(
  `machine: ${machineLine()}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${PERSONS} persons per image`,
);
const rows = sizes.map(() => [] as Record<string, number>[]);
for (let r = 0; r < ROUNDS; r++)
  for (const [k, dir] of dirs.entries()) rows[k].push({ ...(await openOnce(dir)), ...(await exportOnce(dir)) });
const medians = rows.map((rs) =>
  Object.fromEntries(Object.keys(rs[0]).map((key) => [key, median(rs.map((x) => x[key]))])),
);
for (const [k, n] of sizes.entries())
  console.log(
    JSON.stringify({
      images: n,
      ...Object.fromEntries(Object.entries(medians[k]).map(([key, v]) => [key, Number(fmt(v, 1))])),
    }),
  );
console.log(
  JSON.stringify({
    ratio: `${sizes[1]} / ${sizes[0]}`,
    ...Object.fromEntries(
      Object.keys(medians[0]).map((key) => [key, Number(fmt(medians[1][key] / medians[0][key], 2))]),
    ),
    load_average_after: Number(fmt(loadavg()[0], 1)),
  }),
);
