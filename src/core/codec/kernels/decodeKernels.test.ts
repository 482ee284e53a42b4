import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { wasmKernels } from './wasmKernels.ts';
import { jsKernels } from './jsKernels.ts';
import type { DecodeKernels } from './decodeKernels.ts';
import { compositeAxis, cubicAxis } from '../cubicAxis.ts';
import { decodeFast } from '../decodeFast.ts';
import { decodeReference } from '../decodeReference.ts';
import { DECODE_FIXTURES, readDecodeCase } from '../../../../test/support/fixturePaths.ts';

const wasm = wasmKernels();

/** Deterministic pseudo-random floats in [lo, hi). */
function noise(n: number, seed: number, lo = -0.2, hi = 1.2): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return lo + (s / 2147483647) * (hi - lo);
  });
}

function put(k: DecodeKernels, data: Float32Array | Int32Array): number {
  const at = k.heap.alloc(data.length * 4);
  if (data instanceof Int32Array) k.heap.i32.set(data, at / 4);
  else k.heap.f32.set(data, at / 4);
  return at;
}

const both = () => [wasm!, jsKernels()];

describe('decode kernels', () => {
  it('WebAssembly with SIMD compiles here (Node 22)', () => expect(wasm?.kind).toBe('wasm'));

  it('flipAverage: (a + mirrored b) / 2 in float32, as numpy', () => {
    const w = 32,
      h = 5;
    const a = noise(w * h, 7),
      b = noise(w * h, 11);
    for (const k of both()) {
      const pa = put(k, a),
        pb = put(k, b);
      k.flipAverage(pa, pa, pb, w, h);
      const got = k.heap.f32.subarray(pa / 4, pa / 4 + w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          expect(got[y * w + x]).toBe(Math.fround(Math.fround(a[y * w + x] + b[y * w + w - 1 - x]) * 0.5));
    }
  });

  it('compositeTable: the tables of compositeAxis(cubicAxis, cubicAxis, 8) bit for bit', () => {
    for (const [map, resized, image] of [
      [64, 243, 480],
      [192, 768, 512],
      [20, 64, 333],
      [48, 170, 640],
      [400, 1600, 80], // m = 20: stage 2 still reads 4 adjacent stage-1 pixels (OpenCV's cubic does not widen)
    ]) {
      const want = compositeAxis(cubicAxis(map, map * 4, 4), cubicAxis(resized, image, image / resized), 8);
      for (const k of both()) {
        const start = k.heap.alloc(image * 4),
          weight = k.heap.alloc(image * 32),
          acc = k.heap.alloc(64);
        expect(k.compositeTable(map, resized, image, start, weight, acc)).toBe(0);
        expect(Array.from(k.heap.i32.subarray(start / 4, start / 4 + image))).toEqual(Array.from(want.start));
        expect(Array.from(k.heap.f32.subarray(weight / 4, weight / 4 + image * 8))).toEqual(
          Array.from(Float32Array.from(want.weight)),
        );
      }
    }
  });

  it('cubicTable: cubicAxis bit for bit (OpenCV’s taps and float32 Keys weights)', () => {
    for (const [src, dst, inv] of [
      [48, 192, 4],
      [243, 480, 480 / 243],
      [1600, 80, 80 / 1600],
    ]) {
      const want = cubicAxis(src, dst, inv);
      for (const k of both()) {
        const index = k.heap.alloc(dst * 16),
          weight = k.heap.alloc(dst * 16);
        k.cubicTable(src, dst, inv, index, weight);
        expect(Array.from(k.heap.i32.subarray(index / 4, index / 4 + dst * 4))).toEqual(Array.from(want.index));
        expect(Array.from(k.heap.f32.subarray(weight / 4, weight / 4 + dst * 4))).toEqual(Array.from(want.weight));
      }
    }
  });

  it('screen kernels: the same local maxima, tile maxima, sums, lists and pooling', () => {
    const w = 32,
      h = 12;
    const plane = noise(w * h, 3);
    plane.fill(1.5, 40, 44); // a plateau above everything: every cell of it counts
    const xRange = Int32Array.from(
      { length: 2 * w },
      (_, i) => (i % 2 ? Math.min(9, (i >> 1) / 3 + 1) : Math.max(0, (i >> 1) / 3 - 1)) | 0,
    );
    const yRange = Int32Array.from(
      { length: 2 * h },
      (_, i) => (i % 2 ? Math.min(4, (i >> 1) / 3 + 1) : Math.max(0, (i >> 1) / 3 - 1)) | 0,
    );
    const results = both().map((k) => {
      const p = put(k, plane),
        xr = put(k, xRange),
        yr = put(k, yRange),
        out = k.heap.alloc(w * h * 4);
      const seeds = Array.from(k.heap.i32.subarray(out / 4, out / 4 + k.seedScan(p, w, h, 0.3, out)));
      const grid = put(k, new Float32Array(52).fill(0.1)),
        sum = put(k, new Float32Array(52));
      const maxima = k.screenPass(p, w, h, 0.2, 0.3, xr, yr, 10, grid);
      k.gridSum(sum, grid, 52, 0.1);
      k.gridSum(sum, grid, 52, 0.5);
      const listed = Array.from(k.heap.i32.subarray(out / 4, out / 4 + k.listTiles(sum, 52, 1.2, out)));
      const pooled = k.heap.alloc((w / 2) * (h / 2) * 4);
      k.maxPool2(p, w, h, pooled, w / 2);
      return {
        seeds,
        maxima,
        grid: Array.from(k.heap.f32.subarray(grid / 4, grid / 4 + 52)),
        listed,
        pooled: Array.from(k.heap.f32.subarray(pooled / 4, pooled / 4 + (w / 2) * (h / 2))),
      };
    });
    expect(results[0]).toEqual(results[1]);
    for (const i of [40, 41, 42, 43]) expect(results[0].seeds).toContain(i);
    expect(results[0].maxima).toBeGreaterThan(5);
    expect(results[0].pooled[0]).toBe(Math.max(plane[0], plane[1], plane[w], plane[w + 1]));
  });

  it('tile and point: identical values, point = tile at every pixel, divided and accumulated', () => {
    const w = 40,
      h = 30,
      imgW = 37,
      imgH = 29;
    const plane = noise(w * h, 5);
    const weights = noise(imgW * 8 + imgH * 8, 9, -0.1, 0.6);
    const starts = Int32Array.from({ length: imgW + imgH }, (_, i) => (i < imgW ? Math.min(w - 8, i) : i - imgW));
    const results = both().map((k) => {
      const p = put(k, plane),
        wts = put(k, weights),
        st = put(k, starts);
      const [xw, yw, xs, ys] = [wts, wts + imgW * 32, st, st + imgW * 4];
      const out = k.heap.alloc(64 * 4),
        scratch = k.heap.alloc(32 * 8 * 4);
      const values: number[] = [];
      for (const [x0, y0, nx, ny] of [
        [0, 0, 8, 8],
        [32, 16, 5, 8],
        [8, 24, 8, 5],
      ]) {
        k.tile(p, w, xs, xw, ys, yw, x0, y0, nx, ny, out, scratch, 1, 0);
        k.tile(p, w, xs, xw, ys, yw, x0, y0, nx, ny, out, scratch, 3, 1); // u + u/3
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const v = k.heap.f32[out / 4 + j * 8 + i];
            const u = k.point(p, w, xs, xw, ys, yw, x0 + i, y0 + j);
            expect(v).toBe(Math.fround(u + Math.fround(u / 3)));
            values.push(v);
          }
      }
      return values;
    });
    expect(results[0]).toEqual(results[1]);
  });

  it('whole decodes, both modes: WebAssembly and TypeScript kernels give the same peaks, limbs and persons', async () => {
    const js = jsKernels();
    for (const id of ['227000', '790', '535506']) {
      const input = await readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'));
      for (const decode of [decodeFast, decodeReference]) {
        const a = decode(input, { kernels: wasm! }),
          b = decode(input, { kernels: js });
        expect(a.peaks, id).toEqual(b.peaks);
        expect(a.connections, id).toEqual(b.connections);
        expect(a.persons, id).toEqual(b.persons);
        expect(a.results.length).toBeGreaterThan(0);
      }
    }
  });
});
