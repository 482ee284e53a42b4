import type { DecodeInput } from '../codec/decodeCase.ts';
import { fullResMaps, REFERENCE_DEFAULTS, type DecodeOptions, type FullResMaps } from '../codec/decodeReference.ts';
import { FAST_SEED_RATIO } from '../codec/decodeFast.ts';
import type { FullResChannel } from '../codec/fullResChannel.ts';
import { COCO_TO_IMHN } from '../skeleton/poseMeta.ts';

export type CorrectionMode = 'reference' | 'fast';

/**
 * The maps the corrections read for one image: the decoder's own full-resolution channels in image space (pixels,
 * integer = pixel centre), in the decoder mode that produced the predictions — `fast` is also what the heatmap
 * overlay paints (core/codec/fullResChannel.ts, composite kernel) — plus the decode input itself (the raw stride-4
 * maps, for the encoder comparison of label-error scores). Tiles are computed on first read and kept (own arena,
 * so later decodes never recycle them); build one per image and reuse it for every snap, top-k and score.
 */
export interface CorrectionMaps extends FullResMaps {
  input: DecodeInput;
  mode: CorrectionMode;
  options: DecodeOptions;
}

export function correctionMaps(
  input: DecodeInput,
  mode: CorrectionMode = 'fast',
  options: Partial<DecodeOptions> = {},
): CorrectionMaps {
  const o = { ...REFERENCE_DEFAULTS, ...options };
  const maps = fullResMaps(input, o, mode === 'fast' ? { seedRatio: FAST_SEED_RATIO } : null);
  return { ...maps, input, mode, options: o };
}

/** The keypoint channel of COCO joint `cocoIndex` (0..16) at full resolution. */
export function cocoKeypointChannel(maps: FullResMaps, cocoIndex: number): FullResChannel {
  const imhn = COCO_TO_IMHN[cocoIndex];
  if (imhn === undefined) throw new RangeError(`joint index ${cocoIndex} is outside 0..${COCO_TO_IMHN.length - 1}`);
  return maps.heat[imhn];
}
