import { EventEmitter } from 'node:events';
import { latestFinishedRun } from './latestFinishedRun.ts';
import { projectCacheDir } from './mapCache.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { PoseApi, PoseRequest } from '../../contract/poseApi.ts';
import { AnnotationStore } from './annotationStore.ts';
import { cocoImageIds, exportCoco, exportCocoCounted, exportResults, exportScopeProblem } from './cocoExchange.ts';
import { readReviewSettings, writeReviewSettings } from './reviewSettings.ts';
import { importCoco } from './cocoImport.ts';
import { createKeypointEvaluator } from '../../core/eval/cocoEval.ts';
import { serializeCoco } from '../../core/coco/cocoJson.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { DetectCancelledError, detectSettingsProblem, runDetectJob } from '../jobs/detectJob.ts';
import { thumbnail } from '../images/thumbnails.ts';
import { reviewQueue } from './reviewQueue.ts';
import { imageMapsNpy, imagePredictions } from './imagePredictions.ts';
import { existsSync } from 'node:fs';
import { ApiError, errorCodeOf } from '../../contract/apiErrors.ts';
import { exportTarget, importSource, ProjectFiles, type ExchangePolicy } from '../fs/projectPaths.ts';

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
  /** The model detection uses by default (projectInfo reports it; the bundled model in the app). */
  modelPath?: string;
  /** Which COCO files exportCoco/importCoco may name (default: files inside the project folder). */
  exchange?: ExchangePolicy;
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
      const modelPath =
        options.modelPath ??
        (db.prepare('SELECT path FROM models ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined);
      return {
        root,
        name: path.basename(root),
        images,
        counts,
        model: modelPath
          ? { path: modelPath, name: path.basename(modelPath).replace(/\.onnx$/, ''), exists: existsSync(modelPath) }
          : null,
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
      const order = `${r.ids ? `instr(',' || ? || ',', ',' || i.id || ','),` : ''} i.sort_key, i.rel_path`;
      const orderArgs = r.ids ? [r.ids.join(',')] : [];
      // Where an image is in this filtered list (the app resumes at the image it left, whatever the filter).
      const position =
        r.positionOf === undefined
          ? undefined
          : ((db
              .prepare(
                `SELECT pos FROM (SELECT i.id, ROW_NUMBER() OVER (ORDER BY ${order}) - 1 AS pos FROM images i ${where}) WHERE id = ?`,
              )
              .pluck()
              .get(...args, ...orderArgs, r.positionOf) as number | undefined) ?? null);
      const rows = db
        .prepare(
          `SELECT i.id, i.rel_path, i.width, i.height, i.status, i.missing, ${score} AS score FROM images i ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
        )
        .all(...args, ...orderArgs, r.limit ?? 500, r.offset ?? 0) as {
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
        ...(position === undefined ? {} : { position }),
      };
    },
    async getReviewSettings() {
      return readReviewSettings(db);
    },
    async setReviewSettings({ personScoreThreshold }) {
      return writeReviewSettings(db, personScoreThreshold);
    },
    async getPredictions({ imageId }) {
      exists(imageId);
      return imagePredictions(db, projectCacheDir(root), imageId);
    },
    async maps(imageId) {
      exists(imageId);
      const npy = await imageMapsNpy(db, projectCacheDir(root), imageId);
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
      // Viewing never changes a status; an edit starts the review (only from "unreviewed", in one statement).
      if (r.saved)
        db.prepare("UPDATE images SET status = 'in_progress' WHERE id = ? AND status = 'unreviewed'").run(imageId);
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
    async startDetect({ modelPath, settings, rerun, imageTimeLimitSeconds }) {
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
    async exportCoco({ path: requested, onlyReviewed, all, kind }) {
      const scope = { onlyReviewed, all };
      const clash = exportScopeProblem(scope);
      if (clash) throw new ApiError('bad_request', clash);
      const out = exportTarget(requested, exchange, ownFiles());
      if (kind === 'results') {
        const run = latestFinishedRun(db);
        if (run === undefined) throw new ServiceError('no finished inference run to export', 409);
        const results = exportResults(db, run, scope);
        await writeFileAtomic(out, serializeCoco(results));
        return { images: new Set(results.map((x) => x.image_id)).size, annotations: results.length, path: out };
      }
      const { dataset: gt, emptyPersons } = exportCocoCounted(db, scope);
      await writeFileAtomic(out, serializeCoco(gt));
      return { images: gt.images.length, annotations: gt.annotations.length, path: out, emptyPersons };
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
      const run = runId ?? latestFinishedRun(db);
      if (run === undefined) throw new ServiceError('no finished inference run to evaluate');
      const gt = exportCoco(db, { onlyReviewed: true });
      if (!gt.images.length) throw new ServiceError('no reviewed images yet');
      const ids = new Set(gt.images.map((i) => i.id));
      const evaluator = createKeypointEvaluator(
        gt,
        exportResults(db, run).filter((x) => ids.has(x.image_id)),
      );
      const cocoToRow = new Map([...cocoImageIds(db)].map(([row, coco]) => [coco, row]));
      const perImage = gt.images.map((im) => {
        const st = evaluator.stats([im.id]);
        return { imageId: cocoToRow.get(im.id)!, AP: st.AP, AR: st.AR };
      });
      return { overall: evaluator.stats([...ids]), images: gt.images.length, perImage };
    },
  };
}
