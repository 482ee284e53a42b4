import type { DetectSettings } from '../../contract/apiPayloads.ts';

/** How detection runs the model (scales, flip pass, decoder mode): the contract's type, declared there once. */
export type { DetectSettings };

/** A project's settings until it changes them (PRODUCT.md: single scale + flip; the fast decoder gives the reference
 * decoder's poses): what the app's "Run detection" and `simplepose detect` use on a new project. */
export const DEFAULT_DETECT_SETTINGS: DetectSettings = { scales: [1], flip: true, mode: 'fast' };

/** Largest scale factor accepted (the official evaluation goes up to 3). */
export const MAX_DETECT_SCALE = 4;

/** What is wrong with detection settings from a user or a client (one rule for the CLI and the service), or null. */
export function detectSettingsProblem(settings: DetectSettings, imageTimeLimitSeconds?: number | null): string | null {
  if (settings.scales.length === 0) return 'give at least one scale';
  const bad = settings.scales.find((x) => !(x > 0 && x <= MAX_DETECT_SCALE));
  if (bad !== undefined) return `scales must be numbers in (0, ${MAX_DETECT_SCALE}], got ${bad}`;
  if (imageTimeLimitSeconds != null && !(imageTimeLimitSeconds > 0 && imageTimeLimitSeconds <= 86_400))
    return `the time limit per image must be between 0 and 86400 seconds, got ${imageTimeLimitSeconds}`;
  return null;
}
