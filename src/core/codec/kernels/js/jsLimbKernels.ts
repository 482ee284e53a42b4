import { roundHalfEven } from '../../cubicAxis.ts';
import { CTX, type DecodeKernels, type ScorePairs } from '../decodeKernels.ts';
import { exactPointValue, pointScratch } from '../../reference/exactPoint.ts';
import { passView } from './jsExactKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type LimbKernels = Pick<DecodeKernels, 'limbValue' | 'scorePairs' | 'exactValue' | 'scorePairsExact'>;

/**
 * limbValue, exactValue and both pair loops in TypeScript, with the WebAssembly ones' results (decodeKernels.ts,
 * scoreLimbs.ts, exactPoint.ts).
 */
export function jsLimbKernels(heap: KernelHeap, k: Pick<DecodeKernels, 'point'>): LimbKernels {
  const pointScratch1 = pointScratch();
  const exactValue = (ctx: number, x: number, y: number): number => {
    const q = heap.i32,
      C = ctx / 4;
    const t = (y >> 3) * q[C + CTX.tilesX / 4] + (x >> 3);
    const blk = q[C + CTX.exactPool / 4] + 512 * t,
      state = q[C + CTX.state / 4] + t;
    if (!heap.u8[state]) {
      heap.u8[state] = 1;
      heap.f64.fill(NaN, blk / 8, blk / 8 + 64);
    }
    const a = blk / 8 + (y & 7) * 8 + (x & 7);
    let v = heap.f64[a];
    if (!Number.isNaN(v)) return v; // NaN marks a value not computed yet
    const n = q[C + CTX.passes / 4];
    v = 0;
    for (let p = 0; p < n; p++) {
      const pv = passView(heap, ctx, p);
      const u = exactPointValue(heap.f32, pv.plane, pv.mapW, pv.axes, pv.tailPadded, pv.tailImage, y, x, pointScratch1);
      v += n === 1 ? u : f32(u / n);
    }
    heap.f64[a] = v;
    return v;
  };
  const limbValue = (ctx: number, x: number, y: number): number => {
    let q = heap.i32;
    const C = ctx / 4;
    const t = (y >> 3) * q[C + CTX.tilesX / 4] + (x >> 3);
    const blk = q[C + CTX.pool / 4] + 256 * t,
      state = q[C + CTX.state / 4] + t;
    if (!heap.u8[state]) {
      heap.u8[state] = 1;
      heap.f32.fill(NaN, blk / 4, blk / 4 + 64);
    }
    const a = blk / 4 + (y & 7) * 8 + (x & 7);
    let v = heap.f32[a];
    if (!Number.isNaN(v)) return v; // NaN marks a value not computed yet
    q = heap.i32;
    const n = q[C + CTX.passes / 4];
    for (let p = 0; p < n; p++) {
      const pp = C + (CTX.passStart + (p << CTX.passShift)) / 4;
      const get = (field: number) => heap.i32[pp + field / 4];
      const plane = get(CTX.plane);
      const fv = f32(
        k.point(plane, get(CTX.mapW), get(CTX.xStart), get(CTX.xWeight), get(CTX.yStart), get(CTX.yWeight), x, y) / n,
      );
      v = p === 0 ? fv : f32(v + fv);
    }
    heap.f32[a] = v;
    return v;
  };
  /** find_connections' pair loop reading values through `valueAt` (scoreLimbs.ts's operations in its order). */
  const pairLoop =
    (valueAt: (ctx: number, x: number, y: number) => number): ScorePairs =>
    (ctx, candA, nA, candB, nB, out, thr, ratio, maxSamples, strict, prior) => {
      const passes = (count: number, need: number) => (strict ? count > need : count >= need);
      let found = 0;
      for (let i = 0; i < nA; i++) {
        const ax = heap.f64[candA / 8 + 3 * i],
          ay = heap.f64[candA / 8 + 3 * i + 1];
        for (let j = 0; j < nB; j++) {
          const bx = heap.f64[candB / 8 + 3 * j],
            by = heap.f64[candB / 8 + 3 * j + 1];
          const dx = bx - ax,
            dy = by - ay;
          const norm = Math.sqrt(dx * dx + dy * dy);
          if (!(norm > 0)) continue;
          const n = Math.min(roundHalfEven(norm + 1), maxSamples);
          const need = ratio * n;
          const stepX = dx / (n - 1),
            stepY = dy / (n - 1);
          const at = (t: number, s0: number, s1: number, step: number) =>
            n === 1 ? s0 : t === n - 1 ? s1 : step === 0 ? (t / (n - 1)) * (s1 - s0) + s0 : t * step + s0;
          let sum = 0,
            count = 0,
            t = 0;
          for (; t < n; t++) {
            const v = valueAt(ctx, roundHalfEven(at(t, ax, bx, stepX)), roundHalfEven(at(t, ay, by, stepY)));
            sum += v;
            if (v > thr) count++;
            else if (!passes(count + (n - t - 1), need)) break;
          }
          if (t < n) continue;
          const s = sum / n + Math.min((0.5 * prior) / norm - 1, 0);
          if (!(passes(count, need) && s > 0)) continue;
          const o = out / 8 + 5 * found++;
          const f64 = heap.f64;
          f64[o] = i;
          f64[o + 1] = j;
          f64[o + 2] = s;
          f64[o + 3] = norm;
          f64[o + 4] = 0.5 * s + 0.25 * f64[candA / 8 + 3 * i + 2] + 0.25 * f64[candB / 8 + 3 * j + 2];
        }
      }
      return found;
    };
  return {
    limbValue,
    scorePairs: pairLoop(limbValue),
    exactValue,
    scorePairsExact: pairLoop(exactValue),
  };
}
