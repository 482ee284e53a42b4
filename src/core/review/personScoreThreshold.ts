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
