import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { evaluationReport } from '../../core/eval/evaluationReport.ts';
import { cocoImageIds, exportCoco, exportResults } from './cocoExchange.ts';
import { chooseRun } from './chooseRun.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/** The evaluation panel's payload, and the run it is of. */
export type RunEvaluation = PoseResponse<'evaluate'> & { runId: number };
type RunInfo = RunEvaluation['run'];

/**
 * A run's predictions (`runId`, or the latest finished run) against the images whose ground truth is established —
 * what the GT export writes when asked for reviewed images only (accepted and "no person") —, through the core's
 * pycocotools-exact evaluator (core/eval/evaluationReport.ts): overall, per image (row id and path: AP, AR, mean
 * OKS), the precision–recall curve and each joint's error; `runs`: the runs to choose from.
 */
export function evaluateRun(db: ProjectDb, runId?: number): RunEvaluation {
  const id = chooseRun(
    db,
    runId,
    () => new ApiError('conflict', 'no finished detection run to evaluate yet: run detection first'),
  );
  const gt = exportCoco(db, { onlyReviewed: true });
  if (!gt.images.length)
    throw new ApiError(
      'conflict',
      'no reviewed images yet: accept images (Enter) or mark them "no person" to evaluate the model against them',
    );
  const report = evaluationReport(gt, exportResults(db, id, { onlyReviewed: true }));
  const rowOf = new Map([...cocoImageIds(imageRepository(db).all())].map(([row, coco]) => [coco, row]));
  const fileOf = new Map(gt.images.map((im) => [im.id, im.file_name]));
  const runs = listRuns(db);
  return {
    runId: id,
    run: runs.find((r) => r.id === id)!,
    runs: runs.slice(0, 100),
    overall: report.overall,
    images: gt.images.length,
    perImage: report.perImage.map((p) => ({
      imageId: rowOf.get(p.cocoId)!,
      relPath: fileOf.get(p.cocoId)!,
      AP: p.AP,
      AR: p.AR,
      oks: p.oks,
      gtPersons: p.gtPersons,
      predictions: p.predictions,
    })),
    curve: report.curve,
    joints: report.joints,
  };
}

/** The project's runs, newest first, with their model's file name, settings and prediction count. */
function listRuns(db: ProjectDb): RunInfo[] {
  const models = modelRepository(db);
  return runRepository(db)
    .all()
    .map((r) => ({
      id: r.id,
      model: path.basename(models.get(r.modelId)?.path ?? '?').replace(/\.onnx$/i, ''),
      settings: { scales: r.scales, flip: r.flip, mode: r.mode },
      status: r.status,
      predictions: r.predictions,
    }));
}

/** The service's evaluation, on its task runner (per-image AP over thousands of images is heavy work). */
export function evaluationMethods(c: ServiceContext): Pick<ProjectService, 'evaluate'> {
  return {
    async evaluate({ runId }) {
      const { runId: _run, ...r } = await c.tasks.run('evaluate', { runId });
      return r;
    },
  };
}
