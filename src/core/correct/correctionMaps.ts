import type { DecodeInput } from '../codec/decodeCase.ts';
import { REFERENCE_DEFAULTS, type DecodeOptions } from '../codec/decodeReference.ts';
import { fullResMaps, type FullResMaps, type FullResMode } from '../codec/fullRes/fullResMaps.ts';
import type { FullResChannel } from '../codec/fullRes/fullResChannel.ts';
import { COCO_TO_IMHN } from '../skeleton/poseMeta.ts';

export type CorrectionMode = FullResMode;

/**
 * The maps the corrections read for one image: the decoder's own full-resolution channels in image space (pixels,
 * integer = pixel centre), in the decoder mode that produced the predictions — `fast` is also what the heatmap
 * overlay paints (the same float32 composite kernel) — plus the decode input itself (the raw stride-4 maps, for the
 * encoder comparison of label-error scores). Tiles are computed on first read and kept; build one per image and
 * reuse it for every snap, top-k and score.
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
  return { ...fullResMaps(input, mode, o), input, mode, options: o };
}

/** The keypoint channel of COCO joint `cocoIndex` (0..16) at full resolution. */
export function cocoKeypointChannel(maps: FullResMaps, cocoIndex: number): FullResChannel {
  const imhn = COCO_TO_IMHN[cocoIndex];
  if (imhn === undefined) throw new RangeError(`joint index ${cocoIndex} is outside 0..${COCO_TO_IMHN.length - 1}`);
  return maps.heat[imhn];
}
