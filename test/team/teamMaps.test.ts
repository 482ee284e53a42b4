// Cached maps in a team project, on a real PostgreSQL with the real inference engine (the tiny IMHN test model):
// the worker stores each image's maps with its prediction, the team server serves the same bytes a local project
// serves for the same model and image (over the API and over HTTP), with the role rules (an annotator only for
// their images), none for an image whose content changed; a worker killed with -9 while it writes maps leaves
// neither the prediction nor the maps of that image, and the run ends with exactly one whole set per image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import { addPerson } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION } from '../../src/core/edit/poseRecords.ts';
import { parseNpy } from '../../src/core/tensor/parseNpy.ts';
import { CHANNELS } from '../../src/core/skeleton/poseMeta.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { projectCacheDir } from '../../src/node/project/mapCache.ts';
import { DEFAULT_QUEUE_TIMINGS } from '../../src/node/team/detectQueue.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import { teamRunProgress } from '../../src/node/team/teamDetection.ts';
import { teamMapRepository } from '../../src/node/team/teamMapRepository.ts';
import { teamPoseApi } from '../../src/node/team/teamPoseApi.ts';
import { teamRunRepository } from '../../src/node/team/teamRunRepository.ts';
import type { TeamUser } from '../../src/node/team/teamUserRepository.ts';
import { runTeamWorker } from '../../src/node/team/teamWorker.ts';
import { startTeamServer } from '../../src/server/teamServer.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';
import { queueTeamRun, startWorker, type WorkerProcess } from './workerProcesses.ts';

const pg = teamClusterPerFile();
const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
// two passes, one flipped: every part of the stored layout (several passes, flip average of the first)
const SETTINGS = { scales: [0.5, 0.75], flip: true, mode: 'fast' as const };
const PASSWORD = 'a long enough password';
/** Values of a several-pass maps .npy: the overlay pass's and each pass's. */
const valuesOf = (d: { shape: number[]; passes?: { shape: number[] }[] }) =>
  [d, ...(d.passes ?? [])].reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const queueRun = (team: TeamDb, batchSize: number, batchExpirySeconds = 900) =>
  queueTeamRun(team, { modelPath: MODEL, settings: SETTINGS, batchSize, batchExpirySeconds });

describe.skipIf(PG_MISSING)('cached maps in a team project', () => {
  let project: OpenProject;
  let team: TeamDb;
  let ids: number[]; // team ids, in rel_path order (= local ids 1..n)
  let admin: TeamUser, ann: TeamUser;
  let server: Awaited<ReturnType<typeof startTeamServer>>;
  const api = (u: TeamUser) => teamPoseApi(team, u, { imagesRoot: project.root, modelPath: MODEL, boss: null });
  const token = async (name: string) => {
    const r = await fetch(`http://127.0.0.1:${server.port}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, password: PASSWORD }),
    });
    return ((await r.json()) as { token: string }).token;
  };
  const mapsOverHttp = (id: number, t: string) => fetch(`http://127.0.0.1:${server.port}/maps/${id}?token=${t}`);

  beforeAll(async () => {
    if (PG_MISSING) return;
    project = await photoProject(4, 130, 70);
    team = await pg.fresh();
    await pushProject(project.db, team, 'photos');
    ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
    admin = await addTeamUser(team, 'boss', 'admin', PASSWORD);
    ann = await addTeamUser(team, 'ann', 'annotator', PASSWORD);
    await assignImages(team, [ids[0]], 'ann');
    server = await startTeamServer({ team, imagesRoot: project.root, modelPath: MODEL, boss: null });
    // the same model, settings and images detected locally, into the local project's map cache
    await runDetectJob(project.db, {
      modelPath: MODEL,
      root: project.root,
      settings: SETTINGS,
      provider: 'cpu',
      cacheDir: projectCacheDir(project.root),
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await project?.close();
  });

  it('the worker stores maps with each prediction; the server serves the bytes of the local cache', async () => {
    const runId = await queueRun(team, 3);
    const r = await runTeamWorker({
      url: team.url,
      root: project.root,
      name: 'w',
      timings: { ...DEFAULT_QUEUE_TIMINGS, pollSeconds: 1 },
      exitWhenIdle: true,
    });
    expect(r).toMatchObject({ stored: 4, failed: 0 });
    expect(r.mapBytes).toBeGreaterThan(0);
    expect(await teamMapRepository.rows(team.pool)).toEqual(ids.map((imageId) => ({ imageId, runId })));
    expect((await teamMapRepository.totals(team.pool)).bytes).toBe(r.mapBytes);
    const boss = await token('boss');
    for (const [i, id] of ids.entries()) {
      const local = await project.service.getPredictions({ imageId: i + 1 });
      const remote = await api(admin).getPredictions({ imageId: id });
      expect(local.maps).not.toBeNull();
      expect(remote.maps).toEqual(local.maps);
      expect(remote.poses).toEqual(local.poses);
      const localNpy = Buffer.from(await project.service.maps(i + 1));
      expect(Buffer.from(await api(admin).maps(id)).equals(localNpy)).toBe(true);
      const http = await mapsOverHttp(id, boss);
      expect(http.status).toBe(200);
      expect(Buffer.from(await http.arrayBuffer()).equals(localNpy)).toBe(true);
      // two passes: one flat .npy, the overlay pass then each pass flip-averaged, as the descriptor says
      expect(parseNpy(localNpy).shape).toEqual([valuesOf(remote.maps!)]);
      expect(remote.maps!.shape[0]).toBe(CHANNELS.count);
      expect(remote.maps!.passes!.map((p) => p.shape[0])).toEqual([CHANNELS.count, CHANNELS.count]);
    }
    // what is kept: the overlay pass (on the finest pass's grid: its multiplier) and both passes, flip-averaged
    const stored = await teamMapRepository.get(team.pool, ids[1]);
    expect(stored!.multiplier).toBeCloseTo((0.75 * 512) / 70, 9);
    expect(stored!.passes!.map((p) => p.multiplier)).toEqual([(0.5 * 512) / 70, (0.75 * 512) / 70]);
    expect(Buffer.from(stored!.npy).equals(Buffer.from(await project.service.maps(2)))).toBe(true);
  }, 120_000);

  it("the review queue by hardness reads the workers' maps: the local project's keys and order, not all −1", async () => {
    const joints = (dx: number) =>
      Array.from({ length: 17 }, (_, j) => ({
        x: 20 + dx + 4 * j,
        y: 10 + 3 * j,
        v: 2 as const,
        source: 'human' as const,
      }));
    for (const [i, dx] of [
      [0, 0],
      [1, 40],
      [2, 15],
    ] as const) {
      const diff = addPerson(EMPTY_ANNOTATION, 'p', joints(dx));
      const steps = [{ kind: 'do' as const, diff, label: 'add' }];
      await project.service.saveEdits({ imageId: i + 1, revision: 0, steps });
      await api(admin).saveEdits({ imageId: ids[i], revision: 0, steps });
      await project.service.setStatus({ imageId: i + 1, status: 'in_progress' });
      await api(admin).setStatus({ imageId: ids[i], status: 'in_progress' });
    }
    const local = (await project.service.reviewQueue({ by: 'hardness', status: 'in_progress' })).images;
    const remote = (await api(admin).reviewQueue({ by: 'hardness', status: 'in_progress' })).images;
    expect(local.map((e) => e.key).every((k) => k > 0)).toBe(true);
    expect(remote.map((e) => ids.indexOf(e.imageId) + 1)).toEqual(local.map((e) => e.imageId));
    for (const [i, e] of remote.entries()) expect(e.key / local[i].key).toBeCloseTo(1, 2); // float16 flip average
  });

  it('an annotator gets the maps of their own images only', async () => {
    const own = await api(ann).getPredictions({ imageId: ids[0] });
    expect(own.maps).not.toBeNull();
    expect((await api(ann).maps(ids[0])).length).toBeGreaterThan(0);
    await expect(api(ann).maps(ids[1])).rejects.toMatchObject({
      code: 'forbidden',
      message: `image ${ids[1]} is not assigned to ann: annotators see only their own images`,
    });
    await expect(api(ann).getPredictions({ imageId: ids[1] })).rejects.toMatchObject({ code: 'forbidden' });
    const t = await token('ann');
    expect((await mapsOverHttp(ids[0], t)).status).toBe(200);
    const refused = await mapsOverHttp(ids[1], t);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toMatch(/\n\s+at /);
    expect((await mapsOverHttp(ids[1], 'not-a-session')).status).toBe(401);
  });

  it("maps over HTTP are never kept by the browser: the same URL gives a later run's maps (as a local project's)", async () => {
    const r = await mapsOverHttp(ids[0], await token('boss'));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('an image whose content changed since detection has no maps, and says so', async () => {
    await team.pool.query("UPDATE team_images SET content_hash = 'changed' WHERE id = $1", [ids[3]]);
    expect((await api(admin).getPredictions({ imageId: ids[3] })).maps).toBeNull();
    await expect(api(admin).maps(ids[3])).rejects.toMatchObject({
      code: 'not_found',
      message: `no cached maps for image ${ids[3]}: run detection on it first`,
    });
    const r = await mapsOverHttp(ids[3], await token('boss'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ code: 'not_found' });
    expect((await api(admin).getPredictions({ imageId: ids[2] })).maps).not.toBeNull(); // the others keep theirs
  });

  it("a later run's maps replace an earlier run's, never the reverse; a second store of a run is a no-op", async () => {
    const id = ids[2];
    const before = await teamMapRepository.get(team.pool, id);
    const runOf = async (n: number) =>
      teamRunRepository.create(team.pool, {
        modelPath: MODEL,
        modelHash: `m${n}`,
        settings: SETTINGS,
        images: 1,
        now: 0,
      });
    const later = await runOf(1);
    const earlier = before!.runId;
    const one = { multiplier: 1, maps: { shape: [CHANNELS.count, 2, 3], data: new Float32Array(300).fill(0.5) } };
    const store = (runId: number, v: number) =>
      teamMapRepository.store(team.pool, {
        imageId: id,
        runId,
        contentHash: 'h',
        image: { width: 8, height: 12 },
        passes: [{ ...one, maps: { ...one.maps, data: one.maps.data.map(() => v) }, flippedMaps: null }],
        now: 0,
      });
    expect(await store(later, 0.25)).toBeGreaterThan(0);
    expect(await store(earlier, 0.75)).toBe(0); // a slow worker of the earlier run: kept out
    expect(await store(later, 0.125)).toBe(0); // the same run again (a retry): the first set stays
    const now = await teamMapRepository.get(team.pool, id);
    expect(now).toMatchObject({ runId: later, contentHash: 'h', multiplier: 1, shape: [CHANNELS.count, 2, 3] });
    expect(parseNpy(now!.npy).data[0]).toBe(0.25);
    expect((await teamMapRepository.rows(team.pool)).filter((r) => r.imageId === id)).toHaveLength(1);
  });
});

describe.skipIf(PG_MISSING)('a worker killed with -9 while it writes maps', () => {
  let project: OpenProject;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await project?.close();
  });

  it('leaves neither that prediction nor its maps; the run ends with one whole set per image', async () => {
    project = await photoProject(12, 130, 70);
    const team = await pg.fresh({ max: 3 });
    await pushProject(project.db, team, 'photos');
    const runId = await queueRun(team, 4, 3);
    const k1 = startWorker(team.url, project.root, 'k1', { batchExpiry: 3, maintenance: 1 });
    workers.push(k1);
    for (const t0 = Date.now(); (await teamRunRepository.rows(team.pool, runId)).length < 2; await sleep(10))
      if (Date.now() - t0 > 120_000) throw new Error(`no predictions: ${k1.stderr()}`);
    // hold the maps table: k1's next store waits inside its transaction, its prediction row already written
    const locker = await team.pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE team_maps IN SHARE MODE');
    const waiting = async () =>
      (
        await team.pool.query(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO team_maps%'",
        )
      ).rows.length;
    for (const t0 = Date.now(); (await waiting()) === 0; await sleep(10))
      if (Date.now() - t0 > 60_000) throw new Error(`k1 never reached the maps: ${k1.stderr()}`);
    const committed = (await teamRunRepository.rows(team.pool, runId)).length;
    k1.child.kill('SIGKILL');
    expect(await k1.exited).toBeNull();
    await locker.query('COMMIT');
    locker.release();
    // the dead worker's session rolls back (its insert finishes, then it finds the client gone)
    for (const t0 = Date.now(); (await waiting()) > 0; await sleep(10)) if (Date.now() - t0 > 30_000) break;
    await sleep(300);
    const rows = await teamRunRepository.rows(team.pool, runId);
    expect(rows.length).toBe(committed);
    expect((await teamMapRepository.rows(team.pool)).map((r) => r.imageId)).toEqual(rows.map((r) => r.imageId));

    const k2 = startWorker(team.url, project.root, 'k2', { batchExpiry: 3, maintenance: 1 });
    workers.push(k2);
    expect(await k2.exited, k2.stderr()).toBe(0);
    expect(await teamRunProgress(team, runId)).toMatchObject({ status: 'done', done: 12, failed: 0 });
    const all = await teamRunRepository.rows(team.pool, runId);
    const maps = await teamMapRepository.rows(team.pool);
    expect(maps).toEqual(all.map((r) => ({ imageId: r.imageId, runId })));
    for (const m of maps) {
      const stored = await teamMapRepository.get(team.pool, m.imageId);
      const t = parseNpy(stored!.npy); // whole: a torn .npy does not parse
      expect(t.shape).toEqual([valuesOf(stored!)]);
    }
  }, 180_000);
});
