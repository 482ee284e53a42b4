import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `models` table: each model a project ran, once per content hash.

export class ModelRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  /** The model's row id, recorded on first use (by content hash: the same bytes under another path are one model). */
  record(modelPath: string, contentHash: string, cardJson: string, now: number): number {
    const id = this.q.pluck('SELECT id FROM models WHERE content_hash = ?').get(contentHash) as number | undefined;
    if (id !== undefined) return id;
    const r = this.q
      .get('INSERT INTO models (path, content_hash, card_json, added_at) VALUES (?, ?, ?, ?)')
      .run(modelPath, contentHash, cardJson, now);
    return Number(r.lastInsertRowid);
  }

  hashOf(id: number): string | undefined {
    return this.q.pluck('SELECT content_hash FROM models WHERE id = ?').get(id) as string | undefined;
  }

  /** The path of the model recorded last, if any. */
  latestPath(): string | undefined {
    return this.q.pluck('SELECT path FROM models ORDER BY id DESC LIMIT 1').get() as string | undefined;
  }
}

export const modelRepository = perConnection((db) => new ModelRepository(db));
