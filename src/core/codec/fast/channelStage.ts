import type { DecodeInput } from '../decodeCase.ts';
import { flippedSource } from '../flipAverage.ts';
import { CTX, type DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from './fastTables.ts';

/** Heap offsets of one pass's tables (see FastPassTables). */
export interface PassTablesAt {
  xStart: number;
  xWeight: number;
  yStart: number;
  yWeight: number;
  xRange: number;
  yRange: number;
}

/**
 * The maps of one decode, one channel at a time, in the kernels' heap: `stage(c)` copies channel c of every pass
 * (and its mirrored flip-pass partner) into one plane per pass and flip-averages it as numpy does (IMHN-REFERENCE §2
 * step 9). Peaks and limbs read one channel each, so the decoder touches little memory and keeps it in cache; the
 * decode context (decodeKernels.ts CTX) points the kernels at the staged planes and the pass tables.
 */
export class ChannelStage {
  readonly tables: PassTablesAt[];
  /** Heap byte offset of the int32 decode context. */
  readonly ctx: number;
  /** Heap byte offset of the staged plane of each pass ([mapH, mapW] float32). */
  readonly planes: number[];
  private readonly scratch: number;
  private readonly k: DecodeKernels;
  private readonly input: DecodeInput;
  private readonly fast: FastPassTables[];

  constructor(k: DecodeKernels, input: DecodeInput, fast: FastPassTables[]) {
    this.k = k;
    this.input = input;
    this.fast = fast;
    const heap = k.heap;
    const put = (a: Int32Array | Float32Array) => {
      const at = heap.alloc(a.length * 4);
      if (a instanceof Int32Array) heap.i32.set(a, at / 4);
      else heap.f32.set(a, at / 4);
      return at;
    };
    this.tables = fast.map((t) => ({
      xStart: put(t.xStart),
      xWeight: put(t.xWeight),
      yStart: put(t.yStart),
      yWeight: put(t.yWeight),
      xRange: put(t.xRange),
      yRange: put(t.yRange),
    }));
    const cells = fast.map((t) => t.g.mapW * t.g.mapH);
    this.planes = cells.map((n) => heap.alloc(n * 4));
    this.scratch = heap.alloc(Math.max(...cells) * 4);
    this.ctx = this.writeContext();
  }

  private writeContext(): number {
    const heap = this.k.heap;
    const ctx = heap.alloc(CTX.passStart + 32 * this.fast.length);
    const g0 = this.fast[0].g;
    const q = heap.i32,
      c = ctx / 4;
    q[c + CTX.passes / 4] = this.fast.length;
    q[c + CTX.imageW / 4] = g0.imageW;
    q[c + CTX.imageH / 4] = g0.imageH;
    q[c + CTX.tilesX / 4] = Math.ceil(g0.imageW / 8);
    this.fast.forEach((t, p) => {
      const pp = c + (CTX.passStart + 32 * p) / 4;
      q[pp + CTX.plane / 4] = this.planes[p];
      q[pp + CTX.mapW / 4] = t.g.mapW;
      q[pp + CTX.mapH / 4] = t.g.mapH;
      q[pp + CTX.xStart / 4] = this.tables[p].xStart;
      q[pp + CTX.xWeight / 4] = this.tables[p].xWeight;
      q[pp + CTX.yStart / 4] = this.tables[p].yStart;
      q[pp + CTX.yWeight / 4] = this.tables[p].yWeight;
    });
    return ctx;
  }

  /** Stages channel c (0..49) of every pass into `planes`. */
  stage(c: number): void {
    const f32 = this.k.heap.f32;
    this.fast.forEach((t, p) => {
      const { mapW: w, mapH: h } = t.g;
      const pass = this.input.passes[p];
      f32.set(pass.maps.data.subarray(c * w * h, (c + 1) * w * h), this.planes[p] / 4);
      if (!pass.flippedMaps) return;
      const src = flippedSource(c) * w * h;
      f32.set(pass.flippedMaps.data.subarray(src, src + w * h), this.scratch / 4);
      this.k.flipAverage(this.planes[p], this.planes[p], this.scratch, w, h);
    });
  }
}
