import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import {
  InferenceCancelledError,
  InferenceCrashError,
  MAX_CONSECUTIVE_CRASHES,
  PIPELINE_DEPTH,
  PoseEngine,
} from '../inference/poseEngine.ts';
import type { InferResult } from '../inference/inferImage.ts';
import { ModelLoadError, modelFileProblem } from '../inference/poseModel.ts';
import type { ProviderName } from '../inference/executionProviders.ts';
import { MapCache, mapCacheKey } from '../project/mapCache.ts';
import { imageRepository, type ImageRecord } from '../db/imageRepository.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import type { DetectSettings } from './detectSettings.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';

export { type DetectSettings, detectSettingsProblem, MAX_DETECT_SCALE } from './detectSettings.ts';

export interface DetectProgress {
  runId: number;
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  lastImage?: string;
}

export interface DetectOptions {
  modelPath: string;
  settings: DetectSettings;
  provider?: ProviderName;
  root: string;
  cacheDir?: string;
  onProgress?: (p: DetectProgress) => void;
  /** Aborting stops the image in flight at once (its worker is killed) and marks the run cancelled. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Start a new run over every present image, instead of completing this model's run with these settings. */
  rerun?: boolean;
  /** Each image's time limit (ms; null: none; default DEFAULT_IMAGE_TIME_LIMIT_MS): past it the image fails alone. */
  imageTimeLimitMs?: number | null;
  /** An engine already started on `modelPath` (the CLI checks the model before it creates the project); closed here. */
  engine?: PoseEngine;
  /** Each image as soon as its prediction is stored (or why it failed): the app shows it at once. */
  onImage?: (r: ImageOutcome) => void;
}

/** Images the job has asked the engine for and not stored yet: those in the worker, and one queued behind them. */
const INFER_AHEAD = PIPELINE_DEPTH + 1;

/** After this many images in a row on which the worker died (or could not be started again), the job stops. */
export const MAX_CONSECUTIVE_WORKER_FAILURES = MAX_CONSECUTIVE_CRASHES;

/** The job stopped: the inference worker kept dying (its run is marked failed; what it stored is kept). */
export class DetectFailedError extends Error {
  override name = 'DetectFailedError';
}

/** One image of a run: its poses once stored, or why it has none. */
export type ImageOutcome = { runId: number; imageId: number; relPath: string } & (
  | { poses: Pose[] }
  | { error: string }
);

/** The job was cancelled before its model had loaded: there is no run to report. */
export class DetectCancelledError extends Error {
  override name = 'DetectCancelledError';
}

type Job = {
  db: ProjectDb;
  o: DetectOptions;
  engine: PoseEngine;
  runId: number;
  modelHash: string;
  files: ProjectFiles;
};

/**
 * Runs a model over the project's present images that have no prediction in its run yet. The run is the latest one
 * with the same model and settings, whatever its state: interrupted runs resume, and a finished run only takes the
 * images added since; `rerun` starts a new run over everything. Each image's maps are written to the cache first,
 * then its poses and the cache entry are committed in one transaction keyed (run, image): a crash at any moment
 * loses at most the image in flight, never duplicates one, and never leaves a prediction without its maps.
 */
export async function runDetectJob(
  db: ProjectDb,
  o: DetectOptions,
): Promise<DetectProgress & { status: 'done' | 'cancelled' }> {
  let engine = o.engine;
  let modelHash: string;
  try {
    modelHash = await hashModelFile(o.modelPath);
    engine ??= await PoseEngine.start(o.modelPath, {
      provider: o.provider,
      log: o.log,
      signal: o.signal,
      imageTimeLimitMs: o.imageTimeLimitMs,
    });
  } catch (e) {
    await engine?.stop();
    if (e instanceof InferenceCancelledError) throw new DetectCancelledError('detection was cancelled');
    throw e;
  }
  const started = engine;
  const onAbort = () => void started.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  let completed = false;
  try {
    const runId = openRun(db, started, modelHash, o);
    const result = await detectImages({ db, o, engine: started, runId, modelHash, files: new ProjectFiles(o.root) });
    completed = result.status === 'done';
    return result;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    // a job that stopped early drops the images it had sent ahead (they would be computed for nothing)
    if (o.signal?.aborted || !completed) await started.stop();
    else await started.close();
  }
}

/** The present images without a prediction in the run (every present image when there is no run yet). */
export function imagesToDetect(
  db: ProjectDb,
  runId: number | undefined,
): Pick<ImageRecord, 'id' | 'relPath' | 'contentHash'>[] {
  const done = runId === undefined ? new Set<number>() : runRepository(db).predictedImageIds(runId);
  return imageRepository(db)
    .present()
    .filter((im) => !done.has(im.id));
}

async function detectImages(job: Job): Promise<DetectProgress & { status: 'done' | 'cancelled' }> {
  const { db, o, runId } = job;
  const runs = runRepository(db);
  const todo = imagesToDetect(db, runId);
  const already = runs.predictionCount(runId);
  const cache = o.cacheDir ? new MapCache(db, o.cacheDir) : null;
  await cache?.removeStaleTempFiles();
  const progress: DetectProgress = {
    runId,
    done: already,
    total: already + todo.length,
    failed: 0,
    imagesPerSecond: 0,
    etaSeconds: null,
  };
  const t0 = performance.now();
  let sinceStart = 0;
  let workerFailures: string[] = [];
  // Images are sent to the engine ahead of the one being stored (one more than the worker holds, so the engine
  // sends the next as soon as one is answered): its maps are written and committed here while the worker runs the
  // next ones. Only `INFER_AHEAD` results are held at a time.
  const inferring: (Promise<Inferred> | undefined)[] = [];
  let sent = 0;
  for (let i = 0; i < todo.length; i++) {
    for (; sent < Math.min(todo.length, i + INFER_AHEAD) && !o.signal?.aborted; sent++)
      inferring[sent] = inferOne(job, cache, todo[sent]);
    const inferred = o.signal?.aborted ? 'cancelled' : await inferring[i]!;
    inferring[i] = undefined;
    const im = todo[i];
    const outcome =
      inferred === 'cancelled' || o.signal?.aborted ? 'cancelled' : await storeOne(job, cache, im, inferred);
    if (outcome === 'cancelled') {
      writeTransaction(db, 'cancelling detection', () => runs.markCancelled(runId));
      return { ...progress, status: 'cancelled' };
    }
    progress.lastImage = im.relPath;
    if (outcome === 'done') {
      sinceStart++;
      progress.done++;
      workerFailures = [];
    } else {
      progress.failed++;
      workerFailures = outcome.worker ? [...workerFailures, `${im.relPath}: ${outcome.message}`] : [];
    }
    progress.imagesPerSecond = sinceStart / ((performance.now() - t0) / 1000);
    progress.etaSeconds =
      sinceStart > 0 ? (progress.total - progress.done - progress.failed) / progress.imagesPerSecond : null;
    o.onProgress?.({ ...progress }); // after a failed image too: a failure on the last image is reported
    if (workerFailures.length >= MAX_CONSECUTIVE_WORKER_FAILURES) {
      writeTransaction(db, 'stopping detection', () => runs.markFailed(runId));
      throw new DetectFailedError(
        `detection stopped: the inference worker failed on ${workerFailures.length} images in a row (${workerFailures.join('; ')}); ${progress.done} images were predicted and kept. Check the model and the machine's memory, then run detection again to continue`,
      );
    }
  }
  writeTransaction(db, 'finishing detection', () => runs.markDone(runId, Date.now()));
  return { ...progress, etaSeconds: 0, status: 'done' };
}

/** An image that failed, why, and whether the worker (not the image) failed. */
type Failure = { message: string; worker: boolean };

/** What the engine gave for an image: its result, a failure, or the job was cancelled. Never rejects. */
type Inferred = InferResult | 'cancelled' | Failure;

async function inferOne(
  { o, engine, files, modelHash }: Job,
  cache: MapCache | null,
  im: { id: number; relPath: string; contentHash: string },
): Promise<Inferred> {
  try {
    // the worker writes the maps into the cache folder itself (they never cross to this process)
    const key = MapCache.keyOf(mapCacheKey(im.contentHash, { modelHash, ...o.settings }));
    const mapsTo = cache ? { dir: cache.folder, key } : undefined;
    // every image read goes through the project's resolver: a link out of the project fails its image
    return await engine.infer(files.resolve(im.relPath), im.id, o.settings, mapsTo);
  } catch (e) {
    if (o.signal?.aborted || e instanceof InferenceCancelledError) return 'cancelled';
    const message = (e as Error).message;
    // the worker died with the image, or a fresh one could not load the model: not this image's fault alone
    return { message, worker: e instanceof InferenceCrashError || e instanceof ModelLoadError };
  }
}

/** One image's result, its maps written by the worker: commit poses + cache entry together. */
async function storeOne(
  { db, o, runId, modelHash }: Job,
  cache: MapCache | null,
  im: { id: number; relPath: string; contentHash: string },
  r: InferResult | Failure,
): Promise<'done' | Failure> {
  if (!('poses' in r)) {
    // reported here, in the order of the images, not when the engine answered (it runs ahead of the store)
    o.log?.(`${im.relPath}: ${r.message}`);
    o.onImage?.({ runId, imageId: im.id, relPath: im.relPath, error: r.message });
    return r;
  }
  try {
    const key = mapCacheKey(im.contentHash, { modelHash, scales: o.settings.scales, flip: o.settings.flip });
    const written = !cache
      ? null
      : r.storedMaps
        ? cache.written(key, r.storedMaps)
        : await cache.write(key, { image: { width: r.width, height: r.height }, passes: r.passes });
    writeTransaction(db, `storing the prediction of ${im.relPath}`, () => {
      if (written) cache!.record(written);
      runRepository(db).addPrediction(runId, im.id, im.contentHash, r.poses, Date.now());
    });
  } catch (e) {
    const message = `not stored (${(e as Error).message})`;
    o.log?.(`${im.relPath}: ${message}`);
    o.onImage?.({ runId, imageId: im.id, relPath: im.relPath, error: message });
    return { message, worker: false };
  }
  o.onImage?.({ runId, imageId: im.id, relPath: im.relPath, poses: r.poses });
  await cache?.evict();
  return 'done';
}

/** The run this job completes (see runDetectJob), marked running; its model recorded once by content hash. */
function openRun(db: ProjectDb, engine: PoseEngine, modelHash: string, o: DetectOptions): number {
  // One IMMEDIATE transaction: two detections started at once find (or make) the same model row and run.
  return writeTransaction(db, 'starting detection', () => {
    const runs = runRepository(db);
    const modelId = modelRepository(db).record(o.modelPath, modelHash, JSON.stringify(engine.card), Date.now());
    const run = o.rerun ? undefined : runs.withSettings(modelId, o.settings);
    if (run !== undefined) {
      runs.markRunning(run, engine.provider);
      o.log?.(`continuing run ${run}`);
      return run;
    }
    return runs.create({ ...o.settings, modelId, provider: engine.provider, now: Date.now() });
  });
}

/** SHA-256 of the model file, streamed; a missing, empty or folder path is a ModelLoadError saying so. */
export async function hashModelFile(modelPath: string): Promise<string> {
  const problem = modelFileProblem(modelPath);
  if (problem) throw new ModelLoadError(problem);
  return new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(modelPath)
      .on('data', (d) => h.update(d))
      .on('error', (e) => reject(new ModelLoadError(`${modelPath}: cannot read the model (${e.message})`)))
      .on('end', () => resolve(h.digest('hex')));
  });
}
