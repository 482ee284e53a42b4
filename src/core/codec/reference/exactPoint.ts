/** One resize axis as OpenCV computes it (cubicAxis.ts): four clamped taps and float32 weights per output. */
export interface AxisTable {
  index: Int32Array;
  weight: Float32Array;
}

const f32 = Math.fround;

/** OpenCV's vertical 4-tap sum: SIMD order ((b3·S3 + b2·S2) + b1·S1) + b0·S0, or the scalar tail's forward order. */
export function vertical4(v: ArrayLike<number>, w: Float32Array, k: number, simd: boolean): number {
  if (simd) {
    let s = f32(w[k + 3] * v[3]);
    s = f32(s + f32(w[k + 2] * v[2]));
    s = f32(s + f32(w[k + 1] * v[1]));
    return f32(s + f32(w[k] * v[0]));
  }
  let s = f32(w[k] * v[0]);
  s = f32(s + f32(w[k + 1] * v[1]));
  s = f32(s + f32(w[k + 2] * v[2]));
  return f32(s + f32(w[k + 3] * v[3]));
}

/** The four axes of one pass: map → ×4 (stage 1) and cropped stage 1 → image (stage 2). */
export interface PassAxes {
  ax1: AxisTable;
  ay1: AxisTable;
  ax2: AxisTable;
  ay2: AxisTable;
}

/** Scratch for exactPointValue: 4 stage-1 columns × up to 16 map rows, and two 4-vectors. */
export interface PointScratch {
  ptA: Float32Array;
  ptI: Float32Array;
  ptC: Float32Array;
}

export const pointScratch = (): PointScratch => ({
  ptA: new Float32Array(4 * 16),
  ptI: new Float32Array(4),
  ptC: new Float32Array(4),
});

/**
 * The `reference` value of one pass at image pixel (x, y) of a [*, mapW] plane at planeOff, computed from its 4×4
 * stage-1 taps alone with the same float32 operations, in the same order, as OpenCV computes the whole plane
 * (resizeCubic.ts): stage-1 columns ≥ tailPadded and image columns ≥ tailImage use the scalar tail's order.
 */
export function exactPointValue(
  plane: Float32Array,
  planeOff: number,
  mapW: number,
  a: PassAxes,
  tailPadded: number,
  tailImage: number,
  y: number,
  x: number,
  s: PointScratch,
): number {
  const { ax1, ay1, ax2, ay2 } = a;
  const { ptA, ptI, ptC } = s;
  // Map rows used by the four stage-1 rows r (consecutive, so their taps span a short range).
  const sr0 = ay1.index[ay2.index[y * 4] * 4];
  const sr1 = ay1.index[ay2.index[y * 4 + 3] * 4 + 3];
  for (let q = 0; q < 4; q++) {
    const kc = ax2.index[x * 4 + q] * 4;
    for (let sr = sr0; sr <= sr1; sr++) {
      const off = planeOff + sr * mapW;
      let v = f32(plane[off + ax1.index[kc]] * ax1.weight[kc]);
      v = f32(v + f32(plane[off + ax1.index[kc + 1]] * ax1.weight[kc + 1]));
      v = f32(v + f32(plane[off + ax1.index[kc + 2]] * ax1.weight[kc + 2]));
      ptA[(sr - sr0) * 4 + q] = f32(v + f32(plane[off + ax1.index[kc + 3]] * ax1.weight[kc + 3]));
    }
  }
  for (let k = 0; k < 4; k++) {
    const kr = ay2.index[y * 4 + k] * 4;
    let h = 0;
    for (let q = 0; q < 4; q++) {
      const c = ax2.index[x * 4 + q];
      for (let t = 0; t < 4; t++) ptI[t] = ptA[(ay1.index[kr + t] - sr0) * 4 + q];
      const term = f32(vertical4(ptI, ay1.weight, kr, c < tailPadded) * ax2.weight[x * 4 + q]);
      h = q === 0 ? term : f32(h + term);
    }
    ptC[k] = h;
  }
  return vertical4(ptC, ay2.weight, y * 4, x < tailImage);
}
