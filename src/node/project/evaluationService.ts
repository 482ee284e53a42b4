import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository, type ImageRecord } from '../db/imageRepository.ts';
import type { CocoDataset, CocoKeypointResult } from '../../core/coco/cocoTypes.ts';
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
export type RunInfo = RunEvaluation['run'];

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
  if (!gt.images.length) throw new ApiError('conflict', NOTHING_REVIEWED);
  return evaluationOf(id, gt, exportResults(db, id, { onlyReviewed: true }), imageRepository(db).all(), listRuns(db));
}

/**
 * The evaluation payload of run `runId`, whatever store holds the project: `gt` its GT export of reviewed images,
 * `results` the run's results export on the same images, `all` every image (in project order: the export's image
 * ids), `runs` the project's runs newest first.
 */
export function evaluationOf(
  runId: number,
  gt: CocoDataset,
  results: CocoKeypointResult[],
  all: Pick<ImageRecord, 'id' | 'cocoJson'>[],
  runs: RunInfo[],
): RunEvaluation {
  const report = evaluationReport(gt, results);
  const rowOf = new Map([...cocoImageIds(all)].map(([row, coco]) => [coco, row]));
  const fileOf = new Map(gt.images.map((im) => [im.id, im.file_name]));
  return {
    runId,
    run: runs.find((r) => r.id === runId)!,
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

/** The evaluation's refusal when no image is reviewed yet (the same words for either store). */
export const NOTHING_REVIEWED =
  'no reviewed images yet: accept images (Enter) or mark them "no person" to evaluate the model against them';

/** Per reviewed image, which of two runs' evaluations agrees better with the labels (compareRuns' payload). */
export function compareEvaluations(
  a: Pick<RunEvaluation, 'perImage'>,
  b: Pick<RunEvaluation, 'perImage'>,
): PoseResponse<'compareRuns'> {
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
}

/** compareRuns' refusal of a run compared with itself. */
export function sameRunsProblem(runA: number, runB: number): ApiError | null {
  return runA === runB
    ? new ApiError('bad_request', `runA and runB are both run ${runA}: choose two different runs`)
    : null;
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
