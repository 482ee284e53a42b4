// npm run bench:team — the team mode on a throwaway PostgreSQL (scripts/pgCluster.ts), medians of several runs:
// 1. detection throughput with 1, 2 and 4 workers (worker loops of `simplepose worker` in this process, each with
//    its own queue client, database pool and — for the real model — its own inference process):
//    a. a DELIBERATELY SLOW MODEL STAND-IN (labelled as such everywhere): 250 ms of waiting per image and no
//       persons, i.e. a model whose compute is elsewhere (a GPU box), to show how the queue scales on 2 cores;
//    b. the real bundled model (resources/models/imhn-synth-tiny.onnx) through the inference engine, CPU-bound;
// 2. queue overhead per image: a 0 ms stand-in through the queue (first to last stored row: claims, status checks,
//    stores, progress, completions) vs the same stores in a plain loop without a queue (the baseline);
// 3. time to open a 100,000-image team project (what the app asks first: projectInfo, the first page of the
//    list, the first image's annotation) vs the same open of the local SQLite project it was pushed from;
// 4. the per-image cost of storing cached maps with the predictions (bench/teamMapsCost.ts), vs poses only.
// BENCH_TEAM_ONLY=maps (or a comma list of throughput, queue, open, maps) runs only those parts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPgCluster } from '../scripts/pgCluster.ts';
import { photoProject } from '../test/support/photoProject.ts';
import { openProjectDb } from '../src/node/db/openProjectDb.ts';
import { createProjectService } from '../src/node/project/projectService.ts';
import { BUNDLED_MODEL_PATH } from '../src/node/inference/bundledModel.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../src/node/team/detectQueue.ts';
import { openTeamDb, type TeamDb } from '../src/node/team/openTeamDb.ts';
import { pushProject } from '../src/node/team/pushProject.ts';
import { startTeamDetection } from '../src/node/team/teamDetection.ts';
import { teamPoseApi } from '../src/node/team/teamPoseApi.ts';
import { teamRunRepository } from '../src/node/team/teamRunRepository.ts';
import { runTeamWorker, type PoseInferer } from '../src/node/team/teamWorker.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { mapsCost, storeLoopMs } from './teamMapsCost.ts';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SETTINGS = { scales: [1], flip: false, mode: 'fast' as const };
const timings = { ...DEFAULT_QUEUE_TIMINGS, pollSeconds: 1, maintenanceSeconds: 5 };
const cluster = await startPgCluster();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    cluster.stop(); // a throwaway cluster never outlives the benchmark
    process.exit(130);
  });
let dbs = 0;
const freshTeam = async (): Promise<TeamDb> => openTeamDb(await cluster.createDatabase(`bench_${++dbs}`), { max: 4 });

/** A labelled stand-in, never the model: waits `ms` per image and finds nobody. */
const slowStandIn = (ms: number) => async (): Promise<PoseInferer> => ({
  infer: () => new Promise((r) => setTimeout(() => r({ poses: [], passes: [], width: 1, height: 1 }), ms)),
  stop: async () => undefined,
  close: async () => undefined,
});

/** One run of `images` over `workers` worker loops; seconds from the queue filled to the run done. */
async function detectRun(
  root: string,
  local: Parameters<typeof pushProject>[0],
  workers: number,
  o: {
    batch: number;
    inferer?: () => Promise<PoseInferer>;
  },
): Promise<{ seconds: number; images: number; msPerImage: number }> {
  const team = await freshTeam();
  await pushProject(local, team, 'bench');
  const boss = await startBoss(team.url, timings);
  const runId = await startTeamDetection(team, boss, {
    modelPath: BUNDLED_MODEL_PATH,
    settings: SETTINGS,
    batchSize: o.batch,
    timings,
  });
  await boss.stop({ graceful: false, wait: true });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      runTeamWorker({ url: team.url, root, name: `w${i}`, timings, exitWhenIdle: true, inferer: o.inferer }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const p = await teamRunRepository.progress(team.pool, runId);
  if (p?.status !== 'done' || p.done !== p.total) throw new Error(`run not done: ${JSON.stringify(p)}`);
  // per image once the workers run: first to last stored row (the workers' start-up, a fixed cost, left out)
  const span = await team.pool.query('SELECT MAX(created_at) - MIN(created_at) AS ms FROM team_predictions');
  await team.close();
  return { seconds, images: p.total, msPerImage: Number(span.rows[0].ms) / (p.total - 1) };
}

async function throughput(label: string, n: number, batch: number, inferer?: () => Promise<PoseInferer>) {
  const project = await photoProject(n, 160, 120);
  const rows: string[] = [];
  let one = 0;
  for (const workers of [1, 2, 4]) {
    const runs = [];
    for (let r = 0; r < REPEATS; r++) runs.push(await detectRun(project.root, project.db, workers, { batch, inferer }));
    const ips = median(runs.map((x) => x.images / x.seconds));
    if (workers === 1) one = ips;
    rows.push(`| ${label} | ${workers} | ${n} | ${batch} | ${fmt(ips)} | ${fmt(ips / one)}× |`);
  }
  await project.close();
  return rows;
}

/** Per image: a 0 ms stand-in through the queue vs the same stores in a plain loop (no queue), same process. */
async function queueOverhead(n: number, batch: number) {
  const project = await photoProject(n, 40, 30);
  const viaQueue: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    viaQueue.push((await detectRun(project.root, project.db, 1, { batch, inferer: slowStandIn(0) })).msPerImage);
    const team = await freshTeam();
    await pushProject(project.db, team, 'bench');
    direct.push(await storeLoopMs(team, null));
    await team.close();
  }
  await project.close();
  const q = median(viaQueue),
    d = median(direct);
  return `| ${batch} | ${n} | ${fmt(q)} | ${fmt(d)} | ${fmt(q - d)} | ${fmt(q / d)}× |`;
}

/** A local project of `n` images (10 % annotated), pushed; then the app's first requests on each, median of 5. */
async function openLarge(n: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-team-bench-'));
  const db = openProjectDb(path.join(dir, 'p.sqlite'));
  const state = JSON.stringify({ persons: {}, order: [] });
  db.transaction(() => {
    const img = db.prepare(
      'INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at, status) VALUES (?, ?, ?, 150000, 640, 480, 0, 0, ?)',
    );
    const ann = db.prepare(
      'INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (?, ?, 1, 0)',
    );
    for (let i = 1; i <= n; i++) {
      img.run(i, `folder${i % 100}/IMG_${i}.jpg`, `${i}`.padStart(64, '0'), i % 3 ? 'unreviewed' : 'accepted');
      if (i % 10 === 0) ann.run(i, state);
    }
  })();
  const team = await freshTeam();
  const t0 = performance.now();
  await pushProject(db, team, 'large');
  const pushS = (performance.now() - t0) / 1000;
  const admin = { id: 0, name: 'bench', role: 'admin' as const };
  const teamApi = teamPoseApi(team, admin, { imagesRoot: dir, modelPath: BUNDLED_MODEL_PATH, boss: null });
  const localApi = createProjectService(db, dir);
  const open = async (api: typeof teamApi | typeof localApi) => {
    const t = performance.now();
    await api.projectInfo({});
    const page = await api.listImages({ offset: 0, limit: 200 });
    await api.getAnnotation({ imageId: page.images[0].id });
    return performance.now() - t;
  };
  const teamMs: number[] = [],
    localMs: number[] = [];
  for (let r = 0; r < 6; r++) {
    teamMs.push(await open(teamApi));
    localMs.push(await open(localApi));
  }
  await localApi.shutdown();
  db.close();
  await team.close();
  const t = median(teamMs.slice(1)),
    l = median(localMs.slice(1));
  return { push: pushS, row: `| ${n} | ${fmt(t, 1)} | ${fmt(l, 1)} | ${fmt(t / l)}× | ${fmt(pushS, 1)} |` };
}

/** BENCH_TEAM_ONLY=queue,maps (a comma list of throughput, queue, open, maps) runs those parts; default all. */
const PARTS = new Set((process.env.BENCH_TEAM_ONLY ?? 'throughput,queue,open,maps').split(','));

try {
  console.log(`machine: ${machineLine()}; PostgreSQL test cluster (fsync off); ${REPEATS} runs per figure, medians\n`);
  if (PARTS.has('throughput')) {
    console.log('| model | workers | images | batch | images/s | vs 1 worker |\n|---|---|---|---|---|---|');
    for (const r of await throughput('slow stand-in (250 ms wait, NOT the model)', 96, 4, slowStandIn(250)))
      console.log(r);
    for (const r of await throughput('bundled imhn-synth-tiny (real)', 24, 4)) console.log(r);
  }
  if (PARTS.has('queue')) {
    console.log(
      '\n| batch | images | ms/image via queue | ms/image direct (baseline) | overhead ms | ratio |\n|---|---|---|---|---|---|',
    );
    console.log(await queueOverhead(60, 1));
    console.log(await queueOverhead(60, 8));
  }
  if (PARTS.has('open')) {
    console.log('\n| images | open team ms | open local ms (baseline) | ratio | push s |\n|---|---|---|---|---|');
    console.log((await openLarge(100_000)).row);
  }
  if (PARTS.has('maps')) {
    console.log(
      '\n| maps cost | images | ms/image with maps | ms/image poses only (baseline) | overhead ms | ratio |\n|---|---|---|---|---|---|',
    );
    for (const r of await mapsCost(freshTeam, timings, REPEATS)) console.log(r);
  }
} finally {
  cluster.stop();
}
