// npm run bench:edits — integrity and cost of saving edits.
// 1. Two writers, 10,000 interleaved joint moves of the same two persons (test/support/editWriters.ts), in both
//    set-ups that happen in practice: two HTTP clients of one server, and two `simplepose serve` processes on one
//    project file. Refused and lost edits are counted by reading the database afterwards.
// 2. saveEdits of one new entry (the service call the transports make: checks, re-base, one IMMEDIATE transaction) on an image with
//    10,000 history rows against one with 10, in the same process, each edit made right after an undo so that it
//    drops a redo branch; medians of 7 runs of 200 edits, and their ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { createProjectService } from '../src/node/project/projectService.ts';
import { AnnotationStore } from '../src/node/project/annotationStore.ts';
import { moveJoint } from '../src/core/edit/poseEdits.ts';
import { startServer } from '../src/server/startServer.ts';
import { judgeOutcome, runWriters, seedImage, spawnServer } from '../test/support/editWriters.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const EDITS = Number(process.argv.find((a) => a.startsWith('--edits='))?.slice(8) ?? 10_000);
const dir = mkdtempSync(path.join(tmpdir(), 'sp-edits-bench-'));

async function oneServer() {
  const db = openProjectDb(path.join(dir, 'one.sqlite'));
  const initial = seedImage(db, 2);
  const server = await startServer({ service: createProjectService(db, dir), root: dir, token: 't' });
  const e = { base: `http://127.0.0.1:${server.port}`, token: 't' };
  const t0 = performance.now();
  const o = await runWriters([e, e], { imageId: 1, personIds: ['w0', 'w1'], editsPerWriter: EDITS / 2 });
  const seconds = (performance.now() - t0) / 1000;
  await server.close();
  const r = { ...judgeOutcome(db, 1, initial, o), acknowledged: o.acknowledged.length, conflicts: o.conflicts };
  db.close();
  return { ...r, edits_per_s: Number(fmt(r.acknowledged / seconds, 0)) };
}

async function twoServers() {
  const file = path.join(dir, 'two.sqlite');
  const setup = openProjectDb(file);
  const initial = seedImage(setup, 2);
  setup.close();
  const servers = await Promise.all([spawnServer(file, dir), spawnServer(file, dir)]);
  const t0 = performance.now();
  const o = await runWriters(
    servers.map((s) => s.endpoint),
    { imageId: 1, personIds: ['w0', 'w1'], editsPerWriter: EDITS / 2, seed: 7 },
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of servers) s.child.kill();
  const db = openProjectDb(file, { readonly: true });
  const r = { ...judgeOutcome(db, 1, initial, o), acknowledged: o.acknowledged.length, conflicts: o.conflicts };
  db.close();
  return { ...r, edits_per_s: Number(fmt(r.acknowledged / seconds, 0)) };
}

async function historyCost() {
  const db = openProjectDb(path.join(dir, 'history.sqlite'));
  seedImage(db, 2);
  db.prepare(
    "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (2, 'long.jpg', 'h2', 1, 4000, 4000, 0, 0)",
  ).run();
  db.prepare(
    'INSERT INTO annotations (image_id, persons_json, revision, updated_at) SELECT 2, persons_json, 1, 0 FROM annotations WHERE image_id = 1',
  ).run();
  const store = new AnnotationStore(db);
  const grow = (imageId: number, rows: number) => {
    for (let i = 0; i < rows; i++)
      store.apply(imageId, moveJoint(store.load(imageId).state, `w${i % 2}`, i % 17, 20 + (i % 500), 30), 'grow');
  };
  grow(1, 10);
  grow(2, 10_000);
  const rows = (id: number) => db.prepare('SELECT COUNT(*) FROM edits WHERE image_id = ?').pluck().get(id) as number;
  const service = createProjectService(db, dir);
  const timeEdits = async (imageId: number, n: number, run: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      // Undo the newest entry, then save a new one in its place (which drops the undone entry): the history keeps
      // its length.
      const before = await service.getAnnotation({ imageId });
      const { cursor } = before.history;
      const undone = await service.saveEdits({
        imageId,
        revision: before.revision,
        steps: [{ kind: 'undo', seq: cursor }],
      });
      const state = (await service.getAnnotation({ imageId })).state;
      const diff = moveJoint(state, 'w0', i % 17, 100 + run + i / 1000, 40);
      const t = performance.now();
      await service.saveEdits({
        imageId,
        revision: undone.revision,
        steps: [{ kind: 'do', seq: cursor, diff, label: 'move' }],
      });
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const short: number[] = [],
    long: number[] = [];
  await timeEdits(1, 50, -1); // warm-up
  await timeEdits(2, 50, -1);
  for (let run = 0; run < 7; run++) {
    short.push(await timeEdits(1, 200, run));
    long.push(await timeEdits(2, 200, run));
  }
  const out = {
    history_rows: [rows(1), rows(2)],
    apply_edit_median_ms_at_10: Number(fmt(median(short), 4)),
    apply_edit_median_ms_at_10000: Number(fmt(median(long), 4)),
    ratio_10000_vs_10: Number(fmt(median(long) / median(short), 3)),
  };
  db.close();
  return out;
}

console.log(`machine: ${machineLine()}; better-sqlite3, WAL`);
console.log(JSON.stringify({ setup: 'two HTTP clients, one server', edits: EDITS, ...(await oneServer()) }));
console.log(JSON.stringify({ setup: 'two server processes, one project file', edits: EDITS, ...(await twoServers()) }));
console.log(JSON.stringify({ setup: 'saveEdits vs history length', ...(await historyCost()) }));
rmSync(dir, { recursive: true, force: true });
