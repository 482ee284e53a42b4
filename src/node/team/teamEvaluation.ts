import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { buildCocoResults } from '../project/cocoResults.ts';
import {
  compareEvaluations,
  evaluationOf,
  NOTHING_REVIEWED,
  type RunEvaluation,
  type RunInfo,
  sameRunsProblem,
} from '../project/evaluationService.ts';
import type { TeamDb } from './openTeamDb.ts';
import { buildTeamCoco, teamDatasetRows } from './teamExport.ts';
import { teamRunOf } from './teamReview.ts';
import { requireReviewer } from './teamRights.ts';
import { teamRunRepository } from './teamRunRepository.ts';
import { teamReadTransaction } from './teamTransaction.ts';
import type { TeamUser } from './teamUserRepository.ts';

/**
 * A team run's predictions (`runId`, or the latest finished run) against the team's reviewed images: the local
 * evaluation's own code (evaluationOf: the core's pycocotools-exact evaluator) on the GT and results exports
 * built from one snapshot of the team database, so the same data gives the same numbers in either store.
 */
export async function evaluateTeamRun(team: TeamDb, runId?: number): Promise<RunEvaluation> {
  const onlyReviewed = { onlyReviewed: true };
  const read = await teamReadTransaction(team.pool, async (c) => {
    const id = await teamRunOf(
      c,
      runId,
      () => new ApiError('conflict', 'no finished detection run to evaluate yet: run detection first'),
    );
    const rows = await teamDatasetRows(c);
    const hashes = new Map(rows.images.map((im) => [im.id, im.contentHash]));
    return { id, rows, predicted: await teamRunRepository.predictionsOf(c, id, hashes), runs: await teamRuns(c) };
  });
  const gt = buildTeamCoco(read.rows, onlyReviewed).dataset;
  if (!gt.images.length) throw new ApiError('conflict', NOTHING_REVIEWED);
  const results = buildCocoResults(read.rows.images, read.predicted, onlyReviewed);
  return evaluationOf(read.id, gt, results, read.rows.images, read.runs);
}

/** The team's runs as the evaluation lists them: newest first, model file name, settings, predictions stored. */
async function teamRuns(c: Parameters<typeof teamRunRepository.all>[0]): Promise<RunInfo[]> {
  return (await teamRunRepository.all(c)).map((r) => ({
    id: r.id,
    model: path.basename(r.modelPath).replace(/\.onnx$/i, ''),
    settings: { scales: r.settings.scales, flip: r.settings.flip, mode: r.settings.mode },
    status: r.status,
    predictions: r.predictions,
  }));
}

/** The evaluation methods of a team project, a reviewer's or an admin's (they read every reviewed image). */
export function teamEvaluationMethods(team: TeamDb, user: TeamUser): Pick<PoseApi, 'evaluate' | 'compareRuns'> {
  return {
    async evaluate({ runId }) {
      requireReviewer(user, 'evaluating a run');
      const { runId: _run, ...r } = await evaluateTeamRun(team, runId);
      return r;
    },
    async compareRuns({ runA, runB }) {
      requireReviewer(user, 'comparing runs');
      const same = sameRunsProblem(runA, runB);
      if (same) throw same;
      return compareEvaluations(await evaluateTeamRun(team, runA), await evaluateTeamRun(team, runB));
    },
  };
}
