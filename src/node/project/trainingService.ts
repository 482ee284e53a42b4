import { existsSync } from 'node:fs';
import path from 'node:path';
import { trainingRepository } from '../db/trainingRepository.ts';
import { compareEvaluations, sameRunsProblem } from './evaluationService.ts';
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
      const same = sameRunsProblem(runA, runB);
      if (same) throw same;
      const [a, b] = [await c.tasks.run('evaluate', { runId: runA }), await c.tasks.run('evaluate', { runId: runB })];
      return compareEvaluations(a, b);
    },
  };
}
