import type { Tensor } from '../tensor/parseNpy.ts';

/**
 * Raw network output for one image: one pass per scale (IMHN-REFERENCE §2). The fixture format
 * `simplepose-decode-case/1` (shared/fixtures/README.md) maps 1:1 onto this.
 */
export interface DecodePass {
  /** m: the image was resized by m (cv2 INTER_CUBIC) and padded right/bottom to a multiple of 64. */
  multiplier: number;
  /** [50, Hp/4, Wp/4] network output for the padded input (stride-4 map space). */
  maps: Tensor;
  /** [50, Hp/4, Wp/4] raw output for the mirrored padded input (not yet un-flipped), or null. */
  flippedMaps: Tensor | null;
}

export interface DecodeInput {
  image: { id: number; width: number; height: number };
  passes: DecodePass[];
}

export class DecodeInputError extends Error {
  override name = 'DecodeInputError';
}
