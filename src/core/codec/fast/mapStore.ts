import { CHANNELS } from '../../skeleton/poseMeta.ts';
import type { DecodeInput } from '../decodeCase.ts';
import { flippedSource } from '../flipAverage.ts';
import { CTX, type DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from './fastTables.ts';

const USED = CHANNELS.keypointStart + CHANNELS.keypointCount;

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
 * The stride-4 maps of one decode in the kernels' heap, flip-averaged as numpy does (IMHN-REFERENCE §2 step 9):
 * the 18 keypoint planes of every pass at once (the peak screen reads all of them), each body-part plane when
 * limb sampling first reads it (limbs whose endpoint types have no peaks are never read). Layout per pass:
 * channels 0..47 as [mapH, mapW] float32 planes; the decode context (decodeKernels.ts CTX) describes it.
 */
export class MapStore {
  readonly tables: PassTablesAt[];
  /** Heap byte offset of the int32 decode context. */
  readonly ctx: number;
  private readonly planes: number[];
  private readonly scratch: number;
  private readonly stagedFlags: number;
  private readonly k: DecodeKernels;
  private readonly input: DecodeInput;
  private readonly fast: FastPassTables[];

  constructor(k: DecodeKernels, input: DecodeInput, fast: FastPassTables[]) {
    this.k = k;
    this.input = input;
    this.fast = fast;
    const heap = k.heap;
    this.tables = fast.map((t) => {
      const xStart = heap.alloc(t.xStart.length * 4),
        xWeight = heap.alloc(t.xWeight.length * 4),
        yStart = heap.alloc(t.yStart.length * 4),
        yWeight = heap.alloc(t.yWeight.length * 4);
      heap.i32.set(t.xStart, xStart / 4);
      heap.f32.set(t.xWeight, xWeight / 4);
      heap.i32.set(t.yStart, yStart / 4);
      heap.f32.set(t.yWeight, yWeight / 4);
      const xRange = heap.alloc(t.xRange.length * 4),
        yRange = heap.alloc(t.yRange.length * 4);
      heap.i32.set(t.xRange, xRange / 4);
      heap.i32.set(t.yRange, yRange / 4);
      return { xStart, xWeight, yStart, yWeight, xRange, yRange };
    });
    const cells = fast.map((t) => t.g.mapW * t.g.mapH);
    this.planes = cells.map((n) => heap.alloc(USED * n * 4));
    this.scratch = heap.alloc(Math.max(...cells) * 4);
    const flags = CHANNELS.limbCount * fast.length;
    this.stagedFlags = heap.alloc(flags);
    heap.u8.fill(0, this.stagedFlags, this.stagedFlags + flags);
    this.ctx = this.writeContext();
    for (let p = 0; p < fast.length; p++)
      for (let c = CHANNELS.keypointStart; c < USED; c++) this.stageRows(c, p, 0, fast[p].g.mapH);
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
    q[c + CTX.stagedFlags / 4] = this.stagedFlags;
    this.fast.forEach((t, p) => {
      const pp = c + (CTX.passStart + 32 * p) / 4;
      q[pp + CTX.planes / 4] = this.planes[p];
      q[pp + CTX.mapW / 4] = t.g.mapW;
      q[pp + CTX.mapH / 4] = t.g.mapH;
      q[pp + CTX.xStart / 4] = this.tables[p].xStart;
      q[pp + CTX.xWeight / 4] = this.tables[p].xWeight;
      q[pp + CTX.yStart / 4] = this.tables[p].yStart;
      q[pp + CTX.yWeight / 4] = this.tables[p].yWeight;
    });
    return ctx;
  }

  /** Byte offset of the averaged plane of keypoint channel c (30..47) in pass p. */
  heat(c: number, p: number): number {
    return this.plane(c, p);
  }

  /** Stages body-part channel c of pass p (the kernels' host callback; see limbValue). */
  stage(c: number, p: number): void {
    const flag = this.stagedFlags + c * this.fast.length + p;
    if (this.k.heap.u8[flag]) return;
    this.k.heap.u8[flag] = 1;
    this.stageRows(c, p, 0, this.fast[p].g.mapH);
  }

  private plane(c: number, p: number): number {
    const g = this.fast[p].g;
    return this.planes[p] + c * g.mapW * g.mapH * 4;
  }

  /** Copies map rows [r0, r1) of channel c into the heap and averages them with the mirrored flip pass. */
  private stageRows(c: number, p: number, r0: number, r1: number): void {
    const { mapW: w, mapH: h } = this.fast[p].g;
    const pass = this.input.passes[p];
    const f32 = this.k.heap.f32;
    const dst = this.plane(c, p) + r0 * w * 4;
    f32.set(pass.maps.data.subarray(c * w * h + r0 * w, c * w * h + r1 * w), dst / 4);
    if (!pass.flippedMaps) return;
    const src = flippedSource(c) * w * h;
    f32.set(pass.flippedMaps.data.subarray(src + r0 * w, src + r1 * w), this.scratch / 4);
    this.k.flipAverage(dst, dst, this.scratch, w, r1 - r0);
  }
}
