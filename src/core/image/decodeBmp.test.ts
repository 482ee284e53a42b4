import { describe, expect, it } from 'vitest';
import { decodeBmp, bmpSize } from './decodeBmp.ts';

/** Builds a BMP: 24-bit or 8-bit paletted, bottom-up unless topDown. */
function bmp(
  width: number,
  height: number,
  bpp: 24 | 8,
  pixel: (x: number, y: number) => number[],
  topDown = false,
): Uint8Array {
  const stride = Math.ceil((width * bpp) / 32) * 4,
    palette = bpp === 8 ? 256 * 4 : 0;
  const off = 54 + palette,
    buf = new Uint8Array(off + stride * height),
    v = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  v.setUint32(2, buf.length, true);
  v.setUint32(10, off, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, topDown ? -height : height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  if (bpp === 8)
    for (let i = 0; i < 256; i++) {
      buf[54 + 4 * i] = i;
      buf[55 + 4 * i] = 255 - i;
      buf[56 + 4 * i] = 7;
    }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const row = off + (topDown ? y : height - 1 - y) * stride,
        p = pixel(x, y);
      if (bpp === 24) buf.set(p, row + 3 * x);
      else buf[row + x] = p[0];
    }
  return buf;
}

describe('decodeBmp', () => {
  it('decodes 24-bit bottom-up and top-down BMPs to BGR', () => {
    for (const topDown of [false, true]) {
      const img = decodeBmp(bmp(5, 3, 24, (x, y) => [x, y, 200], topDown));
      expect([img.width, img.height]).toEqual([5, 3]);
      expect(Array.from(img.data.slice((2 * 5 + 4) * 3, (2 * 5 + 4) * 3 + 3))).toEqual([4, 2, 200]);
    }
  });
  it('decodes 8-bit paletted BMPs through the palette', () => {
    const img = decodeBmp(bmp(3, 2, 8, (x, y) => [x + 10 * y]));
    expect(Array.from(img.data.slice(3 * 4, 3 * 4 + 3))).toEqual([11, 244, 7]); // pixel (1, 1) = index 11
    expect(bmpSize(bmp(3, 2, 8, () => [0]))).toEqual({ width: 3, height: 2 });
  });
  it('refuses what it cannot read, saying what', () => {
    expect(() => decodeBmp(new Uint8Array(10))).toThrow(/not a BMP/);
    const b = bmp(4, 4, 24, () => [0, 0, 0]);
    expect(() => decodeBmp(b.subarray(0, 60))).toThrow(/truncated/);
    const rle = b.slice();
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle)).toThrow(/compressed BMP \(method 1\)/);
  });
});
