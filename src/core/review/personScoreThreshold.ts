/**
 * The person score below which the app hides a predicted person by default (a project can change it). The score is
 * the decoder's: 1 − 1/total, total = the summed peak and limb scores of the person's assembled parts
 * (IMHN-REFERENCE §4.5), so it rises with the number of confidently found parts and can be below 0 for a person of
 * one or two weak parts.
 *
 * 0.9 ⇔ total ≥ 10. Chosen on training data only (the bundled model on the person-free photos of coco-mini
 * train2017 and the people of its training mix; docs/BENCHMARKS.md "bundled model"), never on the held-out photos.
 */
export const DEFAULT_PERSON_SCORE_THRESHOLD = 0.9;

/**
 * What a project's threshold may be set to: person scores are below 1 (1 − 1/total, total > 0) and far below 0 for
 * a person of weak parts, so −1000 shows every prediction and 1 hides them all.
 */
export const PERSON_SCORE_THRESHOLD_RANGE = { min: -1000, max: 1 } as const;

/**
 * Why `t` cannot be a project's threshold, or null: the one check of the range (the service refuses with it, the
 * panel says it; the contract's schema and the table's CHECK hold the same bounds). `given`: what the user typed.
 */
export function personScoreThresholdProblem(t: number, given: string = String(t)): string | null {
  const { min, max } = PERSON_SCORE_THRESHOLD_RANGE;
  return Number.isFinite(t) && t >= min && t <= max
    ? null
    : `The person score threshold must be a number from ${min} to ${max} (person scores are below 1, and below 0 for weak persons), got "${given}"`;
}

/** The one line the app shows beside person and joint scores (README "Scores"). */
export const SCORE_EXPLANATION =
  "Scores are the decoder's: a person's is 1 − 1/(sum of its parts' peak and limb scores) — 0.9 means a sum of 10, below 0 a sum under 1; a joint's is its heatmap peak, which can exceed 1.";
