import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import { trainingRepository } from '../db/trainingRepository.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';
import { runningTrainJob, startTrainJob } from './trainJob.ts';
import { listComparisons, startCompareJob } from './trainingComparison.ts';

/**
 * The retraining loop's methods: the Train job (trainJob.ts), the trainings listed, the project's models compared
 * on the same held-out images (a job: trainingComparison.ts), and two runs compared image by image against the
 * reviewed labels.
 */
export function trainingMethods(
  c: ServiceContext,
): Pick<ProjectService, 'startTrain' | 'listTrainings' | 'compareModels' | 'listComparisons' | 'compareRuns'> {
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
    compareModels: ({ trainingId }) => startCompareJob(c, trainingId),
    listComparisons: async () => listComparisons(c),
    async compareRuns({ runA, runB }) {
      if (runA === runB)
        throw new ApiError('bad_request', `runA and runB are both run ${runA}: choose two different runs`);
      const [a, b] = [await c.tasks.run('evaluate', { runId: runA }), await c.tasks.run('evaluate', { runId: runB })];
      const oksB = new Map(b.perImage.map((p) => [p.imageId, p.oks]));
      const summary = { a: 0, b: 0, same: 0 };
      const images = a.perImage.map((p) => {
        const ob = oksB.get(p.imageId) ?? null;
        const d = (p.oks ?? 0) - (ob ?? 0);
        const better = Math.abs(d) < 1e-9 ? ('same' as const) : d > 0 ? ('a' as const) : ('b' as const);
        summary[better]++;
        return { imageId: p.imageId, relPath: p.relPath, oksA: p.oks, oksB: ob, better };
      });
      return { images, summary };
    },
  };
}
