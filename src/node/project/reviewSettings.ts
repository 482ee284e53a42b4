import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import {
  DEFAULT_PERSON_SCORE_THRESHOLD,
  PERSON_SCORE_THRESHOLD_RANGE as RANGE,
} from '../../core/review/personScoreThreshold.ts';

export interface ReviewSettings {
  /** Predicted persons scored below this are hidden (canvas, counts, "accept predictions"). */
  personScoreThreshold: number;
  /** True while the project uses the app's default (DEFAULT_PERSON_SCORE_THRESHOLD). */
  isDefault: boolean;
}

/** The project's review settings (table review_settings, migration 006; this module is its only reader and writer). */
export function readReviewSettings(db: ProjectDb): ReviewSettings {
  const v = db.prepare('SELECT person_score_threshold FROM review_settings WHERE id = 1').pluck().get() as
    | number
    | null
    | undefined;
  return v === null || v === undefined
    ? { personScoreThreshold: DEFAULT_PERSON_SCORE_THRESHOLD, isDefault: true }
    : { personScoreThreshold: v, isDefault: false };
}

/** Sets the threshold (null: back to the app's default); a value out of range is refused with its reason. */
export function writeReviewSettings(db: ProjectDb, personScoreThreshold: number | null): ReviewSettings {
  const t = personScoreThreshold;
  if (t !== null && !(Number.isFinite(t) && t >= RANGE.min && t <= RANGE.max))
    throw new ApiError(
      'unprocessable',
      `the person score threshold must be a number from ${RANGE.min} to ${RANGE.max} (person scores are below 1, and below 0 for weak persons), got ${t}`,
    );
  writeTransaction(db, 'the score threshold', () =>
    db
      .prepare(
        'INSERT INTO review_settings (id, person_score_threshold) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET person_score_threshold = excluded.person_score_threshold',
      )
      .run(t),
  );
  return readReviewSettings(db);
}
