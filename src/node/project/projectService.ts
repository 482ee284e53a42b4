import { EventEmitter } from 'node:events';
import { latestFinishedRun } from './latestFinishedRun.ts';
import { projectCacheDir } from './mapCache.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { PoseApi, PoseRequest } from '../../contract/poseApi.ts';
import { AnnotationStore } from './annotationStore.ts';
import { exportCoco, exportResults } from './cocoExchange.ts';
import { importCoco } from './cocoImport.ts';
import { serializeCoco } from '../../core/coco/cocoJson.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { DetectCancelledError, detectSettingsProblem, runDetectJob } from '../jobs/detectJob.ts';
import { thumbnail } from '../images/thumbnails.ts';
import { reviewQueue } from './reviewQueue.ts';
import { imageMapsNpy, imagePredictions } from './imagePredictions.ts';
import { existsSync } from 'node:fs';
import { ApiError, errorCodeOf } from '../../contract/apiErrors.ts';
import { exportTarget, importSource, ProjectFiles, type ExchangePolicy } from '../fs/projectPaths.ts';
import { detectSetupApi } from './detectSetupApi.ts';
import { evaluateRun } from './evaluateRun.ts';
import { startModelImport } from './modelImportJob.ts';
import { ProblemFiles } from './problemFiles.ts';
import { BUNDLED_MODEL_PATH, DEFAULT_PYTHON, PACKAGE_ROOT } from '../inference/bundledModel.ts';

/** A service's refusal with its HTTP-like status; new code throws the contract's ApiError with a code instead. */
export class ServiceError extends ApiError {
  constructor(message: string, status = 400) {
    super(errorCodeOf({ status }), message);
  }
}

/**
 * The project's API (the contract's PoseApi) over its database and folder, for every transport. Long jobs run in
 * the background and report through `events` (jobProgress, jobFinished, annotationChanged).
 */
export interface ProjectServiceOptions {
  /** The app's bundled model: detection uses it while the project names no other (default: resources/models). */
  modelPath?: string;
  /** Which COCO files exportCoco/importCoco (and checkpoints importModel) may name (default: the project folder). */
  exchange?: ExchangePolicy;
  /** Files the folder scan could not read (listProblems reports them). */
  unreadable?: { relPath: string; reason: string }[];
  /** The Python a checkpoint import runs (default SIMPLEPOSE_PYTHON or /usr/bin/python3). */
  python?: string;
  /** The folder holding `training/` (the exporter); default: this checkout. */
  trainingRoot?: string;
}

/** The service plus the binary media every transport serves beside the JSON API. */
export type ProjectService = PoseApi & {
  events: EventEmitter;
  /** The real path of an image's file, refused (403) when it leads outside the project folder. */
  imagePath(imageId: number): string;
  thumbnail(imageId: number): Promise<Buffer>;
  /** Float16 .npy of the overlay maps (see imageMapsNpy); a 404 ServiceError when none are cached. */
  maps(imageId: number): Promise<Uint8Array>;
  /** Cancels every running job (their inference workers are killed) and resolves once they have stopped. */
  shutdown(): Promise<void>;
};

export function createProjectService(db: ProjectDb, root: string, options: ProjectServiceOptions = {}): ProjectService {
  const store = new AnnotationStore(db);
  const files = new ProjectFiles(root);
  const exchange = options.exchange ?? { kind: 'folder', dir: root };
  const ownFiles = () => ({ database: db.name, cacheDir: projectCacheDir(root) });
  const events = new EventEmitter();
  const jobs = new Map<string, { controller: AbortController; finished: Promise<unknown> }>();
  const bundledModel = path.resolve(options.modelPath ?? BUNDLED_MODEL_PATH);
  const python = options.python ?? DEFAULT_PYTHON;
  const setup = detectSetupApi({ db, root, bundledModel, python });
  const problems = new ProblemFiles(options.unreadable ?? []);
  const exists = (imageId: number) => {
    if (!db.prepare('SELECT 1 FROM images WHERE id = ?').get(imageId))
      throw new ServiceError(`no image ${imageId} in this project`, 404);
  };
  const changed = (imageId: number, revision: number) => events.emit('annotationChanged', { imageId, revision });
  return {
    events,
    imagePath(imageId) {
      const row = db.prepare('SELECT rel_path FROM images WHERE id = ?').get(imageId) as
        | { rel_path: string }
        | undefined;
      if (!row) throw new ServiceError(`no image ${imageId} in this project`, 404);
      return files.resolve(row.rel_path);
    },
    async thumbnail(imageId) {
      const row = db.prepare('SELECT rel_path, content_hash FROM images WHERE id = ?').get(imageId) as
        | { rel_path: string; content_hash: string }
        | undefined;
      if (!row) throw new ServiceError(`no image ${imageId} in this project`, 404);
      return thumbnail(files.resolve(row.rel_path), row.content_hash, path.join(projectCacheDir(root), 'thumbs'));
    },
    async projectInfo() {
      const counts = Object.fromEntries(
        (
          db.prepare('SELECT status, COUNT(*) AS n FROM images GROUP BY status').all() as {
            status: string;
            n: number;
          }[]
        ).map((r) => [r.status, r.n]),
      );
      const images = Object.values(counts).reduce((a, b) => a + b, 0);
      const run = db
        .prepare(
          'SELECT r.id, r.status, r.provider, (SELECT COUNT(*) FROM predictions p WHERE p.run_id = r.id) AS n FROM inference_runs r ORDER BY r.id DESC LIMIT 1',
        )
        .get() as { id: number; status: string; provider: string | null; n: number } | undefined;
      const modelPath = setup.resolve().modelPath;
      return {
        root,
        name: path.basename(root),
        images,
        counts,
        model: {
          path: modelPath,
          name: path.basename(modelPath).replace(/\.onnx$/, ''),
          exists: existsSync(modelPath),
        },
        lastRun: run ? { id: run.id, status: run.status, provider: run.provider, predictions: run.n } : null,
      };
    },
    async listImages(r: PoseRequest<'listImages'>) {
      const conds: string[] = [],
        args: (string | number)[] = [];
      if (r.status) {
        conds.push('i.status = ?');
        args.push(r.status);
      }
      if (r.minScore !== undefined) {
        conds.push('s.score >= ?');
        args.push(r.minScore);
      }
      if (r.maxScore !== undefined) {
        conds.push('s.score <= ?');
        args.push(r.maxScore);
      }
      if (r.ids) {
        conds.push(`i.id IN (${r.ids.map(() => '?').join(',') || 'NULL'})`);
        args.push(...r.ids);
      }
      // Mean person score of the image's latest prediction (null: no run yet, or no person found); per row, by index
      // (migration 004 keeps predictions.mean_score).
      const score = '(SELECT p.mean_score FROM predictions p WHERE p.image_id = i.id ORDER BY p.run_id DESC LIMIT 1)';
      const where = conds.length ? `WHERE ${conds.join(' AND ').replaceAll('s.score', score)}` : '';
      const total = db
        .prepare(`SELECT COUNT(*) FROM images i ${where}`)
        .pluck()
        .get(...args) as number;
      const rows = db
        .prepare(
          `SELECT i.id, i.rel_path, i.width, i.height, i.status, i.missing, ${score} AS score FROM images i ${where} ORDER BY ${r.ids ? `instr(',' || ? || ',', ',' || i.id || ','),` : ''} i.sort_key, i.rel_path LIMIT ? OFFSET ?`,
        )
        .all(...args, ...(r.ids ? [r.ids.join(',')] : []), r.limit ?? 500, r.offset ?? 0) as {
        id: number;
        rel_path: string;
        width: number;
        height: number;
        status: 'unreviewed';
        missing: number;
        score: number | null;
      }[];
      return {
        total,
        images: rows.map((x) => ({
          id: x.id,
          relPath: x.rel_path,
          width: x.width,
          height: x.height,
          status: x.status,
          missing: x.missing === 1,
          score: x.score,
        })),
      };
    },
    async getPredictions({ imageId }) {
      exists(imageId);
      return imagePredictions(db, projectCacheDir(root), imageId, setup.currentRun());
    },
    async maps(imageId) {
      exists(imageId);
      const npy = await imageMapsNpy(db, projectCacheDir(root), imageId, setup.currentRun());
      if (!npy) throw new ServiceError(`no cached maps for image ${imageId}: run detection on it first`, 404);
      return npy;
    },
    async getAnnotation({ imageId }) {
      exists(imageId);
      return store.view(imageId);
    },
    // Every save names the revision its steps were made on; a stale `do` is re-based or refused with 409 and the
    // current annotation (AnnotationStore.save). Refusals are ApiErrors with their code, never a bare 500.
    async saveEdits({ imageId, revision, steps }) {
      exists(imageId);
      const r = store.save(imageId, steps, { baseRevision: revision });
      if (r.saved) changed(imageId, r.revision);
      return {
        revision: r.revision,
        cursor: r.cursor,
        length: r.length,
        ...(r.rebased ? { current: store.view(imageId) } : {}),
      };
    },
    async getEditHistory({ imageId, revision, from, to }) {
      exists(imageId);
      if (to < from || to - from >= 200)
        throw new ApiError('bad_request', `entries ${from}..${to}: ask for 1 to 200 consecutive entries`);
      return { entries: store.entries(imageId, revision, from, to) };
    },
    // `ifStatus`: change only from that status (one statement, so a concurrent review is never overwritten).
    async setStatus({ imageId, status, ifStatus }) {
      exists(imageId);
      const sql =
        ifStatus === undefined
          ? 'UPDATE images SET status = ? WHERE id = ?'
          : 'UPDATE images SET status = ? WHERE id = ? AND status = ?';
      db.prepare(sql).run(status, imageId, ...(ifStatus === undefined ? [] : [ifStatus]));
      const now = db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(imageId) as typeof status;
      return { ok: true as const, status: now };
    },
    async startDetect(r) {
      // The project's model and settings unless the request names others: the same ones `simplepose detect` uses.
      const { rerun, imageTimeLimitSeconds } = r;
      const modelPath = r.modelPath ?? setup.resolve().modelPath;
      const settings = r.settings ?? setup.resolve().settings;
      const problem = detectSettingsProblem(settings, imageTimeLimitSeconds);
      if (problem) throw new ServiceError(problem);
      const jobId = randomUUID();
      const controller = new AbortController();
      const finished = runDetectJob(db, {
        modelPath,
        root,
        settings,
        rerun,
        imageTimeLimitMs: imageTimeLimitSeconds === undefined ? undefined : imageTimeLimitSeconds * 1000,
        signal: controller.signal,
        cacheDir: projectCacheDir(root),
        onImage: (im) => {
          problems.detected(im.relPath, 'error' in im ? im.error : null);
          const scores = 'poses' in im ? im.poses.map((x) => x.score) : [];
          events.emit('imageDetected', {
            jobId,
            runId: im.runId,
            imageId: im.imageId,
            persons: scores.length,
            score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
            ...('error' in im ? { error: im.error.slice(0, 10_000) } : {}),
          });
        },
        onProgress: (p) =>
          events.emit('jobProgress', {
            jobId,
            done: p.done,
            total: p.total,
            failed: p.failed,
            imagesPerSecond: p.imagesPerSecond,
            etaSeconds: p.etaSeconds,
          }),
      })
        .then((r) => events.emit('jobFinished', { jobId, status: r.status }))
        .catch((e: Error) =>
          events.emit(
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
    async shutdown() {
      for (const job of jobs.values()) job.controller.abort();
      await Promise.all([...jobs.values()].map((j) => j.finished));
    },
    async exportCoco({ path: requested, onlyReviewed, kind }) {
      const out = exportTarget(requested, exchange, ownFiles());
      if (kind === 'results') {
        const run = latestFinishedRun(db);
        if (run === undefined) throw new ServiceError('no finished inference run to export', 409);
        const results = exportResults(db, run);
        await writeFileAtomic(out, serializeCoco(results));
        return { images: new Set(results.map((x) => x.image_id)).size, annotations: results.length, path: out };
      }
      const gt = exportCoco(db, { onlyReviewed });
      await writeFileAtomic(out, serializeCoco(gt));
      return { images: gt.images.length, annotations: gt.annotations.length, path: out };
    },
    async importCoco({ path: file }) {
      return importCoco(db, importSource(file, exchange), root);
    },
    async reviewQueue({ by, runId, status }) {
      const run = runId ?? latestFinishedRun(db);
      if (run === undefined) throw new ServiceError('no finished inference run yet');
      return { images: await reviewQueue(db, run, by, projectCacheDir(root), status ?? 'unreviewed') };
    },
    async evaluate({ runId }) {
      return evaluateRun(db, runId);
    },
    getDetectSetup: setup.getDetectSetup,
    setDetectSetup: setup.setDetectSetup,
    async importModel(r) {
      const trainingRoot = options.trainingRoot ?? PACKAGE_ROOT;
      return startModelImport({ db, root, exchange, python, trainingRoot, bundledModel, events, jobs }, r);
    },
    async listProblems() {
      return { files: problems.list() };
    },
  };
}
