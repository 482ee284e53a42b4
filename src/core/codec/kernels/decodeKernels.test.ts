import { describe, expect, it } from 'vitest';
import { wasmKernels } from './wasmKernels.ts';
import { jsKernels } from './jsKernels.ts';
import type { DecodeKernels } from './decodeKernels.ts';

const wasm = wasmKernels();

/** Deterministic pseudo-random floats in [lo, hi). */
function noise(n: number, seed: number, lo = -0.2, hi = 1.2): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => lo + ((s = (s * 16807) % 2147483647) / 2147483647) * (hi - lo));
}

/** The same inputs in both kernels' heaps at the same offsets. */
function stage(k: DecodeKernels, data: Float32Array, ints: Int32Array): { f: number; i: number } {
  const f = k.heap.alloc(data.length * 4),
    i = k.heap.alloc(ints.length * 4);
  k.heap.f32.set(data, f / 4);
  k.heap.i32.set(ints, i / 4);
  return { f, i };
}

describe('decode kernels: WebAssembly and TypeScript give the same bits', () => {
  it('WebAssembly with SIMD compiles here (Node 22)', () => expect(wasm?.kind).toBe('wasm'));

  it('flipAverage: (a + mirrored b) / 2 in float32', () => {
    const w = 32,
      h = 5;
    const a = noise(w * h, 7),
      b = noise(w * h, 11);
    for (const k of [wasm!, jsKernels()]) {
      const pa = stage(k, a, new Int32Array(0)).f,
        pb = stage(k, b, new Int32Array(0)).f,
        out = k.heap.alloc(w * h * 4);
      k.flipAverage(out, pa, pb, w, h);
      const got = k.heap.f32.subarray(out / 4, out / 4 + w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          expect(got[y * w + x]).toBe(Math.fround(Math.fround(a[y * w + x] + b[y * w + w - 1 - x]) * 0.5));
    }
  });

  it('seedScan: the same local-maximum cells, plateaus and borders included', () => {
    const w = 24,
      h = 9;
    const plane = noise(w * h, 3);
    plane.fill(1.5, 30, 34); // a plateau above everything: every cell of it counts
    const found = [wasm!, jsKernels()].map((k) => {
      const p = stage(k, plane, new Int32Array(0)).f,
        out = k.heap.alloc(w * h * 4);
      const n = k.seedScan(p, w, h, 0.3, out);
      return Array.from(k.heap.i32.subarray(out / 4, out / 4 + n));
    });
    expect(found[0]).toEqual(found[1]);
    expect(found[0].length).toBeGreaterThan(5);
    for (const i of [30, 31, 32, 33]) expect(found[0]).toContain(i);
  });

  it('tile and point: identical values, and point = tile at every pixel', () => {
    const w = 40,
      h = 30,
      imgW = 37,
      imgH = 29;
    const plane = noise(w * h, 5);
    const weights = noise(imgW * 8 + imgH * 8, 9, -0.1, 0.6);
    const starts = Int32Array.from({ length: imgW + imgH }, (_, i) => (i < imgW ? Math.min(w - 8, i) : i - imgW));
    const results = [wasm!, jsKernels()].map((k) => {
      const p = stage(k, plane, new Int32Array(0)).f;
      const { f: wts, i: st } = stage(k, weights, starts);
      const xw = wts,
        yw = wts + imgW * 32,
        xs = st,
        ys = st + imgW * 4;
      const out = k.heap.alloc(64 * 4),
        scratch = k.heap.alloc(32 * 8 * 4);
      const tiles: number[] = [];
      for (const [x0, y0, nx, ny] of [
        [0, 0, 8, 8],
        [32, 16, 5, 8],
        [8, 24, 8, 5],
      ]) {
        k.tile(p, w, xs, xw, ys, yw, x0, y0, nx, ny, out, scratch, 1, 0);
        k.tile(p, w, xs, xw, ys, yw, x0, y0, nx, ny, out, scratch, 3, 1); // v + v/3
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const v = k.heap.f32[out / 4 + j * 8 + i];
            const pt = k.point(p, w, xs, xw, ys, yw, x0 + i, y0 + j);
            expect(v).toBe(Math.fround(pt + Math.fround(pt / 3)));
            tiles.push(v);
          }
      }
      return tiles;
    });
    expect(results[0]).toEqual(results[1]);
  });
});
