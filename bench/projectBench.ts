// npm run bench:project — a 10,000-image project (each image with 10 annotated persons): time to open it (database
// open + migrations check + the image list the app shows first), and to save one edit (a joint move as one
// transaction: new state + history row). Medians; opening is measured in fresh processes-worth of new connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { AnnotationStore } from '../src/node/project/annotationStore.ts';
import { acceptPredictions, moveJoint } from '../src/core/edit/poseEdits.ts';
import { applyDiff } from '../src/core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION } from '../src/core/edit/poseRecords.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { createProjectService } from '../src/node/project/projectService.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sp-project-bench-'));
const file = path.join(dir, 'p.sqlite');
const db = openProjectDb(file);
const poses = Array.from({ length: 10 }, (_, p) => ({
  score: 0.8,
  neck: null,
  joints: Array.from({ length: 17 }, (_, k) => ({ x: 10 * p + k, y: 20 + k, score: 0.6 })),
}));
const state = applyDiff(
  EMPTY_ANNOTATION,
  acceptPredictions(EMPTY_ANNOTATION, poses, (i) => `p${i}`),
);
const stateJson = JSON.stringify(state);
db.transaction(() => {
  const img = db.prepare(
    'INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at, status) VALUES (?, ?, ?, 150000, 640, 480, 0, 0, ?)',
  );
  const ann = db.prepare('INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (?, ?, 1, 0)');
  for (let i = 1; i <= 10_000; i++) {
    img.run(i, `folder${i % 100}/IMG_${i}.jpg`, `${i}`.padStart(64, '0'), i % 3 ? 'unreviewed' : 'accepted');
    ann.run(i, stateJson);
  }
})();
db.close();

const openTimes: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  const d = openProjectDb(file);
  const list = d.prepare('SELECT id, rel_path, status, width, height, missing FROM images ORDER BY rel_path').all();
  const counts = d.prepare('SELECT status, COUNT(*) AS n FROM images GROUP BY status').all();
  openTimes.push(performance.now() - t);
  if (list.length !== 10_000 || counts.length !== 2) throw new Error('bad project');
  d.close();
}

const d = openProjectDb(file);
const store = new AnnotationStore(d);
const editTimes: number[] = [];
let s = store.load(42).state;
for (let i = 0; i < 300; i++) {
  const diff = moveJoint(s, `p${i % 10}`, i % 17, i, i);
  const t = performance.now();
  s = store.apply(42, diff, 'move joint').state;
  editTimes.push(performance.now() - t);
}
// The app's list page with a score filter (the latest prediction's mean person score, per row by index).
d.prepare("INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m.onnx', 'mh', '{}', 0)").run();
d.prepare(
  "INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 1, 'fast', 'done', 0)",
).run();
const posesJson = JSON.stringify(poses);
d.transaction(() => {
  const p = d.prepare(
    'INSERT INTO predictions (run_id, image_id, content_hash, poses_json, created_at) VALUES (1, ?, (SELECT content_hash FROM images WHERE id = ?), ?, 0)',
  );
  for (let i = 1; i <= 10_000; i++) p.run(i, i, posesJson);
})();
const service = createProjectService(d, dir);
const listTimes: number[] = [],
  filterTimes: number[] = [];
for (let r = 0; r < 7; r++) {
  let t = performance.now();
  await service.listImages({ limit: 200 });
  listTimes.push(performance.now() - t);
  t = performance.now();
  await service.listImages({ limit: 200, minScore: 0.9 });
  filterTimes.push(performance.now() - t);
}
d.close();
rmSync(dir, { recursive: true, force: true });
console.log(`machine: ${machineLine()}; better-sqlite3, WAL`);
console.log(
  JSON.stringify({
    images: 10_000,
    persons_per_image: 10,
    open_project_median_ms: Number(fmt(median(openTimes), 1)),
    save_edit_median_ms: Number(fmt(median(editTimes), 3)),
    save_edit_p95_ms: Number(fmt(editTimes.sort((a, b) => a - b)[Math.floor(editTimes.length * 0.95)], 3)),
    list_page_median_ms: Number(fmt(median(listTimes), 1)),
    list_page_score_filter_median_ms: Number(fmt(median(filterTimes), 1)),
  }),
);
