// Distributed detection on the real queue (pg-boss in a real PostgreSQL) with real `simplepose worker` processes
// running the real inference engine (the tiny IMHN test model): each image is predicted exactly once per run with
// several workers started at once, with a worker killed (-9) in the middle of a batch (the batch goes to another
// worker after its expiry; what the dead one stored stays, nothing is stored twice), and a cancel stops them all.
// Every client listening sees the progress.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { cancelTeamRun, teamRunProgress } from '../../src/node/team/teamDetection.ts';
import { listenTeam, type TeamEvent } from '../../src/node/team/teamEvents.ts';
import { teamRunRepository } from '../../src/node/team/teamRunRepository.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';
import { queueTeamRun, startWorker, type WorkerProcess } from './workerProcesses.ts';

const pg = teamClusterPerFile();
const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const SETTINGS = { scales: [1], flip: false, mode: 'fast' as const };
let project: OpenProject | undefined;
let workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  workers = [];
  await project?.close();
});

async function teamOf(n: number): Promise<TeamDb> {
  project = await photoProject(n, 40, 30);
  const team = await pg.fresh();
  await pushProject(project.db, team, 'photos');
  return team;
}

const queueRun = (team: TeamDb, batchSize: number, batchExpirySeconds = 900) =>
  queueTeamRun(team, { modelPath: MODEL, settings: SETTINGS, batchSize, batchExpirySeconds });

const rowsOf = (team: TeamDb, runId: number) => teamRunRepository.rows(team.pool, runId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(PG_MISSING)('detection workers on the team queue', () => {
  it('3 workers started at once on 60 images: each image predicted exactly once; every listener sees the progress', async () => {
    const team = await teamOf(60);
    const events: TeamEvent[] = [];
    const listener = await listenTeam(team.url, (e) => events.push(e));
    const runId = await queueRun(team, 4);
    workers = ['w1', 'w2', 'w3'].map((n) => startWorker(team.url, project!.root, n));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes, workers.map((w) => w.stderr()).join('\n')).toEqual([0, 0, 0]);
    const rows = await rowsOf(team, runId);
    expect(rows.length).toBe(60);
    expect(new Set(rows.map((r) => r.imageId)).size).toBe(60);
    expect(rows.filter((r) => r.error)).toEqual([]);
    expect(await teamRunProgress(team, runId)).toEqual({ runId, status: 'done', total: 60, done: 60, failed: 0 });
    await sleep(200);
    await listener.close();
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress.length).toBe(60); // one per stored image
    expect(progress.at(-1)).toMatchObject({ runId, done: 60, status: 'done' });
  }, 180_000);

  it('a worker killed with -9 in the middle of a batch: the batch is finished by another, nothing twice', async () => {
    const team = await teamOf(60);
    const runId = await queueRun(team, 5, 3);
    workers = ['k1', 'k2', 'k3'].map((n) =>
      startWorker(team.url, project!.root, n, { batchExpiry: 3, maintenance: 1 }),
    );
    // wait until k1 is inside a batch: 1 to 4 of its 5 images stored
    let killedAt: Awaited<ReturnType<typeof rowsOf>> = [];
    for (const t0 = Date.now(); Date.now() - t0 < 120_000; await sleep(10)) {
      const mine = (await rowsOf(team, runId)).filter((r) => r.worker === 'k1');
      if (mine.length % 5 !== 0) {
        workers[0].child.kill('SIGKILL');
        killedAt = await rowsOf(team, runId);
        break;
      }
    }
    const byK1 = killedAt.filter((r) => r.worker === 'k1');
    expect(byK1.length % 5).not.toBe(0);
    expect(await workers[0].exited).toBeNull(); // killed
    const codes = await Promise.all(workers.slice(1).map((w) => w.exited));
    expect(codes, workers.map((w) => w.stderr()).join('\n')).toEqual([0, 0]);
    const rows = await rowsOf(team, runId);
    expect(rows.length).toBe(60);
    expect(new Set(rows.map((r) => r.imageId)).size).toBe(60);
    // what k1 stored before it died is kept as it was; the rest of its batch was done by the others
    const k1After = rows.filter((r) => r.worker === 'k1').map((r) => r.imageId);
    expect(k1After).toEqual(expect.arrayContaining(byK1.map((r) => r.imageId)));
    expect(k1After.length).toBeLessThanOrEqual(byK1.length + 1); // at most the image it was committing
    expect((await teamRunProgress(team, runId)).status).toBe('done');
  }, 180_000);

  it('cancel stops every worker, and nothing is stored after it', async () => {
    const team = await teamOf(60);
    const runId = await queueRun(team, 3);
    workers = ['c1', 'c2'].map((n) => startWorker(team.url, project!.root, n));
    for (const t0 = Date.now(); (await rowsOf(team, runId)).length < 4; await sleep(20))
      if (Date.now() - t0 > 120_000) throw new Error('no predictions');
    expect(await cancelTeamRun(team, runId)).toBe(true);
    const atCancel = (await rowsOf(team, runId)).length;
    const t0 = Date.now();
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await rowsOf(team, runId)).length).toBe(atCancel);
    expect(await teamRunProgress(team, runId)).toMatchObject({ status: 'cancelled', done: atCancel });
    expect(atCancel).toBeLessThan(60);
  }, 180_000);

  it('a worker without the run’s model stops and says why; its batch goes to a worker that has it', async () => {
    const team = await teamOf(6);
    const runId = await queueRun(team, 3);
    const wrong = startWorker(team.url, project!.root, 'wrong', {
      extra: ['--model', path.join(MODEL_FIXTURES, 'tiny-fp16.onnx')],
    });
    workers = [wrong];
    expect(await wrong.exited).toBe(3);
    expect(wrong.stderr()).toMatch(
      new RegExp(`is not the one run ${runId} uses .*give this worker a copy of that model`),
    );
    expect(wrong.stderr()).not.toMatch(/\n\s+at /);
    const right = startWorker(team.url, project!.root, 'right');
    workers.push(right);
    expect(await right.exited, right.stderr()).toBe(0);
    expect((await rowsOf(team, runId)).map((r) => r.worker)).toEqual(Array(6).fill('right'));
  }, 120_000);

  it('a worker stopped with SIGTERM hands its batch back at once: another finishes it without waiting for expiry', async () => {
    const team = await teamOf(12);
    const runId = await queueRun(team, 12); // one batch of all 12 images, expiry 900 s
    const first = startWorker(team.url, project!.root, 'first');
    workers = [first];
    for (const t0 = Date.now(); (await rowsOf(team, runId)).length < 2; await sleep(20))
      if (Date.now() - t0 > 120_000) throw new Error('no predictions');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const byFirst = (await rowsOf(team, runId)).length;
    expect(byFirst).toBeLessThan(12);
    const t0 = Date.now();
    const second = startWorker(team.url, project!.root, 'second');
    workers.push(second);
    expect(await second.exited, second.stderr()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000); // not the batch's 900 s expiry
    const rows = await rowsOf(team, runId);
    expect(rows.length).toBe(12);
    expect(rows.filter((r) => r.worker === 'first').length).toBe(byFirst);
  }, 180_000);
});
