// A killed Train job resumes from its checkpoint: `kill -9` of the app (here `simplepose train`, the same service)
// leaves the trainer to notice, checkpoint and stop (never a second trainer racing the next one), and `kill -9` of
// the trainer itself fails the job by name; Train again continues from the checkpoint to the planned steps.
// And the CLI's own checks (usage, a folder that is no project).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { trainingRepository } from '../../src/node/db/trainingRepository.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { trainingRow, trainProcess } from '../support/trainCli.ts';
import { isAlive, waitFor } from '../support/processes.ts';
import { runCli } from '../support/runCli.ts';
import { tmpBase, trainEvents, trainFolder, trainProject } from '../support/trainProject.ts';

const SMALL = ['--input-size', '128', '--batch', '2', '--threads', '1'];
let base: string;
const opened: OpenProject[] = [];
beforeAll(() => {
  base = tmpBase();
});
afterAll(async () => {
  for (const p of opened) await p.close();
});

describe('a killed Train job', () => {
  it('kill -9 of the app: the trainer checkpoints and stops; simplepose train again resumes to the planned steps', async () => {
    const dir = trainFolder(base, 6, 6);
    await (await trainProject(dir)).close();
    let killedAt = -1;
    const first = trainProcess(dir, ['--steps', '16', ...SMALL], (e) => {
      if (e.stage === 'training' && e.step >= 3 && killedAt < 0) {
        killedAt = e.step;
        first.child.kill('SIGKILL');
      }
    });
    await first.exit;
    expect(killedAt, first.stderr()).toBeGreaterThanOrEqual(3);
    const row = trainingRow(dir);
    expect(row.status).toBe('running'); // nobody was left to say otherwise
    await waitFor(() => !isAlive(row.pid!), 60_000, 'the orphaned trainer stops');
    const events: { stage: string; step: number; message: string }[] = [];
    const second = trainProcess(dir, [], (e) => events.push(e));
    expect(await second.exit, second.stderr()).toBe(0);
    expect(second.stderr()).toMatch(/training 1 \(resumed from its checkpoint\)/);
    const resumedAt = Number(events.find((e) => /resumed at step/.test(e.message))!.message.match(/step (\d+)/)![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)!.stage).toBe('done');
    expect(trainingRow(dir)).toMatchObject({ id: 1, status: 'done', step: 16 });
    const setup = trainingRow(dir);
    const card = JSON.parse(readFileSync(path.join(dir, '.simplepose-models', 'trained-1.card.json'), 'utf8'));
    expect(card.training.steps).toBe(16);
    expect(setup.modelId).not.toBeNull();
  }, 600_000);

  it('kill -9 of the app once its trainer finished: Train registers that model, trains no more, registers it once', async () => {
    const dir = trainFolder(base, 6, 6);
    await (await trainProject(dir)).close();
    const first = trainProcess(dir, ['--steps', '4', ...SMALL], (e) => {
      if (e.stage === 'registering') first.child.kill('SIGKILL'); // measuring the model on the held-out images
    });
    expect(await first.exit).toBeNull(); // killed
    expect(trainingRow(dir)).toMatchObject({ status: 'running', step: 4, modelId: null });
    const events: { stage: string; step: number; message: string }[] = [];
    const second = trainProcess(dir, [], (e) => events.push(e));
    expect(await second.exit, second.stderr()).toBe(0);
    expect(events.map((e) => e.stage)).toEqual(['registering', 'registering', 'done']); // no trainer ran
    expect(trainingRow(dir)).toMatchObject({ status: 'done', step: 4 });
    const card = JSON.parse(readFileSync(path.join(dir, '.simplepose-models', 'trained-1.card.json'), 'utf8'));
    expect(card.training.steps).toBe(4); // the model the killed one trained, not one step more
    const db = openProjectDb(path.join(dir, '.simplepose.sqlite'));
    try {
      expect(db.prepare('SELECT COUNT(*) FROM models WHERE registered_at IS NOT NULL').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  }, 600_000);

  it('kill -9 of the trainer: the job fails by name, and Train resumes from the checkpoint', async () => {
    const p = await trainProject(trainFolder(base, 6, 6));
    opened.push(p);
    const run = await p.service.startTrain({ steps: 12, inputSize: 128, batch: 2, threads: 1 });
    let killed = false;
    const events = await trainEvents(p, run.jobId, (e) => {
      if (e.step >= 3 && e.loss !== undefined && !killed) {
        killed = true;
        process.kill(trainingRepository(p.db).get(run.trainingId)!.pid!, 'SIGKILL');
      }
    });
    const end = events.at(-1)!;
    expect(end.stage).toBe('failed');
    expect(end.message).toMatch(
      /^the trainer was stopped by SIGKILL at step \d+; Train resumes from its checkpoint at step \d+$/,
    );
    const again = await p.service.startTrain({});
    expect(again).toMatchObject({ trainingId: run.trainingId, resumed: true });
    const rest = await trainEvents(p, again.jobId);
    expect(rest.at(-1)!.stage, rest.at(-1)!.message).toBe('done');
    expect(trainingRepository(p.db).get(run.trainingId)).toMatchObject({ status: 'done', step: 12 });
    // registered, not put in use unasked: the user compares and chooses the model that detects
    expect(rest.at(-1)!.message).toMatch(
      /; registered as trained-1: compare it with the others and choose the model that detects$/,
    );
    expect((await p.service.getDetectSetup({})).model.bundled).toBe(true);
  }, 600_000);
});

describe('simplepose train', () => {
  it('says what is wrong with its arguments and its project', async () => {
    expect((await runCli('train')).err.join('\n')).toMatch(/give one PROJECT/);
    const size = await runCli('train', base, '--new', '--size', 'huge');
    expect([size.code, size.err.join('\n')]).toEqual([2, expect.stringMatching(/--size must be one of micro, tiny/)]);
    const none = await runCli('train', base);
    expect([none.code, none.err.join('\n')]).toEqual([3, expect.stringMatching(/no project there/)]);
    const dir = trainFolder(base, 1, 2);
    await (await trainProject(dir)).close();
    const few = await runCli('train', dir, '--steps', '2');
    expect([few.code, few.err.join('\n')]).toEqual([
      2,
      expect.stringMatching(/^simplepose train: training needs at least 2 images/),
    ]);
  }, 120_000);
});
