import { z } from 'zod';
import { PERSON_SCORE_THRESHOLD_RANGE } from '../core/review/personScoreThreshold.ts';

/** A project's review settings as the app reads them (`isDefault`: the threshold is the app's default). */
const ReviewSettings = z.strictObject({ personScoreThreshold: z.number(), isDefault: z.boolean() });

/** The review settings' methods of the contract's table (poseApi.ts). */
export const REVIEW_SETTINGS_API = {
  /** The project's review settings: the person score threshold below which predicted persons are hidden. */
  getReviewSettings: { request: z.strictObject({}), response: ReviewSettings },
  /** Sets the threshold for the project (every window and later session); null: back to the app's default. */
  setReviewSettings: {
    request: z.strictObject({
      personScoreThreshold: z
        .number()
        .min(PERSON_SCORE_THRESHOLD_RANGE.min)
        .max(PERSON_SCORE_THRESHOLD_RANGE.max)
        .nullable(),
    }),
    response: ReviewSettings,
  },
} as const;

export const REVIEW_SETTINGS_EVENTS = {
  /** The project's review settings changed (by another window or, in a team project, another person). */
  reviewSettingsChanged: ReviewSettings,
} as const;
