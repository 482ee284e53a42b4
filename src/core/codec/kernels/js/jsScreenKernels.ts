import type { DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type ScreenKernels = Pick<DecodeKernels, 'seedScan' | 'screenPass' | 'gridSum' | 'listTiles' | 'maxPool2'>;

/** ≥ every in-bounds 8-neighbour (isCellMax of the WebAssembly module). */
function isCellMax(m: Float32Array, p: number, width: number, height: number, x: number, y: number, c: number) {
  for (let ny = y - 1; ny <= y + 1; ny++) {
    if (ny < 0 || ny >= height) continue;
    for (let nx = x - 1; nx <= x + 1; nx++) if (nx >= 0 && nx < width && m[p + ny * width + nx] > c) return false;
  }
  return true;
}

/** The screen and NMS kernels in TypeScript, with the WebAssembly ones' results (decodeKernels.ts). */
export function jsScreenKernels(heap: KernelHeap): ScreenKernels {
  return {
    seedScan(plane, width, height, threshold, out) {
      const m = heap.f32,
        o = heap.i32,
        p = plane / 4,
        t = f32(threshold);
      let count = 0;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const c = m[p + y * width + x];
          if (c >= t && isCellMax(m, p, width, height, x, y, c)) o[out / 4 + count++] = y * width + x;
        }
      return count;
    },
    screenPass(plane, width, height, threshold, seed, xRange, yRange, tilesX, grid) {
      const m = heap.f32,
        q = heap.i32,
        p = plane / 4,
        g = grid / 4,
        t = f32(threshold),
        sd = f32(seed);
      let count = 0;
      for (let sy = 0; sy < height; sy++) {
        const ya = q[yRange / 4 + 2 * sy],
          yb = q[yRange / 4 + 2 * sy + 1];
        for (let sx = 0; sx < width; sx++) {
          const c = m[p + sy * width + sx];
          if (!(c >= t)) continue;
          const xa = q[xRange / 4 + 2 * sx],
            xb = q[xRange / 4 + 2 * sx + 1];
          for (let ty = ya; ty <= yb; ty++)
            for (let tx = xa; tx <= xb; tx++) {
              const i = g + ty * tilesX + tx;
              m[i] = Math.max(m[i], c);
            }
          if (c >= sd && isCellMax(m, p, width, height, sx, sy, c)) count++;
        }
      }
      return count;
    },
    gridSum(sum, grid, count, floor) {
      const m = heap.f32,
        fl = f32(floor);
      for (let i = 0; i < Math.ceil(count / 4) * 4; i++)
        m[sum / 4 + i] = f32(m[sum / 4 + i] + Math.max(m[grid / 4 + i], fl));
    },
    maxPool2(src, width, height, dst, dstWidth) {
      const m = heap.f32;
      for (let y = 0; y < height / 2; y++)
        for (let x = 0; x < width / 2; x++) {
          const a = src / 4 + 2 * y * width + 2 * x;
          m[dst / 4 + y * dstWidth + x] = Math.max(Math.max(m[a], m[a + width]), Math.max(m[a + 1], m[a + width + 1]));
        }
    },
    listTiles(values, count, threshold, out) {
      const m = heap.f32,
        o = heap.i32,
        t = f32(threshold);
      let found = 0;
      for (let i = 0; i < count; i++) if (m[values / 4 + i] >= t) o[out / 4 + found++] = i;
      return found;
    },
  };
}
