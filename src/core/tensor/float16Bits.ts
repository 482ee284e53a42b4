/**
 * float32 → IEEE 754 binary16 bit patterns over whole arrays: round half to even, subnormals, overflow to ±∞, every
 * NaN to 0x7e00 — the same bits as `numberToFloat16Bits` of each value (the float32 value is exact as a number, so
 * rounding either is the same), about 50× faster. The map cache stores every detected image's maps as float16
 * (millions of values per image), and the per-value Math.log2 path cost more than the network of a small model.
 * Method: F. Giesen's float_to_half_fast3_rtne — integer rounding of the bits for normal results, a float32
 * addition of 0.5 for subnormal ones (its rounding is the binary16 subnormal's: both have the ulp 2^-24).
 */
export function float32ToFloat16Bits(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (dst.length < src.length) throw new RangeError(`float16 target holds ${dst.length} values, need ${src.length}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    const a = x & 0x7fffffff;
    const sign = (x >>> 16) & 0x8000;
    if (a >= 0x47800000)
      dst[i] = a > 0x7f800000 ? 0x7e00 : sign | 0x7c00; // NaN; ≥ 2^16 (and Inf) → ∞
    else if (a < 0x38800000) {
      // below 2^-14: |v| + 0.5 in float32 rounds |v| to a multiple of 2^-24 (the double sum, then float32: double
      // rounding is exact here, 53 ≥ 2·24 + 2), and its low bits are then the subnormal's (0x400: the smallest normal)
      SUM[0] = Math.abs(src[i]) + 0.5;
      dst[i] = sign | (SUM_BITS[0] - 0x3f000000);
    } else dst[i] = sign | ((a + 0xc8000fff + ((a >>> 13) & 1)) >>> 13); // rebias by −112, round half even at bit 13
  }
  return dst;
}

const SUM = new Float32Array(1);
const SUM_BITS = new Uint32Array(SUM.buffer);
