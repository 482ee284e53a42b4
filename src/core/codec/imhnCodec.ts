import { CHANNELS, IMHN_META } from '../skeleton/poseMeta.ts';
import type { DecodeInput } from './decodeCase.ts';
import { decodeFast } from './decodeFast.ts';
import { decodeReference, type DecodeOutput } from './decodeReference.ts';
import { encodeTargets } from './encodeTargets.ts';
import { DECODE_MODES, type DecodeMode } from './decodeMode.ts';

export { DECODE_MODES, isDecodeMode, type DecodeMode } from './decodeMode.ts';

/**
 * The IMHN codec as one object, as mmpose's codecs are: the meta that drives both sides (keypoints, limbs, flip
 * orders, stride), the channel layout of the 50 maps, `encode` (GT targets, [50, gridH, gridW] float32, from persons
 * in network-input pixels) and `decode` (maps of each pass → peaks, limbs, persons and COCO results in image pixels)
 * in the mode asked for.
 */
export const imhnCodec = {
  meta: IMHN_META,
  channels: CHANNELS,
  encode: encodeTargets,
  decode(input: DecodeInput, mode: DecodeMode): DecodeOutput {
    if (mode === 'reference') return decodeReference(input);
    if (mode === 'fast') return decodeFast(input);
    throw new RangeError(`decode mode must be ${DECODE_MODES.join(' or ')}, got ${JSON.stringify(mode)}`);
  },
} as const;
export type ImhnCodec = typeof imhnCodec;
