import { CTX, type DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';
import type { AxisTable, PassAxes } from '../../reference/exactPoint.ts';
import { exactTileValues, quickTileBound, type ExactBuffers, type SpanRef } from '../../reference/exactTile.ts';

const f32 = Math.fround;

/** A pass of the decode context as TypeScript views of the heap. */
export interface PassView {
  plane: number;
  mapW: number;
  axes: PassAxes;
  tailPadded: number;
  tailImage: number;
  spanX: Int32Array;
  spanY: Int32Array;
  negMassX: number;
  negMassY: number;
}

export function passView(heap: KernelHeap, ctx: number, p: number): PassView {
  const pp = (ctx + CTX.passStart + (p << CTX.passShift)) / 4;
  const get = (field: number) => heap.i32[pp + field / 4];
  const axis = (i: number, w: number): AxisTable => ({
    index: heap.i32.subarray(get(i) / 4),
    weight: heap.f32.subarray(get(w) / 4),
  });
  return {
    plane: get(CTX.plane) / 4,
    mapW: get(CTX.mapW),
    axes: {
      ax1: axis(CTX.ax1Index, CTX.ax1Weight),
      ay1: axis(CTX.ay1Index, CTX.ay1Weight),
      ax2: axis(CTX.ax2Index, CTX.ax2Weight),
      ay2: axis(CTX.ay2Index, CTX.ay2Weight),
    },
    tailPadded: get(CTX.tailPadded),
    tailImage: get(CTX.tailImage),
    spanX: heap.i32.subarray(get(CTX.spanX) / 4),
    spanY: heap.i32.subarray(get(CTX.spanY) / 4),
    negMassX: heap.f64[get(CTX.negMass) / 8],
    negMassY: heap.f64[get(CTX.negMass) / 8 + 1],
  };
}

/** exactTile and boundTiles of the WebAssembly module in TypeScript (exactTile.ts), with its results. */
export function jsExactKernels(heap: KernelHeap): Pick<DecodeKernels, 'boundTiles'> & {
  exactTile(ctx: number, t: number, slot: number): void;
} {
  const ctxI = (ctx: number, field: number) => heap.i32[(ctx + field) / 4];
  return {
    exactTile(ctx, t, slot) {
      const n = ctxI(ctx, CTX.passes),
        tilesX = ctxI(ctx, CTX.tilesX);
      const ty = Math.floor(t / tilesX),
        tx = t - ty * tilesX;
      const x0 = tx * 8,
        y0 = ty * 8;
      const x1 = Math.min(ctxI(ctx, CTX.imageW), x0 + 8),
        y1 = Math.min(ctxI(ctx, CTX.imageH), y0 + 8);
      const bufs: ExactBuffers = {
        bufA: heap.f32.subarray(ctxI(ctx, CTX.bufA) / 4),
        bufI: heap.f32.subarray(ctxI(ctx, CTX.bufI) / 4),
        bufC: heap.f32.subarray(ctxI(ctx, CTX.bufC) / 4),
      };
      const acc = new Float64Array(64);
      for (let p = 0; p < n; p++) {
        const v = passView(heap, ctx, p);
        const sy: SpanRef = { table: v.spanY, at: 4 * ty },
          sx: SpanRef = { table: v.spanX, at: 4 * tx };
        exactTileValues(
          heap.f32,
          v.plane,
          v.mapW,
          v.axes,
          v.tailPadded,
          v.tailImage,
          x0,
          x1,
          y0,
          y1,
          sy,
          sx,
          bufs,
          heap.f32,
          slot / 4,
          8,
        );
        for (let y = 0; y < y1 - y0; y++)
          for (let x = 0; x < x1 - x0; x++) {
            const u = heap.f32[slot / 4 + y * 8 + x];
            acc[y * 8 + x] += n === 1 ? u : f32(u / n);
          }
      }
      for (let i = 0; i < 64; i++) heap.f32[slot / 4 + i] = acc[i];
    },
    boundTiles(ctx, threshold, out) {
      const n = ctxI(ctx, CTX.passes),
        tilesX = ctxI(ctx, CTX.tilesX);
      const tiles = tilesX * Math.ceil(ctxI(ctx, CTX.imageH) / 8);
      const views = Array.from({ length: n }, (_, p) => passView(heap, ctx, p));
      let found = 0;
      for (let t = 0; t < tiles; t++) {
        const ty = Math.floor(t / tilesX),
          tx = t - ty * tilesX;
        let b = 0;
        for (const v of views) {
          const q = quickTileBound(
            heap.f32,
            v.plane,
            v.mapW,
            { table: v.spanY, at: 4 * ty },
            { table: v.spanX, at: 4 * tx },
            v.negMassX,
            v.negMassY,
          );
          b += q / n;
        }
        if (b >= threshold) heap.i32[out / 4 + found++] = t;
      }
      return found;
    },
  };
}
