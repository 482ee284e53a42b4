import { randomUUID } from 'node:crypto';
import { requestedModelPath } from './detectSetup.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { DetectCancelledError, runDetectJob, type ImageOutcome } from '../jobs/detectJob.ts';
import { detectSettingsProblem } from '../jobs/detectSettings.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * The service's detection jobs: each runs in the background — with the project's model and settings unless the
 * request names others, the same ones `simplepose detect` uses — and reports through events (jobProgress,
 * imageDetected as each image's prediction is stored, jobFinished); `cancelJob` kills its inference worker at once
 * and marks the run cancelled (it stops a checkpoint import too: both are in the service's job table).
 */
export function detectionMethods(c: ServiceContext): Pick<ProjectService, 'startDetect' | 'cancelJob'> {
  return {
    async startDetect(r) {
      const { rerun, imageTimeLimitSeconds } = r;
      const settings = r.settings ?? c.setup.resolve().settings;
      const problem = detectSettingsProblem(settings, imageTimeLimitSeconds);
      if (problem) throw new ApiError('bad_request', problem);
      // a model named by the request is confined as exchange files are; the project's own is trusted
      const modelPath =
        r.modelPath === undefined
          ? c.setup.resolve().modelPath
          : requestedModelPath(r.modelPath, c.exchange, c.root, c.setup.bundledModel);
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
        onImage: (im) => imageDone(c, jobId, im),
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
        .finally(() => c.jobs.delete(jobId));
      c.jobs.set(jobId, { controller, finished });
      return { jobId };
    },
    async cancelJob({ jobId }) {
      const job = c.jobs.get(jobId);
      job?.controller.abort(); // kills the job's inference worker (or exporter) at once; a run is marked cancelled
      return { ok: job !== undefined };
    },
  };
}

/** An image of the run is done: its failure (or its success, which clears one) listed, and the app told at once. */
function imageDone(c: ServiceContext, jobId: string, im: ImageOutcome): void {
  c.problems.detected(im.relPath, 'error' in im ? im.error : null);
  const scores = 'poses' in im ? im.poses.map((x) => x.score) : [];
  c.events.emit('imageDetected', {
    jobId,
    runId: im.runId,
    imageId: im.imageId,
    persons: scores.length,
    score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    ...('error' in im ? { error: im.error.slice(0, 10_000) } : {}),
  });
}
