import type { ProcessOwner } from '../training/processOwner.ts';
import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `model_comparisons` table (migration 011): each compareModels job — how far it got, who runs it, its result.

export type ComparisonStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface ComparisonRecord {
  id: number;
  trainingId: number;
  status: ComparisonStatus;
  done: number;
  total: number;
  /** The process running it (while `running`). */
  owner: ProcessOwner | null;
  /** Its result as stored (JSON) once done. */
  result: unknown;
  message: string | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Omit<ComparisonRecord, 'owner' | 'result'> & {
  ownerPid: number | null;
  ownerStarted: string | null;
  ownerToken: string | null;
  result: string | null;
};

const COMPARISON = `id, training_id AS trainingId, status, done, total, owner_pid AS ownerPid, owner_started AS ownerStarted,
  owner_token AS ownerToken, result_json AS result, message, created_at AS createdAt, updated_at AS updatedAt`;

const parsed = ({ ownerPid, ownerStarted, ownerToken, result, ...r }: Row): ComparisonRecord => ({
  ...r,
  owner: ownerPid === null ? null : { pid: ownerPid, started: ownerStarted, token: ownerToken ?? '' },
  result: result === null ? null : JSON.parse(result),
});

export class ComparisonRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  create(trainingId: number, total: number, owner: ProcessOwner, now: number): number {
    const r = this.q
      .get(
        `INSERT INTO model_comparisons (training_id, status, total, owner_pid, owner_started, owner_token, created_at, updated_at)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`,
      )
      .run(trainingId, total, owner.pid, owner.started, owner.token, now, now);
    return Number(r.lastInsertRowid);
  }

  get(id: number): ComparisonRecord | undefined {
    const r = this.q.get(`SELECT ${COMPARISON} FROM model_comparisons WHERE id = ?`).get(id) as Row | undefined;
    return r && parsed(r);
  }

  /** Newest first. */
  all(limit = 50): ComparisonRecord[] {
    const rows = this.q.get(`SELECT ${COMPARISON} FROM model_comparisons ORDER BY id DESC LIMIT ?`).all(limit) as Row[];
    return rows.map(parsed);
  }

  progress(id: number, done: number, now: number): void {
    this.q.get('UPDATE model_comparisons SET done = ?, updated_at = ? WHERE id = ?').run(done, now, id);
  }

  /** Its end: done with its result, or stopped with why; no process any more. */
  finish(
    id: number,
    status: ComparisonStatus,
    r: { done: number; result?: unknown; message?: string | null },
    now: number,
  ): void {
    this.q
      .get(
        `UPDATE model_comparisons SET status = ?, done = ?, result_json = ?, message = ?, owner_pid = NULL,
         owner_started = NULL, owner_token = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(status, r.done, r.result === undefined ? null : JSON.stringify(r.result), r.message ?? null, now, id);
  }
}

export const comparisonRepository = perConnection((db) => new ComparisonRepository(db));
