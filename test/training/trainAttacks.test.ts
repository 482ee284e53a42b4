// Attacks on issue 16's methods over real HTTP (the web server, the real service and project database) and on
// `simplepose train`: every user mistake a clear 4xx or usage error, before anything is recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { send } from '../support/rawHttp.ts';
import { runCli } from '../support/runCli.ts';
import { detect, tmpBase, trainEvents, trainFolder, trainProject } from '../support/trainProject.ts';

const TOKEN = 'train-attack-token-0123456789abcdef';
let base: string, p: OpenProject, server: Awaited<ReturnType<typeof startServer>>;
const api = (method: string, body: unknown) =>
  send(server.port, 'POST', `/api/${method}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const trainings = () => p.db.prepare('SELECT COUNT(*) FROM trainings').pluck().get();

beforeAll(async () => {
  base = tmpBase();
  p = await trainProject(trainFolder(base, 6, 8));
  server = await startServer({ service: p.service, root: p.root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await p?.close();
});

describe('the Train methods refuse what the user got wrong, by name', () => {
  it('refuses `size` when fine-tuning, whether fromScratch is left out or false (nothing recorded)', async () => {
    for (const body of [{ size: 'official' }, { fromScratch: false, size: 'small' }]) {
      const r = await api('startTrain', body);
      expect([r.status, r.json?.code], JSON.stringify(body)).toEqual([400, 'bad_request']);
      expect(r.json?.error).toMatch(/`size` is for a new model/);
    }
    expect(trainings()).toBe(0);
  });

  it('refuses to compare a run with itself; an unknown run is a 404 by its id', async () => {
    expect(await detect(p)).toBe('done');
    await p.service.setStatus({ imageId: (await p.service.listImages({})).images[0].id, status: 'accepted' });
    const runId = p.db.prepare('SELECT MAX(id) FROM inference_runs').pluck().get() as number;
    const same = await api('compareRuns', { runA: runId, runB: runId });
    expect([same.status, same.json?.code]).toEqual([400, 'bad_request']);
    expect(same.json?.error).toMatch(new RegExp(`both run ${runId}: choose two different runs`));
    const unknown = await api('compareRuns', { runA: runId, runB: runId + 50 });
    expect([unknown.status, unknown.json?.error]).toEqual([404, `no run ${runId + 50} in this project`]);
    const t = await api('compareModels', { trainingId: 777 });
    expect([t.status, t.json?.error]).toEqual([404, 'no training 777 in this project']);
  }, 120_000);

  it('a second Train while one runs is a 409 naming the job; cancel of an unknown job is ok: false', async () => {
    const first = await api('startTrain', { steps: 50, inputSize: 128, batch: 2, threads: 1, resume: false });
    expect(first.status).toBe(200);
    const { jobId } = first.json as { jobId: string };
    let trainerUp: () => void = () => undefined;
    const training = new Promise<void>((resolve) => {
      trainerUp = resolve;
    });
    const ended = trainEvents(p, jobId, (e) => e.stage === 'training' && trainerUp());
    const second = await api('startTrain', { steps: 5, resume: false });
    expect([second.status, second.json?.error]).toEqual([
      409,
      `a training is running (job ${jobId}): cancel it or wait for it`,
    ]);
    await training; // its trainer runs: another service of the project (simplepose train, a window) is refused too
    const before = trainings();
    const cli = await runCli('train', p.root, '--steps', '5', '--no-resume');
    expect(cli.code).toBe(2);
    expect(cli.err.join('\n')).toMatch(/training \d+ of this project is running in process \d+ .*: wait for it/);
    expect(trainings()).toBe(before);
    for (const unknown of ['nope', '', 'x'.repeat(256)])
      expect((await api('cancelJob', { jobId: unknown })).json, unknown.slice(0, 9)).toEqual({ ok: false });
    expect((await api('cancelJob', { jobId })).json).toEqual({ ok: true });
    expect((await ended).at(-1)?.stage).toBe('cancelled');
  }, 120_000);

  it('resuming an interrupted training with other options is refused by name, not done silently', async () => {
    const { jobId, trainingId } = await p.service.startTrain({ steps: 50, inputSize: 128, batch: 2, threads: 1 });
    const events = await trainEvents(p, jobId, (e) => {
      if (e.stage === 'preparing') void p.service.cancelJob({ jobId });
    });
    expect(events.at(-1)?.stage).toBe('cancelled');
    const listed = (await api('listTrainings', {})).json?.trainings as { id: number }[];
    expect(listed[0]).toMatchObject({ id: trainingId, resumable: true });
    for (const body of [{ batch: 4 }, { fromScratch: true, size: 'small' }, { valFraction: 0.3, seed: 5 }]) {
      const r = await api('startTrain', body);
      expect([r.status, r.json?.code], JSON.stringify(body)).toEqual([409, 'conflict']);
      expect(r.json?.error).toMatch(new RegExp(`training ${trainingId} stopped before its end`));
      expect(r.json?.error).toMatch(/resume: false/);
    }
    expect(trainings()).toBe(1);
    const cli = await runCli('train', p.root, '--new', '--size', 'small', '--python', '/nonexistent/python3');
    expect(cli.code).toBe(2);
    expect(cli.err.join('\n')).toMatch(/fromScratch true \(it has false\)/);
    expect(trainings()).toBe(1);
  }, 180_000);
});

describe('compareModels on a training that held out nothing', () => {
  it('says so by the training, not that its held-out images are no longer ground truth', async () => {
    const { jobId, trainingId } = await p.service.startTrain({ steps: 5, resume: false });
    void p.service.cancelJob({ jobId }); // before its trainer starts: no split made
    expect((await trainEvents(p, jobId)).at(-1)?.stage).toBe('cancelled');
    const r = await api('compareModels', { trainingId });
    expect([r.status, r.json?.error]).toEqual([
      409,
      `training ${trainingId} (cancelled) stopped before it held out any images: compare on a training that got further`,
    ]);
  }, 60_000);
});

describe('simplepose train checks its options against the same limits as the app', () => {
  it('refuses out-of-range options with the option named (exit 2), nothing recorded, nothing trained', async () => {
    const before = trainings();
    for (const [flag, value] of [
      ['--steps', '0'],
      ['--batch', '1'],
      ['--seed', '99999999999'],
      ['--val-fraction', '0.9'],
      ['--input-size', '100'],
      ['--threads', '0'],
    ]) {
      const r = await runCli('train', p.root, flag, value, '--no-resume', '--python', '/nonexistent/python3');
      expect(r.code, flag).toBe(2);
      expect(r.err.join('\n'), flag).toMatch(new RegExp(`simplepose train: ${flag}: `));
      expect(r.err.join('\n')).not.toMatch(/\n\s+at |Traceback|ENOENT/);
    }
    expect(trainings()).toBe(before);
  }, 120_000);
});

describe('a project without established ground truth', () => {
  it('Train and the comparisons say what is missing (409), nothing recorded', async () => {
    const q = await trainProject(trainFolder(base, 0, 4));
    const s = await startServer({ service: q.service, root: q.root, token: TOKEN });
    try {
      const call = (method: string, body: unknown) =>
        send(s.port, 'POST', `/api/${method}`, {
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const train = await call('startTrain', { fromScratch: true, size: 'micro' });
      expect([train.status, train.json?.code]).toEqual([409, 'conflict']);
      expect(train.json?.error).toMatch(/at least 2 images of established ground truth .* this project has 0/);
      expect((await call('compareModels', {})).status).toBe(409);
      expect((await call('listTrainings', {})).json).toEqual({ trainings: [], runningJobId: null });
      const cli = await runCli('train', q.root, '--steps', '3');
      expect(cli.code).toBe(2);
      expect(cli.err.join('\n')).toMatch(/at least 2 images of established ground truth/);
      expect(q.db.prepare('SELECT COUNT(*) FROM trainings').pluck().get()).toBe(0);
    } finally {
      await s.close();
      await q.close();
    }
  }, 60_000);
});
