// npm run bench:exchange — COCO import and export of 10,000 images × 10 persons into/out of a project (image files
// absent: the import lists them as missing, so the figure is the database work, not hashing photos). Median of 3.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { exportCoco } from '../src/node/project/cocoExchange.ts';
import { importCoco } from '../src/node/project/cocoImport.ts';
import { serializeCoco } from '../src/core/coco/cocoJson.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../src/core/skeleton/poseMeta.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sp-exchange-bench-'));
const images = [],
  annotations = [];
let id = 1;
for (let i = 1; i <= 10_000; i++) {
  images.push({ id: i, file_name: `f${i % 50}/img${i}.jpg`, width: 640, height: 480 });
  for (let p = 0; p < 10; p++) {
    const kp: number[] = [];
    for (let k = 0; k < 17; k++)
      kp.push(k === 3 ? 0 : 50 + p * 50 + k * 1.5, k === 3 ? 0 : 100 + k * 9.25, k === 3 ? 0 : k % 5 ? 2 : 1);
    annotations.push({
      id: id++,
      image_id: i,
      category_id: 1,
      keypoints: kp,
      num_keypoints: 16,
      bbox: [40 + p * 50, 90, 40, 160],
      area: 6400,
      iscrowd: 0 as const,
    });
  }
}
const file = path.join(dir, 'big.json');
writeFileSync(
  file,
  serializeCoco({
    info: { description: 'bench' },
    images,
    annotations,
    categories: [
      { id: 1, name: 'person', keypoints: [...COCO_KEYPOINTS], skeleton: COCO_SKELETON_1BASED.map((q) => [...q]) },
    ],
  }),
);
const importMs: number[] = [],
  exportMs: number[] = [];
for (let r = 0; r < Number(process.env.ROUNDS ?? 3); r++) {
  const db = openProjectDb(path.join(dir, `p${r}.sqlite`));
  let t = performance.now();
  await importCoco(db, file, path.join(dir, 'images'));
  importMs.push(performance.now() - t);
  t = performance.now();
  const out = exportCoco(db);
  writeFileSync(path.join(dir, `out${r}.json`), serializeCoco(out));
  exportMs.push(performance.now() - t);
  if (out.annotations.length !== 100_000) throw new Error('lost annotations');
  db.close();
}
rmSync(dir, { recursive: true, force: true });
console.log(`machine: ${machineLine()}`);
console.log(
  JSON.stringify({
    images: 10_000,
    persons: 100_000,
    import_median_ms: Number(fmt(median(importMs), 0)),
    export_median_ms: Number(fmt(median(exportMs), 0)),
  }),
);
