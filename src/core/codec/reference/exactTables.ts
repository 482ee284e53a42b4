import type { PassGeometry } from '../passGeometry.ts';
import { scalarTailStart } from '../resizeCubic.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import type { ExactPass } from '../staged/channelStage.ts';
import type { AxisTable } from './exactPoint.ts';
import { fastPassTables, KERNEL_TAPS } from '../fast/fastTables.ts';

/** The 8×8 tiles' index ranges along one axis: per tile [src0, src1, mid0, mid1] (exactTile.ts SpanRef). */
function axisSpans(a1: AxisTable, a2: AxisTable, len: number): Int32Array {
  const tiles = Math.ceil(len / 8);
  const out = new Int32Array(4 * tiles);
  for (let t = 0; t < tiles; t++) {
    const d0 = t * 8,
      d1 = Math.min(len, d0 + 8) - 1;
    // taps are monotone in the output index: the first tap of d0 and the last of d1 bound the tile's
    const m0 = a2.index[d0 * 4],
      m1 = a2.index[d1 * 4 + 3];
    out.set([a1.index[m0 * 4], a1.index[m1 * 4 + 3], m0, m1], 4 * t);
  }
  return out;
}

/** Largest total negative weight of one output of a composite table (8 float32 weights per output). */
function negativeMass(weight: Float32Array): number {
  let worst = 0;
  for (let d = 0; d < weight.length; d += KERNEL_TAPS) {
    let neg = 0;
    for (let k = 0; k < KERNEL_TAPS; k++) if (weight[d + k] < 0) neg -= weight[d + k];
    worst = Math.max(worst, neg);
  }
  // the float32 weights are within 2^-24 (relative) of the float64 composite: widen so the bound stays rigorous
  return worst * (1 + 1e-6) + 1e-7;
}

/** Everything reference mode needs of one pass (ChannelStage ExactPass) plus OpenCV's scalar-tail columns. */
export interface ExactPassTables extends ExactPass {
  g: PassGeometry;
  tails(groupChannel: number, groupChannels: number): { padded: number; image: number };
}

function build(g: PassGeometry, k: DecodeKernels, simdLanes: number): ExactPassTables {
  const axis = (src: number, dst: number, invScale: number): AxisTable => {
    const heap = k.heap;
    const mark = heap.used;
    const index = heap.alloc(dst * 16),
      weight = heap.alloc(dst * 16);
    k.cubicTable(src, dst, invScale, index, weight);
    const out = {
      index: heap.i32.slice(index / 4, index / 4 + dst * 4),
      weight: heap.f32.slice(weight / 4, weight / 4 + dst * 4),
    };
    heap.release(mark);
    return out;
  };
  const ax1 = axis(g.mapW, g.paddedW, 4),
    ay1 = axis(g.mapH, g.paddedH, 4);
  // Crop = only the first resizedW/H outputs of stage 1 are used; stage 2 clamps at the crop border.
  const ax2 = axis(g.resizedW, g.imageW, g.imageW / g.resizedW),
    ay2 = axis(g.resizedH, g.imageH, g.imageH / g.resizedH);
  const span8X = axisSpans(ax1, ax2, g.imageW),
    span8Y = axisSpans(ay1, ay2, g.imageH);
  const most = (s: Int32Array, lo: number, hi: number) => {
    let m = 0;
    for (let i = 0; i < s.length; i += 4) m = Math.max(m, s[i + hi] - s[i + lo] + 1);
    return m;
  };
  const composite = fastPassTables(g, k);
  return {
    g,
    ax1,
    ay1,
    ax2,
    ay2,
    span8X,
    span8Y,
    negMassX: negativeMass(composite.xWeight),
    negMassY: negativeMass(composite.yWeight),
    buffers8: {
      a: most(span8Y, 0, 1) * most(span8X, 2, 3),
      i: most(span8Y, 2, 3) * most(span8X, 2, 3),
      c: most(span8Y, 2, 3) * 8,
    },
    tails(groupChannel, groupChannels) {
      const order = { interleavedChannels: groupChannels, simdLanes };
      return {
        padded: scalarTailStart(g.paddedW, groupChannel, order),
        image: scalarTailStart(g.imageW, groupChannel, order),
      };
    },
  };
}

/** Per geometry (a dataset's photos share a few sizes and the scales are fixed), kept in a small LRU. */
const cache = new Map<string, ExactPassTables>();
const CACHE_SIZE = 32;

/**
 * Reference mode's tables of one pass (IMHN-REFERENCE §2 step 10): OpenCV's four resize axes (cubicAxis.ts, built
 * by the kernels), the 8×8 tiles' spans, the composite kernels' negative weight masses for the bound, the scratch
 * sizes of an exact tile.
 */
export function exactPassTables(g: PassGeometry, k: DecodeKernels, simdLanes: number): ExactPassTables {
  const key = `${g.imageW}x${g.imageH}@${g.multiplier}/${simdLanes}`;
  let t = cache.get(key);
  if (t) cache.delete(key);
  else t = build(g, k, simdLanes);
  cache.set(key, t);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return t;
}
