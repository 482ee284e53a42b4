import type { ProcessOwner } from '../training/processOwner.ts';
import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `trainings` and `model_scores` tables (migration 010): the project's Train jobs and held-out model scores;
// `trainer_claim` (migration 011): which process's job is the project's trainer now.

export type TrainingStatus = 'running' | 'done' | 'cancelled' | 'failed';

/** What a training was asked for (kept with it: a resume continues with the same). */
export interface TrainingOptions {
  steps: number | null;
  minutes: number | null;
  seed: number;
  valFraction: number;
  /** The network's size: `auto` = the fine-tuned model's; a named size for a new model. */
  config: string;
  inputSize: number;
  batch: number;
  threads: number | null;
}

export interface TrainingRecord {
  id: number;
  status: TrainingStatus;
  baseModel: string | null;
  options: TrainingOptions;
  outDir: string;
  split: { train: string[]; val: string[] } | null;
  step: number;
  steps: number | null;
  pid: number | null;
  modelId: number | null;
  /** The model the trainer finished and exported (project-relative), not registered yet; null before. */
  exported: string | null;
  message: string | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Omit<TrainingRecord, 'options' | 'split'> & { options: string; split: string | null };

const TRAINING = `id, status, base_model AS baseModel, options_json AS options, out_dir AS outDir, split_json AS split,
  step, steps, pid, model_id AS modelId, exported, message, created_at AS createdAt, updated_at AS updatedAt`;

const parsed = (r: Row | undefined): TrainingRecord | undefined =>
  r && { ...r, options: JSON.parse(r.options) as TrainingOptions, split: r.split ? JSON.parse(r.split) : null };

export class TrainingRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  create(t: { baseModel: string | null; options: TrainingOptions; outDir: (id: number) => string; now: number }) {
    const r = this.q
      .get(
        "INSERT INTO trainings (status, base_model, options_json, out_dir, created_at, updated_at) VALUES ('running', ?, ?, '', ?, ?)",
      )
      .run(t.baseModel, JSON.stringify(t.options), t.now, t.now);
    const id = Number(r.lastInsertRowid);
    this.q.get('UPDATE trainings SET out_dir = ? WHERE id = ?').run(t.outDir(id), id);
    return id;
  }

  get(id: number): TrainingRecord | undefined {
    return parsed(this.q.get(`SELECT ${TRAINING} FROM trainings WHERE id = ?`).get(id) as Row | undefined);
  }

  /** Newest first. */
  all(limit = 100): TrainingRecord[] {
    const rows = this.q.get(`SELECT ${TRAINING} FROM trainings ORDER BY id DESC LIMIT ?`).all(limit) as Row[];
    return rows.map((r) => parsed(r)!);
  }

  /** The latest training that did not finish (running — perhaps in a process that is gone —, cancelled, failed). */
  latestUnfinished(): TrainingRecord | undefined {
    return parsed(
      this.q
        .get(`SELECT ${TRAINING} FROM trainings WHERE status != 'done' AND model_id IS NULL ORDER BY id DESC LIMIT 1`)
        .get() as Row | undefined,
    );
  }

  /** The latest finished one (its held-out images are what models are compared on). */
  latestDone(): TrainingRecord | undefined {
    return parsed(
      this.q.get(`SELECT ${TRAINING} FROM trainings WHERE status = 'done' ORDER BY id DESC LIMIT 1`).get() as
        | Row
        | undefined,
    );
  }

  /** Running in process `pid` from now (a resume takes over an interrupted one). */
  claim(id: number, pid: number, now: number): void {
    this.q
      .get("UPDATE trainings SET status = 'running', pid = ?, message = NULL, updated_at = ? WHERE id = ?")
      .run(pid, now, id);
  }

  /** The trainer finished: its exported model (registering it is all that is left); null: it trains again. */
  setExported(id: number, file: string | null, now: number): void {
    this.q.get('UPDATE trainings SET exported = ?, updated_at = ? WHERE id = ?').run(file, now, id);
  }

  setSplit(id: number, split: { train: string[]; val: string[] }, now: number): void {
    this.q.get('UPDATE trainings SET split_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(split), now, id);
  }

  progress(id: number, step: number, steps: number | null, now: number): void {
    this.q
      .get('UPDATE trainings SET step = ?, steps = COALESCE(?, steps), updated_at = ? WHERE id = ?')
      .run(step, steps, now, id);
  }

  /** Its end: done with the model registered, or stopped (cancelled, failed) with why; no process any more. */
  finish(id: number, status: TrainingStatus, r: { modelId?: number | null; message?: string | null }, now: number) {
    this.q
      .get('UPDATE trainings SET status = ?, model_id = ?, message = ?, pid = NULL, updated_at = ? WHERE id = ?')
      .run(status, r.modelId ?? null, r.message ?? null, now, id);
  }

  /** Who claimed the project's trainer last (the caller asks the OS whether it still holds it), or undefined. */
  trainerClaim(): (ProcessOwner & { trainingId: number }) | undefined {
    return this.q
      .get(
        'SELECT training_id AS trainingId, owner_pid AS pid, owner_started AS started, owner_token AS token FROM trainer_claim WHERE id = 1',
      )
      .get() as (ProcessOwner & { trainingId: number }) | undefined;
  }

  /** `owner` is the project's trainer from now, for training `trainingId` (in the transaction that checked it). */
  claimTrainer(trainingId: number, owner: ProcessOwner, now: number): void {
    this.q
      .get(
        'INSERT OR REPLACE INTO trainer_claim (id, training_id, owner_pid, owner_started, owner_token, claimed_at) VALUES (1, ?, ?, ?, ?, ?)',
      )
      .run(trainingId, owner.pid, owner.started, owner.token, now);
  }

  /** The claim of job `token` let go (another's claim stays). */
  releaseTrainer(token: string): void {
    this.q.get('DELETE FROM trainer_claim WHERE owner_token = ?').run(token);
  }

  /** A model's stored held-out score (the ten COCO numbers), or undefined. */
  score(modelId: number, heldOut: string): Record<string, number> | undefined {
    const s = this.q
      .pluck('SELECT stats_json FROM model_scores WHERE model_id = ? AND held_out = ?')
      .get(modelId, heldOut) as string | undefined;
    return s === undefined ? undefined : (JSON.parse(s) as Record<string, number>);
  }

  putScore(modelId: number, heldOut: string, images: number, persons: number, stats: object, now: number): void {
    this.q
      .get(
        `INSERT INTO model_scores (model_id, held_out, images, persons, stats_json, computed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (model_id, held_out) DO UPDATE SET stats_json = excluded.stats_json, computed_at = excluded.computed_at`,
      )
      .run(modelId, heldOut, images, persons, JSON.stringify(stats), now);
  }
}

export const trainingRepository = perConnection((db) => new TrainingRepository(db));
