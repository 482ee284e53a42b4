import type { ImageU8 } from './resizeCubicU8.ts';

export class BmpFormatError extends Error {
  override name = 'BmpFormatError';
}

/**
 * Decodes a Windows BMP (BITMAPINFOHEADER or later): uncompressed (BI_RGB) 24/32-bit, 1/4/8-bit paletted, and 16/32-bit
 * BI_BITFIELDS with the standard masks; bottom-up or top-down. Returns 8-bit BGR (alpha dropped, as cv2.imread does).
 */
export function decodeBmp(bytes: Uint8Array): ImageU8 {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new BmpFormatError('not a BMP file');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = v.getUint32(10, true),
    headerSize = v.getUint32(14, true);
  if (headerSize < 40) throw new BmpFormatError(`BMP header of ${headerSize} bytes (OS/2 bitmaps) is not supported`);
  const width = v.getInt32(18, true),
    rawHeight = v.getInt32(22, true);
  const bpp = v.getUint16(28, true),
    compression = v.getUint32(30, true);
  const height = Math.abs(rawHeight),
    topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new BmpFormatError(`BMP size ${width}×${rawHeight} is invalid`);
  if (compression !== 0 && compression !== 3)
    throw new BmpFormatError(`compressed BMP (method ${compression}) is not supported`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpFormatError(`BMP with ${bpp} bits per pixel is not supported`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) throw new BmpFormatError('truncated BMP pixel data');
  const paletteOffset = 14 + headerSize,
    colours = v.getUint32(46, true) || (bpp <= 8 ? 1 << bpp : 0);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp === 24 || bpp === 32) {
        const p = row + x * (bpp / 8);
        out[o] = bytes[p];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p + 2];
      } else if (bpp === 16) {
        const px = v.getUint16(row + 2 * x, true); // 5-5-5 (BI_RGB) or 5-6-5 with BI_BITFIELDS
        const g6 = compression === 3 && v.getUint32(54 + 4, true) === 0x07e0;
        const b = px & 0x1f,
          g = g6 ? (px >> 5) & 0x3f : (px >> 5) & 0x1f,
          r = g6 ? (px >> 11) & 0x1f : (px >> 10) & 0x1f;
        out[o] = (b << 3) | (b >> 2);
        out[o + 1] = g6 ? (g << 2) | (g >> 4) : (g << 3) | (g >> 2);
        out[o + 2] = (r << 3) | (r >> 2);
      } else {
        const bit = x * bpp,
          byte = bytes[row + (bit >> 3)];
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (idx >= colours) throw new BmpFormatError(`palette index ${idx} outside the ${colours}-colour palette`);
        const p = paletteOffset + 4 * idx;
        out[o] = bytes[p];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p + 2];
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}

/** Width and height from a BMP header without decoding. */
export function bmpSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getInt32(18, true), height: Math.abs(v.getInt32(22, true)) };
}
