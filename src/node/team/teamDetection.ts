import type PgBoss from 'pg-boss';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import { detectSettingsProblem, type DetectSettings } from '../jobs/detectSettings.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import type { TeamDb } from './openTeamDb.ts';
import { queueBatches, type QueueTimings } from './detectQueue.ts';
import { imagesLacking } from './teamDetectSetup.ts';
import { notifyTeam } from './teamEvents.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamRunRepository, type TeamRunProgress } from './teamRunRepository.ts';
import { teamWriteTransaction } from './teamTransaction.ts';

export interface TeamDetectOptions {
  /** The model every worker runs: a path all of them can read (the shared folder), checked by content hash. */
  modelPath: string;
  settings: DetectSettings;
  /** Images per job (a worker claims one batch at a time). */
  batchSize: number;
  timings: QueueTimings;
  /**
   * Only the images without a prediction of their current file in any of these runs (newest first; default: every
   * image); when none lacks one, no run is made and the id is the first of them.
   */
  lacking?: readonly number[];
}

/**
 * Starts a detection run of the team project: the run row and one queue job per batch of images, in one
 * transaction (a run is never without its jobs). Workers anywhere then claim the batches. Returns the run's id.
 */
export async function startTeamDetection(team: TeamDb, boss: PgBoss, o: TeamDetectOptions): Promise<number> {
  const problem = detectSettingsProblem(o.settings);
  if (problem) throw new ApiError('bad_request', problem);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 1000)
    throw new ApiError('bad_request', `the batch size must be a whole number from 1 to 1000, not ${o.batchSize}`);
  const modelPath = path.resolve(o.modelPath);
  const modelHash = await hashModelFile(modelPath);
  return teamWriteTransaction(team.pool, 'starting detection', async (c) => {
    const images = o.lacking ? await imagesLacking(c, o.lacking) : await teamImageRepository.detectable(c);
    if (o.lacking?.length && images.length === 0) return o.lacking[0]; // nothing lacking: their latest run
    const runId = await teamRunRepository.create(c, {
      modelPath,
      modelHash,
      settings: o.settings,
      images: images.length,
      now: Date.now(),
    });
    const batches = [];
    for (let i = 0; i < images.length; i += o.batchSize)
      batches.push({ runId, imageIds: images.slice(i, i + o.batchSize).map((im) => im.id) });
    await queueBatches(boss, c, batches, o.timings);
    return runId;
  });
}

/**
 * Cancels a run: marked cancelled (every worker checks before each image and drops the rest of its batch; those
 * listening stop the image in flight) and announced. What was stored stays. Returns whether it was running.
 */
export async function cancelTeamRun(team: TeamDb, runId: number): Promise<boolean> {
  return teamWriteTransaction(team.pool, 'cancelling detection', async (c) => {
    const was = await teamRunRepository.finish(c, runId, 'cancelled', Date.now());
    const p = await teamRunRepository.progress(c, runId);
    if (!p) throw new ApiError('not_found', `no detection run ${runId} in this team project`);
    await notifyTeam(c, { kind: 'progress', ...p });
    return was;
  });
}

export async function teamRunProgress(team: TeamDb, runId: number): Promise<TeamRunProgress> {
  const p = await teamRunRepository.progress(team.pool, runId);
  if (!p) throw new ApiError('not_found', `no detection run ${runId} in this team project`);
  return p;
}
