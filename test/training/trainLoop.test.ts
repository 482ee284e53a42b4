// Issue 16 end to end through the service, with the project's real trainer (python -m training.finetune, Debian's
// PyTorch) and the bundled model fine-tuned a few steps: the job's events (steps, loss, validation loss and AP),
// the checkpoint, the export, the card, the registration and the model put in use; a new run without duplicates
// (shown predictions = one run's, SLEAP's 2,367 → 5,312 bug); the established ground truth untouched; the model
// comparison and "compare runs"; cancel; the exact message when Python or PyTorch is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { runRepository } from '../../src/node/db/runRepository.ts';
import { exportCoco } from '../../src/node/project/cocoExchange.ts';
import { compareModels, detect, tmpBase, trainEvents, trainFolder, trainProject } from '../support/trainProject.ts';

const FEW = { steps: 4, inputSize: 128, batch: 2, threads: 1 };
let base: string;
const opened: OpenProject[] = [];
beforeAll(() => {
  base = tmpBase();
});
afterAll(async () => {
  for (const p of opened) await p.close();
});

async function project(established = 12, python?: string): Promise<OpenProject> {
  const p = await trainProject(trainFolder(base, established, 16), python ? { python } : {});
  opened.push(p);
  return p;
}

/** What the review shows for every image: its predictions' run and count. */
async function shown(p: OpenProject) {
  const { images } = await p.service.listImages({});
  const out = [];
  for (const im of images) out.push({ id: im.id, ...(await p.service.getPredictions({ imageId: im.id })) });
  return out;
}

/** The established ground truth (what the GT export takes: here imported and accepted images), as the app has it. */
async function groundTruth(p: OpenProject) {
  const { images } = await p.service.listImages({});
  const names = new Set(exportCoco(p.db, {}).images.map((im) => im.file_name));
  const established = images.filter((im) => names.has(im.relPath));
  return Promise.all(
    established.map(async (im) => ({
      id: im.id,
      status: im.status,
      a: await p.service.getAnnotation({ imageId: im.id }),
    })),
  );
}

describe('the Train job', () => {
  it('fine-tunes the model in use, registers it with its card, and a new run replaces the old predictions', async () => {
    const p = await project();
    expect(await detect(p)).toBe('done');
    const run1 = (await p.service.getDetectSetup({})).currentRunId!;
    // four of the imported images accepted here (reviewed), the other eight imported ones established as they came
    const accepted = (await p.service.listImages({})).images.filter((im) =>
      /^photos\/00000[1-4]\.jpg$/.test(im.relPath),
    );
    for (const im of accepted) await p.service.setStatus({ imageId: im.id, status: 'accepted' });
    const gtBefore = await groundTruth(p);
    expect(gtBefore.length).toBe(12);

    // `use`: the trained model detects once registered (without it the user chooses: trainResume.test)
    const { jobId, trainingId, resumed } = await p.service.startTrain({ ...FEW, use: true });
    expect(resumed).toBe(false);
    await expect(p.service.startTrain(FEW)).rejects.toThrow(/a training is running/);
    const events = await trainEvents(p, jobId);
    const last = events.at(-1)!;
    expect(last.stage, last.message).toBe('done');
    const stages = new Set(events.map((e) => e.stage));
    for (const s of ['checking', 'preparing', 'training', 'exporting', 'registering', 'done'])
      expect(stages).toContain(s);
    const losses = events.filter((e) => e.loss !== undefined);
    expect(losses.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(losses.every((e) => e.loss! > 0 && e.steps === 4)).toBe(true);
    expect(events.some((e) => e.valLoss !== undefined)).toBe(true);
    const valAP = events.filter((e) => e.valAP !== undefined);
    expect(valAP.length).toBeGreaterThan(0);
    expect(valAP.every((e) => e.valAP! >= 0 && e.valAP! <= 1)).toBe(true);

    // checkpoint, export, card, registration, in use
    const t = (await p.service.listTrainings({})).trainings[0];
    expect(t).toMatchObject({ id: trainingId, status: 'done', step: 4, resumable: false, modelId: last.modelId });
    expect(t.trainImages + t.valImages).toBe(12);
    expect(t.valImages).toBeGreaterThan(0);
    expect(existsSync(path.join(p.root, '.simplepose-models', `training-${trainingId}`, 'run', 'last.pth'))).toBe(true);
    const setup = await p.service.getDetectSetup({});
    expect(setup.model.id).toBe(last.modelId);
    expect(setup.model.name).toBe(`trained-${trainingId}`);
    const card = JSON.parse(readFileSync(setup.model.path.replace(/\.onnx$/, '.card.json'), 'utf8'));
    expect(card.training.steps).toBe(4);
    expect(card.training.dataset.train.images + card.training.dataset.val.images).toBe(12);
    expect(card.training.dataset.val.file_names.length).toBe(t.valImages);
    expect(card.training.validation.images).toBe(t.valImages);
    expect(card.training.validation.AP).toBe(valAP.at(-1)!.valAP);
    expect(card.training.code).toMatch(/^([0-9a-f]{40}(\+dirty)?|sha256:[0-9a-f]{16})$/);
    expect(card.training.hardware).toMatch(/^(cpu|cuda)/);
    expect(card.training.seconds).toBeGreaterThanOrEqual(0);
    expect(card.training.base_model).toMatch(/imhn-synth-tiny\.onnx$/);
    expect(setup.toDetect).toBe(16); // the new model has predicted nothing yet

    // re-predict: a new run; every image shows that run's predictions only
    expect(await detect(p)).toBe('done');
    const run2 = (await p.service.getDetectSetup({})).currentRunId!;
    expect(run2).not.toBe(run1);
    const runs = runRepository(p.db);
    const count = (run: number) => [...runs.predictionsOf(run).values()].reduce((n, poses) => n + poses.length, 0);
    const view = await shown(p);
    expect(view.every((v) => v.runId === run2)).toBe(true);
    const shownCount = view.reduce((n, v) => n + v.poses.length, 0);
    expect(count(run1)).toBeGreaterThan(0);
    expect(shownCount).toBe(count(run2));
    expect(shownCount).not.toBe(count(run1) + count(run2));
    expect((await p.service.projectInfo({})).lastRun?.predictions).toBe(16);

    // the established ground truth is untouched: same statuses, revisions and persons
    expect(await groundTruth(p)).toEqual(gtBefore);

    // compare models on the held-out images, and the two runs image by image
    const cmp = await compareModels(p);
    expect(cmp).toMatchObject({ trainingId, heldOut: { images: t.valImages } });
    expect(cmp.models.map((m) => [m.name, m.bundled, m.inUse])).toEqual([
      ['imhn-synth-tiny', true, false],
      [`trained-${trainingId}`, false, true],
    ]);
    expect(cmp.models[1].stats!.AP).toBe(card.training.validation.AP);
    expect(cmp.models.every((m) => m.stats && m.stats.AP >= 0)).toBe(true);
    expect(await compareModels(p)).toEqual(cmp); // kept: the same numbers without running again
    const byRun = await p.service.compareRuns({ runA: run1, runB: run2 });
    expect(byRun.images.map((im) => im.imageId)).toEqual(accepted.map((im) => im.id)); // the reviewed ones
    expect(byRun.summary.a + byRun.summary.b + byRun.summary.same).toBe(4);
    for (const im of byRun.images)
      expect(im.better).toBe(
        Math.abs((im.oksA ?? 0) - (im.oksB ?? 0)) < 1e-9 ? 'same' : (im.oksA ?? 0) > (im.oksB ?? 0) ? 'a' : 'b',
      );

    // the review queue proposes the least sure images of the new run first
    const queue = await p.service.reviewQueue({ by: 'uncertainty' });
    expect(queue.images.length).toBe(12); // the unreviewed ones (imported ones included: nobody looked at them here)
    expect(queue.images.map((q) => q.key)).toEqual([...queue.images.map((q) => q.key)].sort((a, b) => a - b));
    // its keys are the new run's (lowest joint score; none found: 0), not the old run's
    const leastSure = (run: number, id: number) => {
      const scores = (runs.predictionsOf(run).get(id) ?? []).flatMap((pose) =>
        pose.joints.flatMap((j) => (j ? [j.score] : [])),
      );
      return scores.length ? Math.min(...scores) : 0;
    };
    for (const q of queue.images) expect(q.key).toBe(leastSure(run2, q.imageId));
  }, 600_000);

  it('refuses to train without enough established ground truth, by name', async () => {
    const p = await project(1);
    await expect(p.service.startTrain(FEW)).rejects.toThrow(
      /training needs at least 2 images of established ground truth with labelled people .*this project has 1/,
    );
    expect((await p.service.listTrainings({})).trainings).toEqual([]);
  }, 120_000);

  it('cancel keeps the checkpoint; Train again resumes from it', async () => {
    const p = await project(6);
    const first = await p.service.startTrain({ ...FEW, steps: 200 });
    let cancelled = false;
    const events = await trainEvents(p, first.jobId, (e) => {
      if (e.step >= 2 && e.loss !== undefined && !cancelled) {
        cancelled = true;
        void p.service.cancelJob({ jobId: first.jobId });
      }
    });
    const end = events.at(-1)!;
    expect(end.stage).toBe('cancelled');
    expect(end.message).toMatch(/^cancelled at step \d+; Train resumes from its checkpoint at step \d+$/);
    const t = (await p.service.listTrainings({})).trainings[0];
    expect(t).toMatchObject({ status: 'cancelled', resumable: true });
    const again = await p.service.startTrain({ steps: t.step + 1 });
    expect(again).toMatchObject({ trainingId: first.trainingId, resumed: true });
    const rest = await trainEvents(p, again.jobId);
    expect(rest.at(-1)!.stage, rest.at(-1)!.message).toBe('done');
    expect(rest.find((e) => e.stage === 'training')!.message).toMatch(new RegExp(`resumed at step ${t.step}`));
  }, 600_000);

  it('says exactly what is missing: no Python at the path, a Python without PyTorch', async () => {
    const absent = await project(4, '/nonexistent/bin/python3');
    const a = await absent.service.startTrain(FEW);
    const ea = (await trainEvents(absent, a.jobId)).at(-1)!;
    expect(ea.stage).toBe('failed');
    expect(ea.message).toMatch(
      /^Python was not found at "\/nonexistent\/bin\/python3": training runs the project's training\.finetune with it; install PyTorch for it \(Debian\/Ubuntu: sudo apt-get install python3-torch/,
    );
    const noTorch = path.join(base, 'python-without-torch');
    writeFileSync(noTorch, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    chmodSync(noTorch, 0o755);
    const p = await project(4, noTorch);
    const r = await p.service.startTrain(FEW);
    const er = (await trainEvents(p, r.jobId)).at(-1)!;
    expect(er.message).toMatch(
      new RegExp(
        `^PyTorch is not installed for ${noTorch} \\(Python 3\\.\\d+\\.\\d+: ModuleNotFoundError: No module named 'torch'\\); install PyTorch`,
      ),
    );
    expect((await p.service.getDetectSetup({})).model.bundled).toBe(true);
    expect((await p.service.listTrainings({})).trainings[0]).toMatchObject({ status: 'failed', message: er.message });
  }, 120_000);
});
