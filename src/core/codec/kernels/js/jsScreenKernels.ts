import type { DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type ScreenKernels = Pick<DecodeKernels, 'seedScan' | 'screenPass' | 'gridSum' | 'listTiles' | 'nms'>;

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
      for (let i = 0; i < Math.ceil(count / 4) * 4; i++) m[sum / 4 + i] = f32(m[sum / 4 + i] + Math.max(m[grid / 4 + i], fl));
    },
    listTiles(plane, width, height, threshold, out) {
      const m = heap.f32,
        o = heap.i32,
        t = f32(threshold);
      let count = 0;
      for (let i = 0; i < width * height; i++) if (m[plane / 4 + i] >= t) o[out / 4 + count++] = i;
      return count;
    },
    nms(index, tilesX, imageW, imageH, list, count, threshold, out) {
      const m = heap.f32,
        q = heap.i32,
        t = f32(threshold);
      let found = 0;
      for (let li = 0; li < count; li++) {
        const tile = q[list / 4 + li],
          off = q[index / 4 + tile] / 4;
        const ty = Math.floor(tile / tilesX),
          x0 = (tile - ty * tilesX) * 8,
          y0 = ty * 8;
        const nx = Math.min(8, imageW - x0),
          ny = Math.min(8, imageH - y0);
        for (let dy = 0; dy < ny; dy++)
          for (let dx = 0; dx < nx; dx++) {
            const i = off + dy * 8 + dx,
              v = m[i];
            if (!(v >= t)) continue;
            let ok = true,
              unsure = 0;
            if (dx > 0 && dy > 0 && dx < nx - 1 && dy < ny - 1) {
              for (const d of [-9, -8, -7, -1, 1, 7, 8, 9])
                if (!(v >= m[i + d])) {
                  ok = false;
                  break;
                }
            } else
              for (let ddy = -1; ddy <= 1 && ok; ddy++)
                for (let ddx = -1; ddx <= 1; ddx++) {
                  const X = x0 + dx + ddx,
                    Y = y0 + dy + ddy;
                  if ((ddx === 0 && ddy === 0) || X < 0 || X >= imageW || Y < 0 || Y >= imageH) continue;
                  const o2 = q[index / 4 + (Y >> 3) * tilesX + (X >> 3)];
                  if (o2 < 0) unsure = 1;
                  else if (m[o2 / 4 + (Y & 7) * 8 + (X & 7)] > v) {
                    ok = false;
                    break;
                  }
                }
            if (!ok) continue;
            const r = out / 4 + found * 4;
            q[r] = x0 + dx;
            q[r + 1] = y0 + dy;
            m[r + 2] = v;
            q[r + 3] = unsure;
            found++;
          }
      }
      return found;
    },
  };
}
