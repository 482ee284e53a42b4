import { describe, expect, it } from 'vitest';
import { float32ToFloat16Bits } from './float16Bits.ts';
import { float16ToNumber, numberToFloat16Bits, writeNpy } from './parseNpy.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const floatOfBits = (bits: number) => {
  u32[0] = bits;
  return f32[0];
};

/** Float32 bit patterns around every binary16 value: the value, its neighbours and the midpoints ± 1 ulp. */
function edgePatterns(): number[] {
  const out: number[] = [];
  for (let h = 0; h < 0x10000; h++) {
    const v = float16ToNumber(h);
    const next = float16ToNumber(h + 1 < 0x10000 ? h + 1 : h);
    for (const x of [v, Number.isFinite(next) ? (v + next) / 2 : v]) {
      f32[0] = x;
      const b = u32[0];
      out.push(b, (b + 1) >>> 0, (b - 1) >>> 0);
    }
  }
  return out;
}

describe('float32 → float16 by bits', () => {
  it('gives the bits of numberToFloat16Bits for every binary16 value, every midpoint ± 1 ulp and 300,000 random floats', () => {
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const patterns = [...edgePatterns(), ...Array.from({ length: 300_000 }, random)];
    patterns.push(0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x00000001, 0x80000000, 0x477ff000, 0x477fefff);
    const values = new Float32Array(new Uint32Array(patterns).buffer);
    const got = float32ToFloat16Bits(values);
    const bad: string[] = [];
    for (const [i, b] of patterns.entries()) {
      const want = numberToFloat16Bits(floatOfBits(b));
      if (got[i] !== want && bad.length < 5) bad.push(`0x${b.toString(16)}: ${got[i]} ≠ ${want}`);
    }
    expect(bad).toEqual([]);
  });
  it('converts arrays (also a view into a larger buffer) and refuses a short target', () => {
    const whole = Float32Array.from([9, 0.1, -2.5, 65519, 65520, 1e-8]);
    const view = whole.subarray(1);
    expect(Array.from(float32ToFloat16Bits(view))).toEqual(Array.from(view, (v) => numberToFloat16Bits(v)));
    expect(() => float32ToFloat16Bits(view, new Uint16Array(2))).toThrow(/holds 2 values, need 5/);
  });
  it('writeNpy float16 is ≥ 8× faster than rounding each value as a number (it was that: 0.6 s per detected image)', () => {
    // One image's maps at scale 1 + flip on a 512×384 photo hold 2 × [50, 128, 176] values; one is timed here
    // against the per-value rounding (numberToFloat16Bits, the previous writeNpy) in the same run.
    const t = { data: new Float32Array(50 * 128 * 176).map((_, i) => Math.sin(i) * 0.7), shape: [50, 128, 176] };
    const perValue = new Uint16Array(t.data.length);
    const time = (f: () => unknown) => {
      const s = performance.now();
      f();
      return performance.now() - s;
    };
    const npy: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < 5; r++) {
      npy.push(time(() => writeNpy(t, 'float16')));
      baseline.push(
        time(() => {
          for (let i = 0; i < t.data.length; i++) perValue[i] = numberToFloat16Bits(t.data[i]);
        }),
      );
    }
    const median = (a: number[]) => a.sort((x, y) => x - y)[2];
    expect(median(baseline) / median(npy)).toBeGreaterThan(8);
  });
});
