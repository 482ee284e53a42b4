// bench:team, part 4 — what storing cached maps costs a team worker per image, against the same worker storing
// poses only (the baseline, same process, rounds interleaved with the order turning each round):
//   a. end to end: a `simplepose worker` loop with the real bundled model on real COCO photos, the app's default
//      settings (scale 1 + flip: two [50, h, w] passes per image), ms per image from first to last stored row;
//   b. the store alone: the worker's store transaction (run lock, prediction, list score, completion check,
//      progress) for every image of a project, with and without the maps of a real inferred image.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COCO_TRAIN_IMAGES } from '../test/support/fixturePaths.ts';
import type { MapsInput } from '../src/node/project/mapFiles.ts';
import { BUNDLED_MODEL_PATH } from '../src/node/inference/bundledModel.ts';
import { DEFAULT_DETECT_SETTINGS } from '../src/node/jobs/detectSettings.ts';
import { openProjectFolder } from '../src/node/project/openProjectFolder.ts';
import { startBoss, type QueueTimings } from '../src/node/team/detectQueue.ts';
import type { TeamDb } from '../src/node/team/openTeamDb.ts';
import { pushProject } from '../src/node/team/pushProject.ts';
import { startTeamDetection } from '../src/node/team/teamDetection.ts';
import { teamImageRepository } from '../src/node/team/teamImageRepository.ts';
import { teamMapRepository, teamMapsNpy } from '../src/node/team/teamMapRepository.ts';
import { teamRunRepository } from '../src/node/team/teamRunRepository.ts';
import { teamWriteTransaction } from '../src/node/team/teamTransaction.ts';
import { engineInferer, runTeamWorker } from '../src/node/team/teamWorker.ts';
import { fmt, median } from './benchStats.ts';

const SETTINGS = DEFAULT_DETECT_SETTINGS;

/**
 * The worker's store of each image of `team` in a new run, timed: ms per image. With `passes`, each image's maps
 * too (the worker's transaction); without, poses only. queueOverhead's baseline is this loop without maps.
 */
export async function storeLoopMs(team: TeamDb, maps: MapsInput | null): Promise<number> {
  const images = await teamImageRepository.detectable(team.pool);
  const runId = await teamRunRepository.create(team.pool, {
    modelPath: 'x',
    modelHash: 'x',
    settings: SETTINGS,
    images: images.length,
    now: 0,
  });
  const t0 = performance.now();
  for (const im of images)
    await teamWriteTransaction(team.pool, 'bench', async (c) => {
      await teamRunRepository.lock(c, runId);
      const row = { runId, imageId: im.id, contentHash: im.contentHash, worker: 'b', now: 0 };
      await teamRunRepository.store(c, { ...row, poses: [] });
      if (maps) await teamMapRepository.store(c, { ...row, ...maps });
      await teamImageRepository.setLatestScore(c, im.id, null);
      await teamRunRepository.completeIfDone(c, runId, 0);
      await teamRunRepository.progress(c, runId);
    });
  return (performance.now() - t0) / images.length;
}

/** A project of the first `n` COCO train photos (real content: what the maps compress like). */
async function cocoProject(n: number) {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-team-maps-'));
  mkdirSync(path.join(root, 'photos'));
  for (const f of readdirSync(COCO_TRAIN_IMAGES)
    .filter((x) => x.endsWith('.jpg'))
    .sort()
    .slice(0, n))
    copyFileSync(path.join(COCO_TRAIN_IMAGES, f), path.join(root, 'photos', f));
  return openProjectFolder(root, { modelPath: BUNDLED_MODEL_PATH });
}

async function workerRun(
  project: Awaited<ReturnType<typeof cocoProject>>,
  team: TeamDb,
  timings: QueueTimings,
  storeMaps: boolean,
) {
  await pushProject(project.db, team, 'bench');
  const boss = await startBoss(team.url, timings);
  await startTeamDetection(team, boss, { modelPath: BUNDLED_MODEL_PATH, settings: SETTINGS, batchSize: 4, timings });
  await boss.stop({ graceful: false, wait: true });
  const r = await runTeamWorker({
    url: team.url,
    root: project.root,
    name: 'w',
    timings,
    exitWhenIdle: true,
    storeMaps,
  });
  const span = await team.pool.query('SELECT MAX(created_at) - MIN(created_at) AS ms FROM team_predictions');
  const disk = await team.pool.query("SELECT pg_total_relation_size('team_maps')::float8 AS b");
  return {
    msPerImage: Number(span.rows[0].ms) / (r.stored - 1),
    mapBytes: r.mapBytes / r.stored,
    disk: disk.rows[0].b / r.stored,
  };
}

/** One image's maps written 10 times into a table per TOAST setting: ms per row and MiB per row on disk. */
async function storageModes(team: TeamDb, npy: Uint8Array): Promise<string> {
  const out: string[] = [];
  for (const [mode, alter] of [
    ['pglz (PostgreSQL default)', ''],
    ['lz4', 'SET COMPRESSION lz4'],
    ['none (STORAGE EXTERNAL, team_maps)', 'SET STORAGE EXTERNAL'],
  ]) {
    await team.pool.query('DROP TABLE IF EXISTS bench_toast');
    await team.pool.query('CREATE TABLE bench_toast (id INT PRIMARY KEY, npy BYTEA)');
    if (alter) await team.pool.query(`ALTER TABLE bench_toast ALTER COLUMN npy ${alter}`);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++)
      await team.pool.query('INSERT INTO bench_toast VALUES ($1, $2)', [i, Buffer.from(npy)]);
    const ms = (performance.now() - t0) / 10;
    const disk = await team.pool.query("SELECT pg_total_relation_size('bench_toast')::float8 AS b");
    out.push(`${mode}: ${fmt(ms, 1)} ms/row, ${fmt(disk.rows[0].b / 10 / 2 ** 20)} MiB/row on disk`);
  }
  return `compression of ${fmt(npy.length / 2 ** 20)} MiB of maps: ${out.join('; ')}`;
}

/** The markdown rows of part 4 (see the file's head). */
export async function mapsCost(freshTeam: () => Promise<TeamDb>, timings: QueueTimings, repeats: number) {
  const n = Number(process.env.BENCH_TEAM_MAP_IMAGES ?? 24);
  const project = await cocoProject(n);
  const e2e = { maps: [] as number[], none: [] as number[], ratio: [] as number[], bytes: 0, disk: 0 };
  const store = { maps: [] as number[], none: [] as number[], ratio: [] as number[] };
  const inferer = await engineInferer(BUNDLED_MODEL_PATH);
  const photo = path.join(project.root, 'photos', readdirSync(path.join(project.root, 'photos')).sort()[0]);
  const { passes, width, height } = await inferer.infer(photo, 1, SETTINGS);
  const maps: MapsInput = { image: { width, height }, passes };
  await inferer.close();
  for (let r = 0; r < repeats; r++) {
    const round: Record<string, number> = {};
    for (const storeMaps of r % 2 ? [false, true] : [true, false]) {
      const team = await freshTeam();
      const w = await workerRun(project, team, timings, storeMaps);
      await team.close();
      round[String(storeMaps)] = w.msPerImage;
      if (storeMaps) Object.assign(e2e, { bytes: w.mapBytes, disk: w.disk });
    }
    e2e.maps.push(round.true);
    e2e.none.push(round.false);
    e2e.ratio.push(round.true / round.false);
    const team = await freshTeam();
    await pushProject(project.db, team, 'bench');
    const t: Record<string, number> = {};
    for (const withMaps of r % 2 ? [false, true] : [true, false])
      t[String(withMaps)] = await storeLoopMs(team, withMaps ? maps : null);
    await team.close();
    store.maps.push(t.true);
    store.none.push(t.false);
    store.ratio.push(t.true / t.false);
  }
  const team = await freshTeam();
  const toast = await storageModes(team, teamMapsNpy(maps)!.npy);
  await team.close();
  await project.close();
  const row = (what: string, s: { maps: number[]; none: number[]; ratio: number[] }) =>
    `| ${what} | ${n} | ${fmt(median(s.maps))} | ${fmt(median(s.none))} | ${fmt(median(s.maps) - median(s.none))} | ${fmt(median(s.ratio))}× |`;
  return [
    row('worker, bundled model (end to end)', e2e),
    row('store transaction alone', store),
    `\n${toast}`,
    `\nmaps per image: ${fmt(e2e.bytes / 2 ** 20)} MiB stored (float16 .npy ${passes[0].maps.shape.join('×')}: the first of ${passes.length} pass(es)${passes[0].flippedMaps ? ', flip-averaged' : ''}); on disk (team_maps with TOAST and index): ${fmt(e2e.disk / 2 ** 20)} MiB`,
  ];
}
