import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `models` table: each model a project ran, once per content hash, and the models registered in the project
// (an imported checkpoint's export, an ONNX file chosen in Settings: migration 007).

export interface ModelRecord {
  id: number;
  /** Absolute, or relative to the project folder for a model kept inside it (the folder may move). */
  path: string;
  contentHash: string;
  cardJson: string;
  /** When it was registered (listed in Settings); null: only recorded by a run. */
  registeredAt: number | null;
  /** The card file as written (training facts, accuracy); null when it had none or was only recorded by a run. */
  rawCardJson: string | null;
}

const MODEL =
  'id, path, content_hash AS contentHash, card_json AS cardJson, registered_at AS registeredAt, raw_card_json AS rawCardJson';

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

  /** Lists a recorded model in the project under `modelPath` with its card as written (registered once: kept). */
  register(id: number, modelPath: string, rawCardJson: string | null, now: number): void {
    this.q
      .get('UPDATE models SET path = ?, raw_card_json = ?, registered_at = COALESCE(registered_at, ?) WHERE id = ?')
      .run(modelPath, rawCardJson, now, id);
  }

  get(id: number): ModelRecord | undefined {
    return this.q.get(`SELECT ${MODEL} FROM models WHERE id = ?`).get(id) as ModelRecord | undefined;
  }

  /** The newest row recorded under a model path (the bundled model: its path is the app's). */
  byPath(modelPath: string): ModelRecord | undefined {
    return this.q.get(`SELECT ${MODEL} FROM models WHERE path = ? ORDER BY id DESC LIMIT 1`).get(modelPath) as
      | ModelRecord
      | undefined;
  }

  /** The models registered in the project, in the order they were registered. */
  registered(): ModelRecord[] {
    return this.q
      .get(`SELECT ${MODEL} FROM models WHERE registered_at IS NOT NULL ORDER BY registered_at, id`)
      .all() as ModelRecord[];
  }

  hashOf(id: number): string | undefined {
    return this.q.pluck('SELECT content_hash FROM models WHERE id = ?').get(id) as string | undefined;
  }
}

export const modelRepository = perConnection((db) => new ModelRepository(db));
