// compareModels as a job, over a real project (its database, the sample images imported as ground truth) and the
// real inference pipeline: the request answers at once, progress comes image by image, cancel stops it, the result
// is kept (a service opened later lists it), a comparison whose process died is said interrupted, and a model file
// deleted under it is named in its row while the others are measured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { PoseEvent } from '../../contract/poseApi.ts';
import { comparisonRepository } from '../db/comparisonRepository.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';
import {
  BUNDLED_MODEL,
  compareModels,
  tmpBase,
  trainFolder,
  trainProject,
  MICRO_TRAINING,
} from '../../../test/support/trainProject.ts';
import type { OpenProject } from './openProjectFolder.ts';
import { openProjectFolder } from './openProjectFolder.ts';

let p: OpenProject, trainingId: number, heldOut: string[];
const events: PoseEvent<'compareProgress'>[] = [];

/** A finished training holding out `val` (as the Train job records one), without running the trainer. */
function doneTraining(o: OpenProject, val: string[]): number {
  const repo = trainingRepository(o.db);
  return writeTransaction(o.db, 'test', () => {
    const id = repo.create({
      baseModel: null,
      options: { ...MICRO_TRAINING, steps: 1 },
      outDir: (n) => `.simplepose-models/training-${n}`,
      now: Date.now(),
    });
    repo.setSplit(id, { train: [], val }, Date.now());
    repo.finish(id, 'done', {}, Date.now());
    return id;
  });
}

/** A second model registered in the project (the test fixture's tiny IMHN, copied into the folder). */
async function registerTiny(o: OpenProject, name: string): Promise<string> {
  mkdirSync(path.join(o.root, 'models'), { recursive: true });
  const file = path.join(o.root, 'models', `${name}.onnx`);
  copyFileSync(path.join(MODEL_FIXTURES, 'tiny.onnx'), file);
  copyFileSync(path.join(MODEL_FIXTURES, 'tiny.card.json'), file.replace(/\.onnx$/, '.card.json'));
  const setup = await o.service.getDetectSetup({});
  await o.service.setDetectSetup({ settings: setup.settings, modelPath: file });
  await o.service.setDetectSetup({ settings: setup.settings, modelId: null }); // registered, the bundled one detects
  return file;
}

beforeAll(async () => {
  p = await trainProject(trainFolder(tmpBase(), 6, 6));
  p.service.events.on('compareProgress', (e: PoseEvent<'compareProgress'>) => events.push(e));
  heldOut = ['photos/000001.jpg', 'photos/000002.jpg', 'photos/000003.jpg']; // imported: established
  trainingId = doneTraining(p, heldOut);
  await registerTiny(p, 'other');
}, 120_000);
afterAll(async () => {
  await p?.close();
});

describe('compareModels, a job', () => {
  it('answers at once, then reports each image run, and keeps its result where a later service lists it', async () => {
    events.length = 0;
    const started = await p.service.compareModels({});
    expect(started).toMatchObject({ trainingId, comparisonId: expect.any(Number), jobId: expect.any(String) });
    expect(events).toEqual([]); // nothing measured inside the request
    expect((await p.service.listComparisons({})).runningJobId).toBe(started.jobId);
    expect(await p.service.compareModels({})).toEqual(started); // the same question joins the job
    const result = await compareModels(p); // joins it too, and follows it to its end
    const mine = events.filter((e) => e.jobId === started.jobId);
    const total = 2 * heldOut.length;
    expect(mine.map((e) => e.done).filter((_, i, a) => i < a.length - 1)).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5, 6]),
    );
    expect(mine.every((e) => e.total === total)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ stage: 'done', done: total, total });
    expect(result.models.map((m) => [m.name, m.bundled, m.inUse])).toEqual([
      ['imhn-synth-tiny', true, true],
      ['other', false, false],
    ]);
    expect(result.models.every((m) => m.stats !== null && m.stats.AP >= 0)).toBe(true);
    expect(result.heldOut.images).toBe(heldOut.length);
    const again = await compareModels(p); // a new job now: every model's numbers are the kept ones, nothing run
    expect(again).toEqual(result);
    const rerun = events.filter((e) => e.jobId !== started.jobId && e.stage === 'running');
    expect(rerun.map((e) => e.done)).toEqual([heldOut.length, total]);
    const later = await openProjectFolder(p.root, { modelPath: BUNDLED_MODEL });
    try {
      const listed = (await later.service.listComparisons({})).comparisons;
      expect(listed.find((c) => c.id === started.comparisonId)).toMatchObject({ status: 'done', done: total, result });
    } finally {
      await later.close();
    }
  }, 180_000);

  it('cancel stops it within the image in flight: listed cancelled, with no result', async () => {
    const t = doneTraining(p, heldOut.slice(0, 2)); // a new held-out set: nothing kept for it yet
    const { jobId, comparisonId } = await p.service.compareModels({ trainingId: t });
    const end = new Promise<PoseEvent<'compareProgress'>>((resolve) => {
      const f = (e: PoseEvent<'compareProgress'>) => {
        if (e.jobId !== jobId) return;
        if (e.stage === 'running' && e.done === 1) void p.service.cancelJob({ jobId });
        if (e.stage !== 'running') resolve(e);
      };
      p.service.events.on('compareProgress', f);
    });
    const last = await end;
    expect(last.stage).toBe('cancelled');
    expect(last.message).toMatch(/^cancelled after \d of 2 models \(their numbers are kept\)$/);
    const listed = (await p.service.listComparisons({})).comparisons.find((c) => c.id === comparisonId)!;
    expect(listed).toMatchObject({ status: 'cancelled', result: null });
    expect((await p.service.listComparisons({})).runningJobId).toBeNull();
  }, 180_000);

  it('one whose process died is listed as interrupted, not running forever', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
    const id = writeTransaction(p.db, 'test', () =>
      comparisonRepository(p.db).create(trainingId, 6, { pid: gone, started: null, token: 'x' }, Date.now()),
    );
    const listed = (await p.service.listComparisons({})).comparisons.find((c) => c.id === id)!;
    expect(listed.status).toBe('failed');
    expect(listed.message).toMatch(/^interrupted after 0 of 6 image runs \(the app that ran it was closed or killed\)/);
  });

  it('a model file deleted under it is named in its row; the others are measured and the job is done', async () => {
    const file = await registerTiny(p, 'doomed');
    rmSync(file);
    const t = doneTraining(p, heldOut.slice(1));
    const result = await compareModels(p, { trainingId: t });
    const doomed = result.models.find((m) => m.name === 'doomed')!;
    expect(doomed.stats).toBeNull();
    expect(doomed.error).toMatch(/doomed\.onnx/);
    expect(result.models.filter((m) => m.name !== 'doomed').every((m) => m.stats !== null)).toBe(true);
  }, 180_000);
});

describe('compareModels refusals stay request errors', () => {
  it('an unknown training is a 404 by its id, and nothing is recorded', async () => {
    const before = comparisonRepository(p.db).all().length;
    await expect(p.service.compareModels({ trainingId: 999 })).rejects.toThrow('no training 999 in this project');
    expect(comparisonRepository(p.db).all().length).toBe(before);
  });
});
