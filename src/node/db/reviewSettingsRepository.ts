import type { ProjectDb } from './openProjectDb.ts';
import { perConnection, StatementCache } from './statementCache.ts';

// The `review_settings` table (migration 007, one row): every statement on it is here.

export class ReviewSettingsRepository {
  private readonly q: StatementCache;

  constructor(db: ProjectDb) {
    this.q = new StatementCache(db);
  }

  /** The project's person score threshold; null: the app's default (never stored, so it stays one fact). */
  personScoreThreshold(): number | null {
    const v = this.q.pluck('SELECT person_score_threshold FROM review_settings WHERE id = 1').get() as
      | number
      | null
      | undefined;
    return v ?? null;
  }

  /** Sets it (null: back to the default); the row is made when a damaged project lost it. */
  setPersonScoreThreshold(t: number | null): void {
    this.q
      .get(
        'INSERT INTO review_settings (id, person_score_threshold) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET person_score_threshold = excluded.person_score_threshold',
      )
      .run(t);
  }
}

export const reviewSettingsRepository = perConnection((db) => new ReviewSettingsRepository(db));
