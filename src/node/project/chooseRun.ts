import type { ProjectDb } from '../db/openProjectDb.ts';
import { runRepository } from '../db/runRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';

/**
 * The run a results export, an evaluation or a review queue is about: the one asked for, which must exist, or else
 * the latest finished one; `none` is the refusal when there is no finished run (its message says what for).
 */
export function chooseRun(db: ProjectDb, runId: number | undefined, none: () => ApiError): number {
  const runs = runRepository(db);
  return chosenRun(runId, runId !== undefined && runs.get(runId) !== undefined, runs.latestFinished(), none);
}

/**
 * chooseRun's rule on facts either store read: `exists` whether run `runId` exists, `latestFinished` the latest
 * finished run (undefined: none).
 */
export function chosenRun(
  runId: number | undefined,
  exists: boolean,
  latestFinished: number | undefined,
  none: () => ApiError,
): number {
  if (runId !== undefined) {
    if (!exists) throw new ApiError('not_found', `no run ${runId} in this project`);
    return runId;
  }
  if (latestFinished === undefined) throw none();
  return latestFinished;
}
