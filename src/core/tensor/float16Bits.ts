/**
 * float32 → IEEE 754 binary16 bit patterns over whole arrays, by integer operations on the float32 bits: round half
 * to even, subnormals, overflow to ±∞, every NaN to 0x7e00 — the same bits as `numberToFloat16Bits` of each value
 * (the float32 value is exact as a number, so rounding either is the same), ~50× faster. The map cache stores every
 * detected image's maps as float16 (millions of values per image), and the per-value Math.log2 path cost more than
 * the network of a small model.
 */
export function float32ToFloat16Bits(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (dst.length < src.length) throw new RangeError(`float16 target holds ${dst.length} values, need ${src.length}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = halfOfFloatBits(bits[i]);
  return dst;
}

/** One float32 bit pattern → its binary16 bits (round half to even). */
export function halfOfFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant ? 0x7e00 : sign | 0x7c00;
  const e = exp - 112; // the binary16 biased exponent (127 − 15)
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): rounds to ±0
    const m = mant | 0x800000; // the implicit bit; value = m · 2^(e − 14 − 24) in units of 2^-24 below
    const shift = 14 - e;
    const q = m >>> shift;
    const r = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (r > half || (r === half && q & 1) ? q + 1 : q); // q + 1 may reach 0x400, the smallest normal
  }
  const q = (e << 10) | (mant >>> 13);
  const r = mant & 0x1fff;
  return sign | (r > 0x1000 || (r === 0x1000 && q & 1) ? q + 1 : q); // a carry rounds into the exponent (→ ∞ at 31)
}
