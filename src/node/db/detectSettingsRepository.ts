import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';

// The `detect_settings` table (migration 007): the project's one set of detection settings and the model in use.

export interface StoredDetectSetup {
  settings: DetectSettings;
  /** The registered model in use; null: the app's bundled model. */
  modelId: number | null;
}

export class DetectSettingsRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  /** The stored setup; undefined when the project never changed it (the defaults apply). */
  get(): StoredDetectSetup | undefined {
    const row = this.q.get('SELECT scales, flip, mode, model_id AS modelId FROM detect_settings WHERE id = 1').get() as
      | { scales: string; flip: number; mode: DetectSettings['mode']; modelId: number | null }
      | undefined;
    if (!row) return undefined;
    return {
      settings: { scales: JSON.parse(row.scales) as number[], flip: row.flip === 1, mode: row.mode },
      modelId: row.modelId,
    };
  }

  put({ settings, modelId }: StoredDetectSetup, now: number): void {
    this.q
      .get(
        `INSERT INTO detect_settings (id, scales, flip, mode, model_id, updated_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET scales = excluded.scales, flip = excluded.flip, mode = excluded.mode,
         model_id = excluded.model_id, updated_at = excluded.updated_at`,
      )
      .run(JSON.stringify(settings.scales), settings.flip ? 1 : 0, settings.mode, modelId, now);
  }
}

export const detectSettingsRepository = perConnection((db) => new DetectSettingsRepository(db));
