import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';
import type { TeamClient } from './teamTransaction.ts';

// The `team_runs` and `team_predictions` tables: detection runs of the team project and their predictions, one
// row per (run, image) whichever worker stored it first.

export type TeamRunStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface TeamRun {
  id: number;
  modelPath: string;
  modelHash: string;
  settings: DetectSettings;
  status: TeamRunStatus;
  images: number;
}

export interface TeamRunProgress {
  runId: number;
  status: TeamRunStatus;
  total: number;
  done: number;
  failed: number;
}

export const teamRunRepository = {
  async create(
    c: TeamClient,
    r: { modelPath: string; modelHash: string; settings: DetectSettings; images: number; now: number },
  ): Promise<number> {
    const q = await c.query<{ id: string }>(
      `INSERT INTO team_runs (model_path, model_hash, settings_json, images, created_at, status)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 = 0 THEN 'done' ELSE 'running' END) RETURNING id`,
      [r.modelPath, r.modelHash, JSON.stringify(r.settings), r.images, r.now],
    );
    return Number(q.rows[0].id);
  },

  async get(c: TeamClient, id: number): Promise<TeamRun | undefined> {
    const q = await c.query(
      `SELECT id::float8 AS id, model_path AS "modelPath", model_hash AS "modelHash", settings_json, status, images
       FROM team_runs WHERE id = $1`,
      [id],
    );
    const row = q.rows[0];
    if (!row) return undefined;
    const { settings_json, ...rest } = row;
    return { ...rest, settings: JSON.parse(settings_json) as DetectSettings };
  },

  /** Locks the run's row until the caller's transaction ends: the stores of one run, and its cancel, take turns. */
  async lock(c: TeamClient, id: number): Promise<void> {
    await c.query('SELECT id FROM team_runs WHERE id = $1 FOR UPDATE', [id]);
  },

  async status(c: TeamClient, id: number): Promise<TeamRunStatus | undefined> {
    return (await c.query<{ status: TeamRunStatus }>('SELECT status FROM team_runs WHERE id = $1', [id])).rows[0]
      ?.status;
  },

  /** Sets a running run's status (cancelled, failed); returns whether it was running. */
  async finish(c: TeamClient, id: number, status: Exclude<TeamRunStatus, 'running'>, now: number): Promise<boolean> {
    const q = await c.query("UPDATE team_runs SET status = $2, finished_at = $3 WHERE id = $1 AND status = 'running'", [
      id,
      status,
      now,
    ]);
    return (q.rowCount ?? 0) > 0;
  },

  /** Marks a running run done once every one of its images has its row; returns whether this call did. */
  async completeIfDone(c: TeamClient, id: number, now: number): Promise<boolean> {
    const q = await c.query(
      `UPDATE team_runs SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'running'
       AND images <= (SELECT COUNT(*) FROM team_predictions WHERE run_id = $1)`,
      [id, now],
    );
    return (q.rowCount ?? 0) > 0;
  },

  /** Which of `imageIds` already have their row in the run (a retried batch skips them). */
  async predicted(c: TeamClient, runId: number, imageIds: number[]): Promise<Set<number>> {
    const q = await c.query<{ id: number }>(
      'SELECT image_id::float8 AS id FROM team_predictions WHERE run_id = $1 AND image_id = ANY($2::bigint[])',
      [runId, imageIds],
    );
    return new Set(q.rows.map((r) => r.id));
  },

  /**
   * Stores an image's prediction (poses) or failure (error) in the run — once: a second store of the same
   * (run, image), a retried batch's or a worker's that was presumed dead, is a no-op (PRIMARY KEY + ON CONFLICT DO
   * NOTHING). Returns whether this call stored it.
   */
  async store(
    c: TeamClient,
    p: { runId: number; imageId: number; contentHash: string; worker: string; now: number } & (
      | { poses: Pose[] }
      | { error: string }
    ),
  ): Promise<boolean> {
    const poses = 'poses' in p ? p.poses : null;
    const mean = poses?.length ? poses.reduce((s, x) => s + x.score, 0) / poses.length : null;
    const q = await c.query(
      `INSERT INTO team_predictions (run_id, image_id, poses_json, error, content_hash, mean_score, worker, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id, image_id) DO NOTHING`,
      [
        p.runId,
        p.imageId,
        poses ? JSON.stringify(poses) : null,
        'error' in p ? p.error : null,
        p.contentHash,
        mean,
        p.worker,
        p.now,
      ],
    );
    return (q.rowCount ?? 0) > 0;
  },

  async progress(c: TeamClient, runId: number): Promise<TeamRunProgress | undefined> {
    const q = await c.query(
      `SELECT r.status, r.images AS total, COUNT(p.image_id)::int AS done, COUNT(p.error)::int AS failed
       FROM team_runs r LEFT JOIN team_predictions p ON p.run_id = r.id WHERE r.id = $1 GROUP BY r.id`,
      [runId],
    );
    const row = q.rows[0];
    return row && { runId, status: row.status, total: row.total, done: row.done, failed: row.failed };
  },

  /** The latest run's progress; null when there is none. */
  async latest(c: TeamClient): Promise<TeamRunProgress | null> {
    const q = await c.query<{ id: number }>('SELECT id::float8 AS id FROM team_runs ORDER BY id DESC LIMIT 1');
    return q.rows[0] ? ((await teamRunRepository.progress(c, q.rows[0].id)) ?? null) : null;
  },

  /** The latest stored poses of an image (any run; null: none yet). */
  async latestPoses(c: TeamClient, imageId: number): Promise<{ runId: number; poses: Pose[] } | null> {
    const q = await c.query<{ run_id: string; poses_json: string }>(
      `SELECT run_id, poses_json FROM team_predictions WHERE image_id = $1 AND poses_json IS NOT NULL
       ORDER BY run_id DESC LIMIT 1`,
      [imageId],
    );
    const row = q.rows[0];
    return row ? { runId: Number(row.run_id), poses: JSON.parse(row.poses_json) as Pose[] } : null;
  },

  /** Every run, newest first, with its count of stored predictions (failures not counted). */
  async all(c: TeamClient): Promise<(TeamRun & { predictions: number })[]> {
    const q = await c.query(
      `SELECT r.id::float8 AS id, r.model_path AS "modelPath", r.model_hash AS "modelHash", r.settings_json,
         r.status, r.images, COUNT(p.poses_json)::int AS predictions
       FROM team_runs r LEFT JOIN team_predictions p ON p.run_id = r.id GROUP BY r.id ORDER BY r.id DESC`,
    );
    return q.rows.map(({ settings_json, ...rest }) => ({ ...rest, settings: JSON.parse(settings_json) }));
  },

  /** The runs of the model of content `modelHash`, newest first, with their settings. */
  async ofModel(c: TeamClient, modelHash: string): Promise<{ id: number; settings: DetectSettings }[]> {
    const q = await c.query<{ id: number; settings_json: string }>(
      'SELECT id::float8 AS id, settings_json FROM team_runs WHERE model_hash = $1 ORDER BY id DESC',
      [modelHash],
    );
    return q.rows.map((r) => ({ id: r.id, settings: JSON.parse(r.settings_json) as DetectSettings }));
  },

  /** Per image, the content hashes of the files the runs `runIds` predicted for it (failures not counted). */
  async predictedContent(c: TeamClient, runIds: readonly number[]): Promise<Map<number, Set<string>>> {
    const q = await c.query<{ imageId: number; hash: string }>(
      `SELECT DISTINCT image_id::float8 AS "imageId", content_hash AS hash FROM team_predictions
       WHERE run_id = ANY($1::bigint[]) AND poses_json IS NOT NULL`,
      [runIds],
    );
    const byImage = new Map<number, Set<string>>();
    for (const r of q.rows) byImage.set(r.imageId, (byImage.get(r.imageId) ?? new Set()).add(r.hash));
    return byImage;
  },

  /** The latest run that is done (undefined: none). */
  async latestFinished(c: TeamClient): Promise<number | undefined> {
    const q = await c.query<{ id: number }>(
      "SELECT id::float8 AS id FROM team_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1",
    );
    return q.rows[0]?.id;
  },

  /**
   * A run's poses per image, of the images whose file is still the one predicted (`hashes`: image id → its content
   * hash now), as the local project's predictionsOf keeps only current predictions.
   */
  async predictionsOf(c: TeamClient, runId: number, hashes: ReadonlyMap<number, string>): Promise<Map<number, Pose[]>> {
    const q = await c.query<{ imageId: number; hash: string; poses: string }>(
      `SELECT image_id::float8 AS "imageId", content_hash AS hash, poses_json AS poses FROM team_predictions
       WHERE run_id = $1 AND poses_json IS NOT NULL`,
      [runId],
    );
    return new Map(q.rows.filter((r) => hashes.get(r.imageId) === r.hash).map((r) => [r.imageId, JSON.parse(r.poses)]));
  },

  /** Per image its latest detection outcome when that was a failure (a later run's success clears it). */
  async failures(c: TeamClient): Promise<{ imageId: number; error: string }[]> {
    const q = await c.query(
      `SELECT "imageId", error FROM (SELECT DISTINCT ON (image_id) image_id::float8 AS "imageId", error, run_id
         FROM team_predictions ORDER BY image_id, run_id DESC) latest WHERE error IS NOT NULL ORDER BY "imageId"`,
    );
    return q.rows;
  },

  /** Every row of a run: image → worker (tests and the benchmark check exactly-once with it). */
  async rows(c: TeamClient, runId: number): Promise<{ imageId: number; worker: string; error: string | null }[]> {
    const q = await c.query(
      'SELECT image_id::float8 AS "imageId", worker, error FROM team_predictions WHERE run_id = $1 ORDER BY image_id',
      [runId],
    );
    return q.rows;
  },
};
