import type { DecodeInput } from '../decodeCase.ts';
import { flippedSource } from '../flipAverage.ts';
import { CTX, type DecodeKernels } from '../kernels/decodeKernels.ts';
import type { FastPassTables } from '../fast/fastTables.ts';
import type { PassGeometry } from '../passGeometry.ts';
import type { PassAxes } from '../reference/exactPoint.ts';

/** What reference mode needs of a pass (PassUpsampler): OpenCV's axes, the 8×8 tiles' spans and bounds' masses. */
export interface ExactPass extends PassAxes {
  span8X: Int32Array;
  span8Y: Int32Array;
  negMassX: number;
  negMassY: number;
  buffers8: { a: number; i: number; c: number };
}

/** What a stage needs per pass: its geometry, and the tables of the mode that decodes (fast, reference or both). */
export interface StagePass {
  g: PassGeometry;
  fast?: FastPassTables;
  exact?: ExactPass;
}

/** Heap offsets of one pass's fast tables (see FastPassTables); 0 where the pass has none. */
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
 * decode context (decodeKernels.ts CTX) points the kernels at the staged planes and the pass tables, and reference
 * mode sets the staged channel's scalar-tail columns in it (setTails).
 */
export class ChannelStage {
  readonly tables: PassTablesAt[];
  /** Heap byte offset of the int32 decode context. */
  readonly ctx: number;
  /** Heap byte offset of the staged plane of each pass ([mapH, mapW] float32). */
  readonly planes: number[];
  /** 8×8 tiles of the image (tilesX per row) and their per-channel state bytes (CTX.state). */
  readonly tilesX: number;
  readonly tiles: number;
  private readonly state: number;
  private readonly pool: number;
  private readonly scratch: number;
  private readonly exactPool: number;
  private readonly exactAt: number[][];
  private readonly exactBuffers: number[];
  private readonly k: DecodeKernels;
  private readonly input: DecodeInput;
  private readonly passes: StagePass[];

  constructor(k: DecodeKernels, input: DecodeInput, passes: StagePass[]) {
    this.k = k;
    this.input = input;
    this.passes = passes;
    const heap = k.heap;
    const put = (a: Int32Array | Float32Array | undefined) => {
      if (!a) return 0;
      const at = heap.alloc(a.length * 4);
      if (a instanceof Int32Array) heap.i32.set(a, at / 4);
      else heap.f32.set(a, at / 4);
      return at;
    };
    this.tables = passes.map(({ fast: t }) => ({
      xStart: put(t?.xStart),
      xWeight: put(t?.xWeight),
      yStart: put(t?.yStart),
      yWeight: put(t?.yWeight),
      xRange: put(t?.xRange),
      yRange: put(t?.yRange),
    }));
    this.exactAt = passes.map(({ exact: e }) => {
      if (!e) return [];
      const masses = heap.alloc(16);
      heap.f64.set([e.negMassX, e.negMassY], masses / 8);
      return [
        ...[e.ax1, e.ay1, e.ax2, e.ay2].flatMap((a) => [put(a.index), put(a.weight)]),
        put(e.span8X),
        put(e.span8Y),
        masses,
      ];
    });
    const most = (k: 'a' | 'i' | 'c') => Math.max(0, ...passes.map((p) => p.exact?.buffers8[k] ?? 0));
    this.exactBuffers = [
      heap.alloc(most('a') * 4),
      heap.alloc(most('i') * 4),
      heap.alloc(most('c') * 4),
      heap.alloc(64 * 8),
    ];
    const cells = passes.map((t) => t.g.mapW * t.g.mapH);
    this.planes = cells.map((n) => heap.alloc(n * 4));
    this.scratch = heap.alloc(Math.max(...cells) * 4);
    const g0 = passes[0].g;
    this.tilesX = Math.ceil(g0.imageW / 8);
    this.tiles = this.tilesX * Math.ceil(g0.imageH / 8);
    // One 256-byte slot per tile, touched only where tiles are computed or values memoised.
    this.pool = heap.alloc(this.tiles * 256);
    this.state = heap.alloc(this.tiles);
    this.exactPool = passes.some((p) => p.exact) ? heap.alloc(this.tiles * 512) : 0;
    this.ctx = this.writeContext();
  }

  private writeContext(): number {
    const heap = this.k.heap;
    const ctx = heap.alloc(CTX.passStart + (this.passes.length << CTX.passShift));
    const g0 = this.passes[0].g;
    const q = heap.i32,
      c = ctx / 4;
    q[c + CTX.passes / 4] = this.passes.length;
    q[c + CTX.imageW / 4] = g0.imageW;
    q[c + CTX.imageH / 4] = g0.imageH;
    q[c + CTX.tilesX / 4] = this.tilesX;
    q[c + CTX.pool / 4] = this.pool;
    q[c + CTX.state / 4] = this.state;
    q[c + CTX.exactPool / 4] = this.exactPool;
    q[c + CTX.mode / 4] = 0;
    [CTX.bufA, CTX.bufI, CTX.bufC, CTX.acc].forEach((f, i) => {
      q[c + f / 4] = this.exactBuffers[i];
    });
    this.passes.forEach((t, p) => {
      const pp = c + (CTX.passStart + (p << CTX.passShift)) / 4;
      q[pp + CTX.plane / 4] = this.planes[p];
      q[pp + CTX.mapW / 4] = t.g.mapW;
      q[pp + CTX.mapH / 4] = t.g.mapH;
      q[pp + CTX.xStart / 4] = this.tables[p].xStart;
      q[pp + CTX.xWeight / 4] = this.tables[p].xWeight;
      q[pp + CTX.yStart / 4] = this.tables[p].yStart;
      q[pp + CTX.yWeight / 4] = this.tables[p].yWeight;
      const fields = [CTX.ax1Index, CTX.ax1Weight, CTX.ay1Index, CTX.ay1Weight, CTX.ax2Index, CTX.ax2Weight];
      [...fields, CTX.ay2Index, CTX.ay2Weight, CTX.spanX, CTX.spanY, CTX.negMass].forEach((f, i) => {
        q[pp + f / 4] = this.exactAt[p][i] ?? 0;
      });
    });
    return ctx;
  }

  /** Tiles computed from here on: fast values (0) or reference values (1, exactTile). */
  setMode(mode: 0 | 1): void {
    this.k.heap.i32[(this.ctx + CTX.mode) / 4] = mode;
  }

  /** Reference mode: the first scalar-order columns of the staged channel, per pass (PassUpsampler.tails). */
  setTails(tails: { padded: number; image: number }[]): void {
    const q = this.k.heap.i32;
    tails.forEach((t, p) => {
      const pp = (this.ctx + CTX.passStart + (p << CTX.passShift)) / 4;
      q[pp + CTX.tailPadded / 4] = t.padded;
      q[pp + CTX.tailImage / 4] = t.image;
    });
  }

  /** The staged plane of pass p as a view (valid until the heap next grows). */
  planeView(p: number): Float32Array {
    const g = this.passes[p].g;
    return this.k.heap.f32.subarray(this.planes[p] / 4, this.planes[p] / 4 + g.mapW * g.mapH);
  }

  /** Stages channel c (0..49) of every pass into `planes`; its tiles start not computed. */
  stage(c: number): void {
    this.k.heap.u8.fill(0, this.state, this.state + this.tiles);
    const f32 = this.k.heap.f32;
    this.passes.forEach((t, p) => {
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
