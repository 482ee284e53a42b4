import { randomUUID } from 'node:crypto';
import { ApiError } from '../../contract/apiErrors.ts';
import { DetectCancelledError, runDetectJob } from '../jobs/detectJob.ts';
import { detectSettingsProblem } from '../jobs/detectSettings.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * The service's detection jobs: each runs in the background and reports through events (jobProgress, jobFinished);
 * `cancelJob` kills its inference worker at once and marks the run cancelled; `stopAll` cancels every job and
 * resolves once they have stopped (the service's shutdown).
 */
export function detectionMethods(
  c: ServiceContext,
): Pick<ProjectService, 'startDetect' | 'cancelJob'> & { stopAll(): Promise<void> } {
  const jobs = new Map<string, { controller: AbortController; finished: Promise<unknown> }>();
  return {
    async startDetect({ modelPath, settings, rerun, imageTimeLimitSeconds }) {
      const problem = detectSettingsProblem(settings, imageTimeLimitSeconds);
      if (problem) throw new ApiError('bad_request', problem);
      const jobId = randomUUID();
      const controller = new AbortController();
      const finished = runDetectJob(c.db, {
        modelPath,
        root: c.root,
        settings,
        rerun,
        imageTimeLimitMs: imageTimeLimitSeconds === undefined ? undefined : imageTimeLimitSeconds * 1000,
        signal: controller.signal,
        cacheDir: c.cacheDir,
        onProgress: (p) =>
          c.events.emit('jobProgress', {
            jobId,
            done: p.done,
            total: p.total,
            failed: p.failed,
            imagesPerSecond: p.imagesPerSecond,
            etaSeconds: p.etaSeconds,
          }),
      })
        .then((r) => c.events.emit('jobFinished', { jobId, status: r.status }))
        .catch((e: Error) =>
          c.events.emit(
            'jobFinished',
            e instanceof DetectCancelledError
              ? { jobId, status: 'cancelled' }
              : { jobId, status: 'failed', message: e.message },
          ),
        )
        .finally(() => jobs.delete(jobId));
      jobs.set(jobId, { controller, finished });
      return { jobId };
    },
    async cancelJob({ jobId }) {
      const job = jobs.get(jobId);
      job?.controller.abort(); // kills the job's inference worker at once; the run is marked cancelled
      return { ok: job !== undefined };
    },
    async stopAll() {
      for (const job of jobs.values()) job.controller.abort();
      await Promise.all([...jobs.values()].map((j) => j.finished));
    },
  };
}
