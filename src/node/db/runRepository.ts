import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';

// The `inference_runs` and `predictions` tables (a run and the poses it found): every statement on them is here.

/** Predictions of the content their image has now (migration 009); a photo replaced in place has none until detected. */
const CURRENT = 'FROM predictions p JOIN images i ON i.id = p.image_id WHERE p.content_hash = i.content_hash';

export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';

/** A run: its model, the settings it runs with, its state. */
export interface RunRecord extends DetectSettings {
  id: number;
  modelId: number;
  provider: string | null;
  status: RunStatus;
  finishedAt: number | null;
}

export interface NewRun extends DetectSettings {
  modelId: number;
  provider: string | null;
  now: number;
}

/** As stored: scales as JSON, flip as 0/1. */
type RunRow = Omit<RunRecord, 'scales' | 'flip'> & { scales: string; flip: number };

const RUN = 'id, model_id AS modelId, scales, flip, mode, provider, status, finished_at AS finishedAt';

export class RunRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  get(id: number): RunRecord | undefined {
    const r = this.q.get(`SELECT ${RUN} FROM inference_runs WHERE id = ?`).get(id) as RunRow | undefined;
    return r && { ...r, scales: JSON.parse(r.scales) as number[], flip: r.flip === 1 };
  }

  /** The most recent finished run, or undefined. */
  latestFinished(): number | undefined {
    return this.q.pluck("SELECT id FROM inference_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1").get() as
      | number
      | undefined;
  }

  /** Every run, newest first, with how many predictions it has. */
  all(): (RunRecord & { predictions: number })[] {
    const rows = this.q
      .get(
        `SELECT ${RUN}, (SELECT COUNT(*) FROM predictions p WHERE p.run_id = inference_runs.id) AS predictions FROM inference_runs ORDER BY id DESC`,
      )
      .all() as (RunRow & { predictions: number })[];
    return rows.map((r) => ({ ...r, scales: JSON.parse(r.scales) as number[], flip: r.flip === 1 }));
  }

  /** The most recent run, whatever its state, and how many predictions it has. */
  latest(): { id: number; status: string; provider: string | null; predictions: number } | undefined {
    return this.q
      .get(
        'SELECT r.id, r.status, r.provider, (SELECT COUNT(*) FROM predictions p WHERE p.run_id = r.id) AS predictions FROM inference_runs r ORDER BY r.id DESC LIMIT 1',
      )
      .get() as { id: number; status: string; provider: string | null; predictions: number } | undefined;
  }

  /** The latest run of this model with these settings, whatever its state (detection completes it). */
  withSettings(modelId: number, { scales, flip, mode }: DetectSettings): number | undefined {
    return this.q
      .pluck(
        'SELECT id FROM inference_runs WHERE model_id = ? AND scales = ? AND flip = ? AND mode = ? ORDER BY id DESC LIMIT 1',
      )
      .get(modelId, JSON.stringify(scales), flip ? 1 : 0, mode) as number | undefined;
  }

  create(r: NewRun): number {
    const res = this.q
      .get(
        "INSERT INTO inference_runs (model_id, scales, flip, mode, provider, status, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?)",
      )
      .run(r.modelId, JSON.stringify(r.scales), r.flip ? 1 : 0, r.mode, r.provider, r.now);
    return Number(res.lastInsertRowid);
  }

  markRunning(id: number, provider: string | null): void {
    this.q.get("UPDATE inference_runs SET status = 'running', provider = ? WHERE id = ?").run(provider, id);
  }

  markDone(id: number, now: number): void {
    this.q.get("UPDATE inference_runs SET status = 'done', finished_at = ? WHERE id = ?").run(now, id);
  }

  /** Cancelled; a run that had finished before (and was taking images added since) stays done: it is whole. */
  markCancelled(id: number): void {
    this.q
      .get(
        "UPDATE inference_runs SET status = CASE WHEN finished_at IS NULL THEN 'cancelled' ELSE 'done' END WHERE id = ?",
      )
      .run(id);
  }

  /** Stopped by a failure; a run that had finished before stays done (what it had is whole). */
  markFailed(id: number): void {
    this.q
      .get(
        "UPDATE inference_runs SET status = CASE WHEN finished_at IS NULL THEN 'failed' ELSE 'done' END WHERE id = ?",
      )
      .run(id);
  }

  predictionCount(runId: number): number {
    return this.q.pluck(`SELECT COUNT(*) ${CURRENT} AND p.run_id = ?`).get(runId) as number;
  }

  predictedImageIds(runId: number): Set<number> {
    return new Set(this.q.pluck(`SELECT p.image_id ${CURRENT} AND p.run_id = ?`).all(runId) as number[]);
  }

  /**
   * A run's poses for one image, made from the content `contentHash`; immutable: a second write of the same (run,
   * image, content) is ignored. A prediction of content the image no longer has is replaced.
   */
  addPrediction(runId: number, imageId: number, contentHash: string, poses: Pose[], now: number): void {
    this.q
      .get(
        `INSERT INTO predictions (run_id, image_id, content_hash, poses_json, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, image_id) DO UPDATE SET content_hash = excluded.content_hash,
           poses_json = excluded.poses_json, created_at = excluded.created_at
         WHERE predictions.content_hash IS NOT excluded.content_hash`,
      )
      .run(runId, imageId, contentHash, JSON.stringify(poses), now);
  }

  /** The image's poses from the latest run that has it (of its current content) (by index, migration 003). */
  latestPrediction(imageId: number): { runId: number; poses: Pose[] } | undefined {
    const r = this.q
      .get(
        `SELECT p.run_id AS runId, p.poses_json AS poses ${CURRENT} AND p.image_id = ? ORDER BY p.run_id DESC LIMIT 1`,
      )
      .get(imageId) as { runId: number; poses: string } | undefined;
    return r && { runId: r.runId, poses: JSON.parse(r.poses) as Pose[] };
  }

  /** The image's poses in one run, if that run has it (of the image's current content). */
  prediction(runId: number, imageId: number): { runId: number; poses: Pose[] } | undefined {
    const poses = this.q
      .pluck(`SELECT p.poses_json ${CURRENT} AND p.run_id = ? AND p.image_id = ?`)
      .get(runId, imageId) as string | undefined;
    return poses === undefined ? undefined : { runId, poses: JSON.parse(poses) as Pose[] };
  }

  /** Every pose of a run, by image id (of the images' current content). */
  predictionsOf(runId: number): Map<number, Pose[]> {
    const rows = this.q
      .get(`SELECT p.image_id AS imageId, p.poses_json AS poses ${CURRENT} AND p.run_id = ?`)
      .all(runId) as { imageId: number; poses: string }[];
    return new Map(rows.map((r) => [r.imageId, JSON.parse(r.poses) as Pose[]]));
  }
}

export const runRepository = perConnection((db) => new RunRepository(db));
