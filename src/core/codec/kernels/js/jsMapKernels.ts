import { compositeAxis, cubicAxis } from '../../cubicAxis.ts';
import { CTX, type DecodeKernels } from '../decodeKernels.ts';
import { compositePoint, compositeTile, type CompositeTable } from './compositeMath.ts';
import { jsExactKernels } from './jsExactKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type MapKernels = Pick<
  DecodeKernels,
  'flipAverage' | 'tile' | 'point' | 'compositeTable' | 'cubicTable' | 'computeTiles' | 'boundTiles'
>;

/** What the other TypeScript kernels use of these: ensureTile of the module. */
export type JsMapKernels = MapKernels & { ensureTile(ctx: number, t: number, scratch: number): number };

/** flipAverage, tile, point, computeTiles and compositeTable in TypeScript, bit for bit the WebAssembly ones. */
export function jsMapKernels(heap: KernelHeap): JsMapKernels {
  /** A composite table in the heap: int32 starts and float32 weights at byte offsets. */
  const table = (start: number, weight: number): CompositeTable => ({
    start: heap.i32,
    startOff: start / 4,
    weight: heap.f32,
    weightOff: weight / 4,
  });
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
      const at = (o: number) => heap.i32[C + (CTX.passStart + (p << CTX.passShift) + o) / 4];
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
  /** ensureTile of the module: the byte offset of tile t in the pool, computed when its state byte is 0. */
  const ensureTile = (ctx: number, t: number, scratch: number) => {
    const slot = heap.i32[ctx / 4 + CTX.pool / 4] + 256 * t,
      state = heap.i32[ctx / 4 + CTX.state / 4] + t;
    if (!heap.u8[state]) {
      heap.u8[state] = 1;
      if (heap.i32[ctx / 4 + CTX.mode / 4]) exact.exactTile(ctx, t, slot);
      else tileF(ctx, t, slot, scratch);
    }
    return slot;
  };
  const exact = jsExactKernels(heap);
  const k: JsMapKernels = {
    boundTiles: exact.boundTiles,
    ensureTile,
    computeTiles(ctx, list, count, scratch) {
      for (let i = 0; i < count; i++) ensureTile(ctx, heap.i32[list / 4 + i], scratch);
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
      const x = table(xStart, xWeight),
        y = table(yStart, yWeight);
      compositeTile(
        heap.f32,
        plane / 4,
        width,
        x,
        y,
        x0,
        y0,
        nx,
        ny,
        heap.f32,
        out / 4,
        8,
        heap.f32,
        scratch / 4,
        divisor,
        accumulate !== 0,
      );
    },
    point(plane, width, xStart, xWeight, yStart, yWeight, x, y) {
      return compositePoint(heap.f32, plane / 4, width, table(xStart, xWeight), table(yStart, yWeight), x, y);
    },
    cubicTable(srcLen, dstLen, invScale, index, weight) {
      const a = cubicAxis(srcLen, dstLen, invScale);
      heap.i32.set(a.index, index / 4);
      heap.f32.set(a.weight, weight / 4);
    },
    compositeTable(mapLen, resizedLen, imageLen, start, weight) {
      let comp: ReturnType<typeof compositeAxis>;
      try {
        // stage 1 is cv2.resize ×4 of the map; only its first resizedLen outputs (the crop) feed stage 2
        comp = compositeAxis(
          cubicAxis(mapLen, resizedLen, 4),
          cubicAxis(resizedLen, imageLen, imageLen / resizedLen),
          8,
        );
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
