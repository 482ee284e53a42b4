import { roundHalfEven } from './cubicAxis.ts';
import { DecodeInputError, type DecodeInput } from './decodeCase.ts';

/**
 * Sizes of one inference pass (IMHN-REFERENCE §2 steps 4–5, 10). All in pixels of the named space:
 * image (original), resized (image × m, before padding), padded (network input), map (stride-4 output).
 */
export interface PassGeometry {
  multiplier: number;
  imageH: number;
  imageW: number;
  resizedH: number;
  resizedW: number;
  paddedH: number;
  paddedW: number;
  mapH: number;
  mapW: number;
}

export function passGeometry(
  imageW: number,
  imageH: number,
  multiplier: number,
  stride = 4,
  padMultiple = 64,
): PassGeometry {
  if (!(imageW > 0 && imageH > 0)) throw new DecodeInputError(`image size must be positive, got ${imageW}×${imageH}`);
  if (!(multiplier > 0 && Number.isFinite(multiplier)))
    throw new DecodeInputError(`pass multiplier must be a positive number, got ${multiplier}`);
  // cv2.resize(img, (0,0), fx=m, fy=m): dsize = saturate_cast<int>(len·m), which rounds half to even.
  const resizedW = roundHalfEven(imageW * multiplier);
  const resizedH = roundHalfEven(imageH * multiplier);
  if (resizedW < 1 || resizedH < 1)
    throw new DecodeInputError(`multiplier ${multiplier} shrinks the ${imageW}×${imageH} image to nothing`);
  const pad = (n: number) => (n % padMultiple === 0 ? 0 : padMultiple - (n % padMultiple));
  const paddedW = resizedW + pad(resizedW);
  const paddedH = resizedH + pad(resizedH);
  return {
    multiplier,
    imageH,
    imageW,
    resizedH,
    resizedW,
    paddedH,
    paddedW,
    mapH: paddedH / stride,
    mapW: paddedW / stride,
  };
}

/** Throws a specific message when a map tensor does not have the shape this pass implies. */
export function checkMapShape(g: PassGeometry, shape: number[], what: string, channels = 50): void {
  const want = [channels, g.mapH, g.mapW];
  if (shape.length !== 3 || shape[0] !== want[0] || shape[1] !== want[1] || shape[2] !== want[2]) {
    throw new DecodeInputError(
      `${what} has shape [${shape.join(', ')}], expected [${want.join(', ')}] for a ${g.imageW}×${g.imageH} image ` +
        `at multiplier ${g.multiplier} (resized ${g.resizedW}×${g.resizedH}, padded ${g.paddedW}×${g.paddedH}, stride 4)`,
    );
  }
}

/** The geometry of every pass of a decode input, its maps' shapes checked (DecodeInputError when they do not fit). */
export function inputGeometries(input: DecodeInput): PassGeometry[] {
  const { width: W, height: H } = input.image;
  if (input.passes.length === 0) throw new DecodeInputError('a decode input needs at least one pass');
  return input.passes.map((pass, i) => {
    const g = passGeometry(W, H, pass.multiplier);
    checkMapShape(g, pass.maps.shape, `pass ${i} maps`);
    if (pass.flippedMaps) checkMapShape(g, pass.flippedMaps.shape, `pass ${i} flipped maps`);
    return g;
  });
}
