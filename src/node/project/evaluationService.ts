import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { createKeypointEvaluator, type CocoStats } from '../../core/eval/cocoEval.ts';
import { cocoImageIds, exportCoco, exportResults } from './cocoExchange.ts';
import { chooseRun } from './chooseRun.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

export interface RunEvaluation {
  runId: number;
  /** The ten COCO keypoint numbers over every reviewed image (pycocotools-exact). */
  overall: CocoStats;
  images: number;
  perImage: { imageId: number; AP: number; AR: number }[];
}

/**
 * A run's predictions (`runId`, or the latest finished run) against the reviewed annotations (accepted and "no
 * person" images) as the project exports them: overall and per image (ids of the project's image rows).
 */
export function evaluateRun(db: ProjectDb, runId?: number): RunEvaluation {
  const run = chooseRun(db, runId, () => new ApiError('bad_request', 'no finished inference run to evaluate'));
  const gt = exportCoco(db, { onlyReviewed: true });
  if (!gt.images.length) throw new ApiError('bad_request', 'no reviewed images yet');
  const ids = new Set(gt.images.map((i) => i.id));
  const evaluator = createKeypointEvaluator(gt, exportResults(db, run, { onlyReviewed: true }));
  const cocoToRow = new Map([...cocoImageIds(imageRepository(db).all())].map(([row, coco]) => [coco, row]));
  const perImage = gt.images.map((im) => {
    const st = evaluator.stats([im.id]);
    return { imageId: cocoToRow.get(im.id)!, AP: st.AP, AR: st.AR };
  });
  return { runId: run, overall: evaluator.stats([...ids]), images: gt.images.length, perImage };
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
