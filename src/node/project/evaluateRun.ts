import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { evaluationReport } from '../../core/eval/evaluationReport.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { cocoImageIds, exportCoco, exportResults } from './cocoExchange.ts';
import { latestFinishedRun } from './latestFinishedRun.ts';

type Evaluation = PoseResponse<'evaluate'>;
type RunInfo = Evaluation['run'];

/**
 * The evaluation panel's numbers: a run's predictions (default: the latest finished run) against the images whose
 * ground truth is established — what the GT export writes when asked for reviewed images only —, through the
 * core's pycocotools-exact evaluator (core/eval/evaluationReport.ts). Images are named by row id and path.
 */
export function evaluateRun(db: ProjectDb, runId?: number): Evaluation {
  const runs = listRuns(db);
  const id = runId ?? latestFinishedRun(db);
  if (id === undefined)
    throw new ApiError('conflict', 'no finished detection run to evaluate yet: run detection first');
  const run = runs.find((r) => r.id === id);
  if (!run) throw new ApiError('not_found', `no detection run ${id} in this project`);
  const gt = exportCoco(db, { onlyReviewed: true });
  if (!gt.images.length)
    throw new ApiError(
      'conflict',
      'no reviewed images yet: accept images (Enter) or mark them "no person" to evaluate the model against them',
    );
  const ids = new Set(gt.images.map((i) => i.id));
  const report = evaluationReport(
    gt,
    exportResults(db, id).filter((x) => ids.has(x.image_id)),
  );
  const rowOf = new Map([...cocoImageIds(db)].map(([row, coco]) => [coco, row]));
  const fileOf = new Map(gt.images.map((im) => [im.id, im.file_name]));
  return {
    run,
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
  const rows = db
    .prepare(
      `SELECT r.id, r.scales, r.flip, r.mode, r.status, m.path,
         (SELECT COUNT(*) FROM predictions p WHERE p.run_id = r.id) AS n
       FROM inference_runs r JOIN models m ON m.id = r.model_id ORDER BY r.id DESC`,
    )
    .all() as {
    id: number;
    scales: string;
    flip: number;
    mode: 'fast' | 'reference';
    status: string;
    path: string;
    n: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    model: path.basename(r.path).replace(/\.onnx$/i, ''),
    settings: { scales: JSON.parse(r.scales) as number[], flip: r.flip === 1, mode: r.mode },
    status: r.status,
    predictions: r.n,
  }));
}
