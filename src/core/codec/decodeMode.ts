// Kept apart from imhnCodec.ts so that the contract (and so the renderer) can name the modes without the decoder.

/**
 * The decoder's two modes: `reference` = the official post-network chain (decodeReference.ts), `fast` = the same
 * assignment on a screened float32 evaluation (decodeFast.ts). The contract's detection settings list these.
 */
export const DECODE_MODES = ['reference', 'fast'] as const;
export type DecodeMode = (typeof DECODE_MODES)[number];

export function isDecodeMode(v: unknown): v is DecodeMode {
  return DECODE_MODES.includes(v as DecodeMode);
}
