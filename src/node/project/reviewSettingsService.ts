import type { ProjectDb } from '../db/openProjectDb.ts';
import { reviewSettingsRepository } from '../db/reviewSettingsRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { DEFAULT_PERSON_SCORE_THRESHOLD, personScoreThresholdProblem } from '../../core/review/personScoreThreshold.ts';
import type { PoseResponse } from '../../contract/poseApi.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * `personScoreThreshold`: predicted persons scored below it are hidden (canvas, counts, "accept predictions");
 * `isDefault`: the project uses the app's default (DEFAULT_PERSON_SCORE_THRESHOLD). The contract's shape.
 */
export type ReviewSettings = PoseResponse<'getReviewSettings'>;

/** The project's review settings: its stored threshold, or the app's default. */
export function readReviewSettings(db: ProjectDb): ReviewSettings {
  return reviewSettingsOf(reviewSettingsRepository(db).personScoreThreshold());
}

/** The settings a stored threshold means (null: none stored, the app's default), whatever store keeps it. */
export function reviewSettingsOf(stored: number | null): ReviewSettings {
  return stored === null
    ? { personScoreThreshold: DEFAULT_PERSON_SCORE_THRESHOLD, isDefault: true }
    : { personScoreThreshold: stored, isDefault: false };
}

/** A threshold to store (null: back to the default), or the 422 that says why it cannot be. */
export function checkedThreshold(t: number | null): number | null {
  const problem = t === null ? null : personScoreThresholdProblem(t);
  if (problem) throw new ApiError('unprocessable', problem);
  return t;
}

/** Sets the threshold (null: back to the app's default); a value out of range is refused with its reason. */
export function writeReviewSettings(db: ProjectDb, personScoreThreshold: number | null): ReviewSettings {
  const t = checkedThreshold(personScoreThreshold);
  writeTransaction(db, 'the score threshold', () => reviewSettingsRepository(db).setPersonScoreThreshold(t));
  return readReviewSettings(db);
}

/** The service's review settings (one per project, kept in its database: every window and session sees them). */
export function reviewSettingsMethods(
  c: ServiceContext,
): Pick<ProjectService, 'getReviewSettings' | 'setReviewSettings'> {
  return {
    async getReviewSettings() {
      return readReviewSettings(c.db);
    },
    async setReviewSettings({ personScoreThreshold }) {
      const settings = writeReviewSettings(c.db, personScoreThreshold);
      c.events.emit('reviewSettingsChanged', settings);
      return settings;
    },
  };
}
