import sharp, { type Metadata } from 'sharp';
import { readFile } from 'node:fs/promises';
import type { ImageU8 } from '../../core/image/resizeCubicU8.ts';
import { bmpSize, decodeBmp, BmpFormatError } from '../../core/image/decodeBmp.ts';

/** Largest image accepted (pixels after EXIF rotation): 20000×20000 and such are refused before decoding. */
export const MAX_IMAGE_PIXELS = 120e6;

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

/**
 * Reads an image file as 8-bit BGR (the official cv2.imread convention) with EXIF orientation applied.
 * Grayscale, CMYK, 16-bit and alpha images are converted (alpha dropped after flattening on black, as cv2 drops it);
 * every failure names the file and says what is wrong.
 */
export async function decodeImageBgr(file: string): Promise<ImageU8> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageInputError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder, not an image' : (e as Error).message}`,
    );
  }
  if (bytes.length === 0) throw new ImageInputError(`${file}: the file is empty`);
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return decodeBmpFile(file, bytes); // sharp/libvips cannot read BMP
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageInputError(`${file}: not a readable image (${shortSharp(e)})`);
  }
  const w = meta.width ?? 0,
    h = meta.height ?? 0;
  if (w * h > MAX_IMAGE_PIXELS)
    throw new ImageInputError(
      `${file}: ${w}×${h} is too large (${((w * h) / 1e6).toFixed(0)} MP; the limit is ${MAX_IMAGE_PIXELS / 1e6} MP)`,
    );
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
      .rotate() // EXIF orientation, as cv2.imread(IMREAD_COLOR)
      .toColourspace('srgb')
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion`);
    const bgr = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 3) {
      bgr[i] = data[i + 2];
      bgr[i + 1] = data[i + 1];
      bgr[i + 2] = data[i];
    }
    return { data: bgr, width: info.width, height: info.height, channels: 3 };
  } catch (e) {
    throw new ImageInputError(`${file}: cannot decode the image (${shortSharp(e)}) — truncated or corrupt?`);
  }
}

function shortSharp(e: unknown): string {
  return String((e as Error).message ?? e)
    .split('\n')[0]
    .replace(/^Input (file|buffer) /, '');
}

function decodeBmpFile(file: string, bytes: Buffer): ImageU8 {
  const size = bmpSize(bytes);
  if (size && size.width * size.height > MAX_IMAGE_PIXELS)
    throw new ImageInputError(
      `${file}: ${size.width}×${size.height} is too large (the limit is ${MAX_IMAGE_PIXELS / 1e6} MP)`,
    );
  try {
    return decodeBmp(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new ImageInputError(`${file}: ${e instanceof BmpFormatError ? e.message : String(e)}`);
  }
}
