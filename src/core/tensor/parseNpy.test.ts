import { describe, expect, it } from 'vitest';
import { float16ToNumber, numberToFloat16Bits, parseNpy, writeNpy, NpyFormatError } from './parseNpy.ts';

describe('.npy parsing', () => {
  it('round-trips float32 and float16 (float16 values exactly)', () => {
    const t = { data: Float32Array.from([0, 1.5, -2.25, 0.1, 65504, 6e-8]), shape: [2, 3] };
    expect(parseNpy(writeNpy(t))).toEqual(t);
    const h = parseNpy(writeNpy(t, 'float16'));
    expect(h.shape).toEqual([2, 3]);
    expect(Array.from(h.data.subarray(0, 3))).toEqual([0, 1.5, -2.25]);
    expect(h.data[3]).toBe(float16ToNumber(numberToFloat16Bits(0.1)));
    expect(h.data[4]).toBe(65504);
  });
  it('decodes float16 specials', () => {
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(float16ToNumber(0x7e00))).toBe(true);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(numberToFloat16Bits(1e6)).toBe(0x7c00);
  });
  it('rejects bad input with a specific message', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3]))).toThrow(/bad magic/);
    const good = writeNpy({ data: new Float32Array(10), shape: [10] });
    expect(() => parseNpy(good.subarray(0, good.length - 4))).toThrow(/truncated .npy data/);
    const asText = Buffer.from(good).toString('latin1');
    const i8 = new Uint8Array(Buffer.from(asText.replace("'<f4'", "'<i4'"), 'latin1'));
    expect(() => parseNpy(i8)).toThrow(/unsupported .npy dtype <i4/);
    const fortran = new Uint8Array(Buffer.from(asText.replace('False', 'True '), 'latin1'));
    expect(() => parseNpy(fortran)).toThrow(NpyFormatError);
  });
});
