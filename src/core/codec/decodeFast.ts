import { decodeMaps, REFERENCE_DEFAULTS, type DecodeOptions, type DecodeOutput } from './decodeReference.ts';
import type { DecodeInput } from './decodeCase.ts';

/** Stride-4 cells below this fraction of thre1 do not open a tile (fast mode's screen). */
export const FAST_SEED_RATIO = 0.8;

/**
 * `fast` mode: the same assignment as `reference` on the same full-resolution function, without its cost:
 * tiles are opened only around stride-4 cells ≥ 0.8·thre1 (no bounds), their values come from the composite
 * cubic kernel in float64 (≈9 operations per pixel instead of OpenCV's float32 chain), and limb samples evaluate
 * that kernel at single pixels. Differences from `reference`: float rounding (≈1e-6) and peaks whose stride-4
 * neighbourhood stays below the seed threshold.
 */
export function decodeFast(input: DecodeInput, options: Partial<DecodeOptions> = {}): DecodeOutput {
  return decodeMaps(input, { ...REFERENCE_DEFAULTS, ...options }, { seedRatio: FAST_SEED_RATIO });
}
