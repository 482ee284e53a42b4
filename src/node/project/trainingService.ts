import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { trainingRepository, type TrainingRecord } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import { heldOutKey, heldOutPersons, scoreModel, type HeldOutSet } from '../training/heldOutScore.ts';
import { exportCoco } from './cocoExchange.ts';
import { compareEvaluations, sameRunsProblem } from './evaluationService.ts';
import { modelFile, readDetectSetup } from './detectSetup.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';
import { runningTrainJob, startTrainJob } from './trainJob.ts';

type Compared = PoseResponse<'compareModels'>['models'][number];

/**
 * The retraining loop's methods: the Train job (trainJob.ts), the trainings listed, the project's models compared
 * on the same held-out images, and two runs compared image by image against the reviewed labels.
 */
export function trainingMethods(
  c: ServiceContext,
): Pick<ProjectService, 'startTrain' | 'listTrainings' | 'compareModels' | 'compareRuns'> {
  return {
    startTrain: (r) => startTrainJob(c, r),
    async listTrainings() {
      const trainings = trainingRepository(c.db)
        .all()
        .map((t) => ({
          id: t.id,
          status: t.status,
          baseModel: t.baseModel,
          step: t.step,
          steps: t.steps,
          trainImages: t.split?.train.length ?? 0,
          valImages: t.split?.val.length ?? 0,
          modelId: t.modelId,
          message: t.message,
          createdAt: t.createdAt,
          resumable: t.status !== 'done' && existsSync(path.join(c.root, t.outDir, 'gt.json')),
        }));
      return { trainings, runningJobId: runningTrainJob(c) };
    },
    compareModels: ({ trainingId }) => compareModels(c, trainingId),
    async compareRuns({ runA, runB }) {
      const same = sameRunsProblem(runA, runB);
      if (same) throw same;
      const [a, b] = [await c.tasks.run('evaluate', { runId: runA }), await c.tasks.run('evaluate', { runId: runB })];
      return compareEvaluations(a, b);
    },
  };
}

/** The held-out images of a training as they are labelled now (an image no longer established drops out). */
function heldOutOf(c: ServiceContext, t: TrainingRecord): HeldOutSet {
  const names = new Set(t.split?.val ?? []);
  const all = exportCoco(c.db, {});
  const images = all.images.filter((im) => names.has(im.file_name));
  const ids = new Set(images.map((im) => im.id));
  const gt = { ...all, images, annotations: all.annotations.filter((a) => ids.has(a.image_id)) };
  return { gt, imagePath: (f) => c.files.resolve(f) };
}

async function compareModels(
  c: ServiceContext,
  trainingId: number | undefined,
): Promise<PoseResponse<'compareModels'>> {
  const repo = trainingRepository(c.db);
  const t = trainingId === undefined ? repo.latestDone() : repo.get(trainingId);
  if (!t)
    throw trainingId === undefined
      ? new ApiError('conflict', 'no finished training yet: models are compared on the images a training held out')
      : new ApiError('not_found', `no training ${trainingId} in this project`);
  if (!t.split?.val.length)
    throw new ApiError(
      'conflict',
      `training ${t.id} (${t.status}) stopped before it held out any images: compare on a training that got further`,
    );
  const heldOut = heldOutOf(c, t);
  if (!heldOut.gt.images.length)
    throw new ApiError('conflict', `none of training ${t.id}'s held-out images is established ground truth any more`);
  const key = heldOutKey(heldOut.gt);
  const settings = readDetectSetup(c.db).settings;
  const inUse = c.setup.inUse().file;
  const bundled = c.setup.bundledModel;
  const entries = [
    { file: bundled, row: modelRepository(c.db).byPath(bundled) },
    ...modelRepository(c.db)
      .registered()
      .map((row) => ({ file: modelFile(c.root, row.path), row }))
      .filter((e) => e.file !== bundled),
  ].slice(0, 200);
  const models: Compared[] = [];
  for (const { file, row } of entries) {
    const isBundled = file === bundled;
    const facts = { modelId: isBundled ? null : (row?.id ?? null), name: path.basename(file, '.onnx') };
    const shown = { ...facts, bundled: isBundled, inUse: file === inUse };
    const cached = row && repo.score(row.id, key);
    if (cached) {
      models.push({ ...shown, stats: cached as Compared['stats'] & object });
      continue;
    }
    try {
      const { stats, card } = await scoreModel(file, heldOut, settings);
      const hash = await hashModelFile(file);
      writeTransaction(c.db, 'keeping the model score', () => {
        const id = row?.id ?? modelRepository(c.db).record(file, hash, JSON.stringify(card), Date.now());
        repo.putScore(id, key, heldOut.gt.images.length, heldOutPersons(heldOut.gt), stats, Date.now());
      });
      models.push({ ...shown, stats });
    } catch (e) {
      models.push({ ...shown, stats: null, error: (e as Error).message.slice(0, 2000) });
    }
  }
  return {
    trainingId: t.id,
    heldOut: { images: heldOut.gt.images.length, persons: heldOutPersons(heldOut.gt) },
    models,
  };
}
