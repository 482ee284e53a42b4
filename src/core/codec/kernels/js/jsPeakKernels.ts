import { CTX, type DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';
import type { JsMapKernels } from './jsMapKernels.ts';

const f32 = Math.fround;

type PeakKernels = Pick<DecodeKernels, 'nms' | 'refine'>;

/** nms and refine in TypeScript, with the WebAssembly ones' results (decodeKernels.ts, refineCentroid.ts). */
export function jsPeakKernels(heap: KernelHeap, k: JsMapKernels): PeakKernels {
  const heatAt = (ctx: number, x: number, y: number, scratch: number) => {
    const slot = k.ensureTile(ctx, (y >> 3) * heap.i32[ctx / 4 + CTX.tilesX / 4] + (x >> 3), scratch);
    return heap.f32[slot / 4 + (y & 7) * 8 + (x & 7)];
  };
  return {
    nms(ctx, list, count, threshold, scratch, _buffer, out) {
      const W = heap.i32[ctx / 4 + CTX.imageW / 4],
        H = heap.i32[ctx / 4 + CTX.imageH / 4],
        tilesX = heap.i32[ctx / 4 + CTX.tilesX / 4],
        thr = f32(threshold);
      let found = 0;
      for (let li = 0; li < count; li++) {
        const t = heap.i32[list / 4 + li];
        const ty = Math.floor(t / tilesX),
          x0 = (t - ty * tilesX) * 8,
          y0 = ty * 8;
        const nx = Math.min(8, W - x0),
          ny = Math.min(8, H - y0);
        for (let dy = 0; dy < ny; dy++)
          for (let dx = 0; dx < nx; dx++) {
            const x = x0 + dx,
              y = y0 + dy;
            const v = heatAt(ctx, x, y, scratch);
            if (!(v >= thr)) continue;
            let ok = true;
            for (let ny2 = y - 1; ny2 <= y + 1 && ok; ny2++)
              for (let nx2 = x - 1; nx2 <= x + 1; nx2++) {
                if ((nx2 === x && ny2 === y) || nx2 < 0 || nx2 >= W || ny2 < 0 || ny2 >= H) continue;
                if (!(v >= heatAt(ctx, nx2, ny2, scratch))) {
                  ok = false;
                  break;
                }
              }
            if (!ok) continue;
            const r = out / 4 + found * 4;
            heap.i32[r] = x;
            heap.i32[r + 1] = y;
            heap.f32[r + 2] = v;
            heap.i32[r + 3] = 0;
            found++;
          }
      }
      return found;
    },
    refine(ctx, points, count, radius, swap, scratch, out) {
      const W = heap.i32[ctx / 4 + CTX.imageW / 4],
        H = heap.i32[ctx / 4 + CTX.imageH / 4],
        r = radius;
      for (let i = 0; i < count; i++) {
        const x = heap.i32[points / 4 + 2 * i],
          y = heap.i32[points / 4 + 2 * i + 1],
          o = out / 8 + 3 * i;
        if (x - r < 0 || y - r < 0 || x + r + 1 > W || y + r + 1 > H) {
          const score = heatAt(ctx, x, y, scratch);
          heap.f64.set([x, y, score], o);
          continue;
        }
        let sum = 0,
          sumRow = 0,
          sumCol = 0;
        for (let di = -r; di <= r; di++)
          for (let dj = -r; dj <= r; dj++) {
            const v = heatAt(ctx, x + dj, y + di, scratch);
            sum += v;
            sumRow += v * di;
            sumCol += v * dj;
          }
        const offRow = sumRow / sum,
          offCol = sumCol / sum,
          n = (2 * r + 1) * (2 * r + 1);
        heap.f64.set(swap ? [x + offRow, y + offCol, sum / n] : [x + offCol, y + offRow, sum / n], o);
      }
    },
  };
}
