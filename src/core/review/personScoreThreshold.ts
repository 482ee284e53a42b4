/**
 * The person score below which the app hides a predicted person by default (a project can change it). The score is
 * the decoder's: 1 − 1/total, total = the summed peak and limb scores of the person's assembled parts
 * (IMHN-REFERENCE §4.5), so it rises with the number of confidently found parts and can be below 0 for a person of
 * one or two weak parts.
 *
 * 0.9 ⇔ total ≥ 10. What was measured (the bundled model, scale 1 + flip, `npm run bench:model -- --thresholds`,
 * docs/BENCHMARKS.md "The default person-score threshold"), on training data only, never on the held-out photos:
 * on the first 100 images of its synthetic training set AP is 0.148 at every threshold up to 0.85 and 0.147 at 0.9,
 * then 0.117 at 0.95 and 0 at 0.97 (no person scores that high); on the 44 person-free photos of coco-mini
 * train2017 it shows 25.5 persons per photo at 0.9, 3.5 at 0.95, none at 0.97, and its AP there is 0.000 at every
 * threshold. So 0.9 is the highest threshold of the grid 0.5–0.99 that costs the model's own people nothing; no
 * threshold makes this model quiet on photos without hiding the people it does find.
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
