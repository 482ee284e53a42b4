import type { ProjectDb } from '../db/openProjectDb.ts';
import { runRepository } from '../db/runRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';

/**
 * The run a results export, an evaluation or a review queue is about: the one asked for, which must exist, or else
 * the latest finished one; `none` is the refusal when there is no finished run (its message says what for).
 */
export function chooseRun(db: ProjectDb, runId: number | undefined, none: () => ApiError): number {
  const runs = runRepository(db);
  if (runId !== undefined) {
    if (!runs.get(runId)) throw new ApiError('not_found', `no run ${runId} in this project`);
    return runId;
  }
  const latest = runs.latestFinished();
  if (latest === undefined) throw none();
  return latest;
}
