import { compositeAxis, cubicAxis, COMPOSITE_TAPS, type CompositeAxis } from '../cubicAxis.ts';
import type { PassGeometry } from '../passGeometry.ts';
import type { PixelReader } from '../assign/refineCentroid.ts';

/** The composite image-space kernels of one pass (map → ×4 → crop → image), float64. */
export interface PassKernels {
  g: PassGeometry;
  x: CompositeAxis;
  y: CompositeAxis;
}

export function passKernels(g: PassGeometry): PassKernels {
  return {
    g,
    x: compositeAxis(cubicAxis(g.mapW, g.paddedW, 4), cubicAxis(g.resizedW, g.imageW, g.imageW / g.resizedW)),
    y: compositeAxis(cubicAxis(g.mapH, g.paddedH, 4), cubicAxis(g.resizedH, g.imageH, g.imageH / g.resizedH)),
  };
}

/**
 * One channel's full-resolution, scale-averaged map (the function the reference pipeline materialises),
 * evaluated only at the pixels asked for: Σ_p (1/n)·Σ_i Σ_j wy_p[i]·wx_p[j]·S_p — about 36 multiply-adds per pass,
 * float64, memoised. Equal to the reference values up to float32 rounding of the official chain (≈1e-6).
 * Planes are [mapH, mapW] flip-averaged maps (stride-4 map space).
 */
export class SparseFullRes implements PixelReader {
  readonly width: number;
  readonly height: number;
  private readonly kernels: PassKernels[];
  private readonly planes: Float32Array[];
  private readonly memo = new Map<number, number>();

  constructor(kernels: PassKernels[], planes: Float32Array[]) {
    this.kernels = kernels;
    this.planes = planes;
    this.width = kernels[0].g.imageW;
    this.height = kernels[0].g.imageH;
  }

  at(y: number, x: number): number {
    const key = y * this.width + x;
    let v = this.memo.get(key);
    if (v === undefined) {
      v = 0;
      const n = this.kernels.length;
      for (let p = 0; p < n; p++) v += evaluate(this.kernels[p], this.planes[p], y, x) / n;
      this.memo.set(key, v);
    }
    return v;
  }
}

function evaluate(k: PassKernels, plane: Float32Array, y: number, x: number): number {
  const w = k.g.mapW;
  const xs = k.x.start[x], xn = k.x.len[x], xk = x * COMPOSITE_TAPS;
  const ys = k.y.start[y], yn = k.y.len[y], yk = y * COMPOSITE_TAPS;
  let v = 0;
  for (let i = 0; i < yn; i++) {
    const row = (ys + i) * w + xs;
    let h = 0;
    for (let j = 0; j < xn; j++) h += plane[row + j] * k.x.weight[xk + j];
    v += h * k.y.weight[yk + i];
  }
  return v;
}
