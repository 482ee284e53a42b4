import { roundHalfEven } from '../../cubicAxis.ts';
import { CTX, type DecodeKernels } from '../decodeKernels.ts';
import type { KernelHeap } from '../kernelHeap.ts';

const f32 = Math.fround;

type LimbKernels = Pick<DecodeKernels, 'limbValue' | 'scorePairs'>;

/** limbValue and scorePairs in TypeScript, with the WebAssembly ones' results (decodeKernels.ts, scoreLimbs.ts). */
export function jsLimbKernels(heap: KernelHeap, k: Pick<DecodeKernels, 'point' | 'host'>): LimbKernels {
  const limbValue = (ctx: number, index: number, x: number, y: number): number => {
    let q = heap.i32;
    const C = ctx / 4;
    const t = (y >> 3) * q[C + CTX.tilesX / 4] + (x >> 3);
    let blk = q[index / 4 + t];
    if (blk < 0) {
      blk = k.host.alloc(256);
      heap.f32.fill(NaN, blk / 4, blk / 4 + 64);
      heap.i32[index / 4 + t] = blk;
    }
    const a = blk / 4 + (y & 7) * 8 + (x & 7);
    let v = heap.f32[a];
    if (v === v) return v;
    q = heap.i32;
    const n = q[C + CTX.passes / 4];
    for (let p = 0; p < n; p++) {
      const pp = C + (CTX.passStart + 32 * p) / 4;
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
  return {
    limbValue,
    scorePairs(ctx, index, candA, nA, candB, nB, out, thr, ratio, maxSamples, strict, prior) {
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
            const v = limbValue(ctx, index, roundHalfEven(at(t, ax, bx, stepX)), roundHalfEven(at(t, ay, by, stepY)));
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
    },
  };
}
