// "Run detection (N)" on a team project, on a real PostgreSQL with the real queue (pg-boss) and a real worker
// running the tiny IMHN test model: the setup says how many images this model and settings still lack (it said 0,
// so the app showed "Detection up to date" on a project never detected), the admin changes the settings from the
// app (they were refused; an annotator still is), "Run detection" queues only what is lacking and nothing when
// nothing is, and "Re-run all" every image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { photoProject } from '../support/photoProject.ts';
import { runCli } from '../support/runCli.ts';
import { MODEL_FIXTURES } from '../support/fixturePaths.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { DEFAULT_DETECT_SETTINGS } from '../../src/node/jobs/detectSettings.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../../src/node/team/detectQueue.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser } from '../../src/node/team/teamAccounts.ts';
import { teamRunProgress } from '../../src/node/team/teamDetection.ts';
import { teamRunRepository } from '../../src/node/team/teamRunRepository.ts';
import { teamPoseApi } from '../../src/node/team/teamPoseApi.ts';
import type { TeamUser } from '../../src/node/team/teamUserRepository.ts';
import { workUntilIdle } from './workerProcesses.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const OTHER = { scales: [0.5], flip: false, mode: 'fast' as const };

describe.skipIf(PG_MISSING)('the detection setup of a team project', () => {
  let project: OpenProject;
  let team: TeamDb;
  let boss: PgBoss;
  let admin: TeamUser, ann: TeamUser;
  const api = (u: TeamUser) => teamPoseApi(team, u, { imagesRoot: project.root, modelPath: MODEL, boss });
  const runOf = (jobId: string) => Number(jobId.replace('team-run-', ''));
  const work = () => workUntilIdle(team, project.root);

  beforeAll(async () => {
    if (PG_MISSING) return;
    project = await photoProject(3, 96, 64);
    team = await pg.fresh();
    await pushProject(project.db, team, 'photos');
    admin = await addTeamUser(team, 'boss', 'admin', 'a long enough password');
    ann = await addTeamUser(team, 'ann', 'annotator', 'a long enough password');
    boss = await startBoss(team.url, DEFAULT_QUEUE_TIMINGS);
  }, 120_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await project?.close();
  });

  it('a project never detected has every image to detect; Run detection queues them, then none is left', async () => {
    expect(await api(admin).getDetectSetup({})).toMatchObject({
      settings: DEFAULT_DETECT_SETTINGS,
      toDetect: 3,
      currentRunId: null,
    });
    const { jobId } = await api(admin).startDetect({});
    expect(await teamRunProgress(team, runOf(jobId))).toMatchObject({ total: 3, status: 'running' });
    expect(await work()).toMatchObject({ stored: 3, failed: 0 });
    expect(await api(admin).getDetectSetup({})).toMatchObject({ toDetect: 0, currentRunId: runOf(jobId) });
    // nothing lacking: no new run, the job is the run that did it
    expect(await api(admin).startDetect({})).toEqual({ jobId });
  }, 120_000);

  it('the admin changes the settings from the app (an annotator may not): all is to detect again with them', async () => {
    await expect(api(ann).setDetectSetup({ settings: OTHER })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(api(admin).setDetectSetup({ settings: { ...OTHER, scales: [9] } })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/scales must be numbers/),
    });
    await expect(api(admin).setDetectSetup({ settings: OTHER, modelPath: '/tmp/other.onnx' })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/--model FILE\.onnx/),
    });
    expect((await api(admin).getDetectSetup({})).settings).toEqual(DEFAULT_DETECT_SETTINGS); // refusals kept nothing
    // the settings, sent with another key order, are the same settings
    const set = await api(admin).setDetectSetup({ settings: { mode: 'fast', flip: false, scales: [0.5] } });
    expect(set).toMatchObject({ settings: OTHER, toDetect: 3, currentRunId: null });
    expect((await api(ann).getDetectSetup({})).settings).toEqual(OTHER);
    const first = await api(admin).startDetect({});
    expect(await teamRunProgress(team, runOf(first.jobId))).toMatchObject({ total: 3 });
    await work();
    expect(await api(admin).getDetectSetup({})).toMatchObject({ toDetect: 0, currentRunId: runOf(first.jobId) });
    // Re-run all: a new run over every image, whatever was detected
    const again = await api(admin).startDetect({ rerun: true });
    expect(runOf(again.jobId)).toBeGreaterThan(runOf(first.jobId));
    expect(await teamRunProgress(team, runOf(again.jobId))).toMatchObject({ total: 3 });
    await work();
    // and the first settings' run still counts for them
    await api(admin).setDetectSetup({ settings: DEFAULT_DETECT_SETTINGS });
    expect(await api(admin).getDetectSetup({})).toMatchObject({ toDetect: 0 });
  }, 180_000);

  it('`simplepose team detect` takes the team settings where no flag is given', async () => {
    await api(admin).setDetectSetup({ settings: OTHER });
    const cli = (...flags: string[]) =>
      runCli('team', 'detect', '--team', team.url, '--model', MODEL, '--json', ...flags);
    const plain = JSON.parse((await cli()).out[0]) as { runId: number };
    expect((await teamRunRepository.get(team.pool, plain.runId))?.settings).toEqual(OTHER);
    const flagged = JSON.parse((await cli('--flip', '--scales', '1')).out[0]) as { runId: number };
    expect((await teamRunRepository.get(team.pool, flagged.runId))?.settings).toEqual({
      ...OTHER,
      scales: [1],
      flip: true,
    });
    await work();
  }, 120_000);

  it('a model file gone from the server: the setup still answers (model missing, all to detect), detection says why', async () => {
    const gone = path.join(project.root, 'gone.onnx');
    const api = teamPoseApi(team, admin, { imagesRoot: project.root, modelPath: gone, boss });
    expect(await api.getDetectSetup({})).toMatchObject({ model: { exists: false }, toDetect: 3, currentRunId: null });
    expect((await api.projectInfo({})).model?.exists).toBe(false);
    await expect(api.startDetect({})).rejects.toMatchObject({ message: expect.stringContaining('gone.onnx') });
  });
});
