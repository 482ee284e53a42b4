import { compositeAxis, cubicAxis } from '../../cubicAxis.ts';
import { CTX, type DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type MapKernels = Pick<DecodeKernels, 'flipAverage' | 'tile' | 'point' | 'compositeTable' | 'computeTiles'>;

/** What the other TypeScript kernels use of these: F of one tile (ensureTile/heatAt of the module). */
export type JsMapKernels = MapKernels & { tileF(ctx: number, t: number, slot: number, scratch: number): void };

/**
 * flipAverage, tile, point and compositeTable in TypeScript, bit for bit the WebAssembly ones: every float32
 * operation is a double operation rounded once with Math.fround, which equals the float32 operation for +, −, ×, ÷
 * (53 ≥ 2·24 + 2: double rounding is innocuous), in the order the SIMD lanes compute it (decodeKernels.ts).
 */
export function jsMapKernels(heap: KernelHeap): JsMapKernels {
  /** Row sum h at float index s (taps) with weights at float index w. */
  const rowSum = (m: Float32Array, s: number, w: number): number => {
    const t0 = f32(f32(m[s] * m[w]) + f32(m[s + 4] * m[w + 4]));
    const t1 = f32(f32(m[s + 1] * m[w + 1]) + f32(m[s + 5] * m[w + 5]));
    const t2 = f32(f32(m[s + 2] * m[w + 2]) + f32(m[s + 6] * m[w + 6]));
    const t3 = f32(f32(m[s + 3] * m[w + 3]) + f32(m[s + 7] * m[w + 7]));
    return f32(f32(t0 + t2) + f32(t1 + t3));
  };
  /** F of tile t into slot: every pass of the context, divided by n, summed in pass order. */
  const tileF = (ctx: number, t: number, slot: number, scratch: number) => {
    const q = heap.i32,
      C = ctx / 4;
    const n = q[C + CTX.passes / 4],
      tilesX = q[C + CTX.tilesX / 4];
    const ty = Math.floor(t / tilesX),
      x0 = (t - ty * tilesX) * 8,
      y0 = ty * 8;
    const nx = Math.min(8, q[C + CTX.imageW / 4] - x0),
      ny = Math.min(8, q[C + CTX.imageH / 4] - y0);
    for (let p = 0; p < n; p++) {
      const at = (o: number) => heap.i32[C + (CTX.passStart + 32 * p + o) / 4];
      k.tile(
        at(CTX.plane),
        at(CTX.mapW),
        at(CTX.xStart),
        at(CTX.xWeight),
        at(CTX.yStart),
        at(CTX.yWeight),
        x0,
        y0,
        nx,
        ny,
        slot,
        scratch,
        n,
        p > 0 ? 1 : 0,
      );
    }
  };
  const k: MapKernels & { tileF: typeof tileF } = {
    tileF,
    computeTiles(ctx, index, list, count, slots, scratch) {
      for (let i = 0; i < count; i++) {
        const t = heap.i32[list / 4 + i];
        if (heap.i32[index / 4 + t] >= 0) continue;
        heap.i32[index / 4 + t] = slots + 256 * i;
        tileF(ctx, t, slots + 256 * i, scratch);
      }
    },
    flipAverage(dst, src, mir, width, rows) {
      const m = heap.f32;
      for (let r = 0; r < rows; r++) {
        const d = dst / 4 + r * width,
          s = src / 4 + r * width,
          e = mir / 4 + r * width + width - 1;
        for (let x = 0; x < width; x++) m[d + x] = f32(f32(m[s + x] + m[e - x]) * 0.5);
      }
    },
    tile(plane, width, xStart, xWeight, yStart, yWeight, x0, y0, nx, ny, out, scratch, divisor, accumulate) {
      const m = heap.f32,
        q = heap.i32;
      const rFirst = q[yStart / 4 + y0],
        rLast = q[yStart / 4 + y0 + ny - 1] + 7,
        sc = scratch / 4,
        div = f32(divisor);
      for (let r = rFirst; r <= rLast; r++)
        for (let i = 0; i < nx; i++) {
          const x = x0 + i;
          m[sc + (r - rFirst) * 8 + i] = rowSum(m, plane / 4 + r * width + q[xStart / 4 + x], xWeight / 4 + x * 8);
        }
      for (let j = 0; j < ny; j++) {
        const y = y0 + j,
          base = sc + (q[yStart / 4 + y] - rFirst) * 8,
          w = yWeight / 4 + y * 8,
          o = out / 4 + j * 8;
        for (let i = 0; i < nx; i++) {
          let acc = f32(m[w] * m[base + i]);
          for (let k = 1; k < 8; k++) acc = f32(acc + f32(m[w + k] * m[base + 8 * k + i]));
          acc = f32(acc / div);
          m[o + i] = accumulate ? f32(m[o + i] + acc) : acc;
        }
      }
    },
    point(plane, width, xStart, xWeight, yStart, yWeight, x, y) {
      const m = heap.f32,
        q = heap.i32;
      const w = yWeight / 4 + y * 8,
        wx = xWeight / 4 + x * 8;
      let s = plane / 4 + q[yStart / 4 + y] * width + q[xStart / 4 + x];
      let acc = 0;
      for (let k = 0; k < 8; k++, s += width) {
        const term = f32(m[w + k] * rowSum(m, s, wx));
        acc = k === 0 ? term : f32(acc + term);
      }
      return acc;
    },
    compositeTable(mapLen, resizedLen, imageLen, start, weight) {
      let comp;
      try {
        // stage 1 is cv2.resize ×4 of the map; only its first resizedLen outputs (the crop) feed stage 2
        comp = compositeAxis(cubicAxis(mapLen, resizedLen, 4), cubicAxis(resizedLen, imageLen, imageLen / resizedLen), 8);
      } catch (e) {
        const span = /spans (\d+)/.exec(String(e));
        if (span) return Number(span[1]);
        throw e;
      }
      heap.i32.set(comp.start, start / 4);
      heap.f32.set(comp.weight, weight / 4);
      return 0;
    },
  };
  return k;
}
