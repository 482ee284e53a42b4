import { CHANNELS, LIMB_FROM, LIMB_TO } from '../skeleton/poseMeta.ts';
import { roundHalfEven } from './cubicAxis.ts';

const f32 = Math.fround;

/** One person for the encoder: 18 IMHN keypoints in network-input pixels; `labelled[j]` = COCO v > 0. */
export interface EncoderPerson {
  /** [18 × 2] x, y in input pixels (x right, y down; integer = pixel centre). */
  xy: ArrayLike<number>;
  labelled: ArrayLike<boolean>;
}

export interface EncoderOptions {
  strideInputPx: number;
  /** Keypoint Gaussian σ in input pixels (9 for 512 inputs; the config comment says 7 for 384). */
  keypointSigmaPx: number;
  /** keypoint_gaussian_thre: only sets the window half-size. */
  keypointWindowThreshold: number;
  /** Body-part Gaussian σ across the limb (paf_sigma, 7 px). */
  limbSigmaPx: number;
  /** paf_thre: the limb box is the endpoints' box expanded by this many input pixels (1·stride). */
  limbMarginPx: number;
  /** limb_gaussian_thre and the floor that replaces values at or below it. */
  limbThreshold: number;
  limbFloor: number;
  /** 'official' = line-distance Gaussian clipped by the box (the code); 'ellipse' = the paper's elliptical Gaussian. */
  limbShape: 'official' | 'ellipse';
}

/** IMHN-REFERENCE §5 (py_cocodata_server at df0a8ce, 512 input). */
export const OFFICIAL_ENCODER_OPTIONS: EncoderOptions = {
  strideInputPx: 4,
  keypointSigmaPx: 9,
  keypointWindowThreshold: 0.015,
  limbSigmaPx: 7,
  limbMarginPx: 4,
  limbThreshold: 0.015,
  limbFloor: 0.01,
  limbShape: 'official',
};

/**
 * Ground-truth maps exactly as the official generator makes them (IMHN-REFERENCE §5), for any grid:
 * cell (ix, iy) sits at input pixel (stride·ix + stride/2 − 0.5, …); channels 0..29 body parts (mean over persons),
 * 30..47 keypoint Gaussians (max over persons), 48 the eroded person mask (`personMask`, [gridH, gridW] in [0,1],
 * zeros when absent), 49 the max over keypoint channels; finally clipped to [0, 1].
 * Returns [50, gridH, gridW] row-major float32.
 */
export function encodeTargets(
  persons: EncoderPerson[],
  gridH: number,
  gridW: number,
  personMask: Float32Array | null = null,
  o: EncoderOptions = OFFICIAL_ENCODER_OPTIONS,
): Float32Array {
  const plane = gridH * gridW;
  const out = new Float32Array(CHANNELS.count * plane);
  const gx = Float32Array.from({ length: gridW }, (_, i) => o.strideInputPx * i + o.strideInputPx / 2 - 0.5);
  const gy = Float32Array.from({ length: gridH }, (_, i) => o.strideInputPx * i + o.strideInputPx / 2 - 0.5);
  for (const p of persons)
    for (let j = 0; j < CHANNELS.keypointCount; j++)
      if (p.labelled[j])
        putKeypoint(out, (CHANNELS.keypointStart + j) * plane, p.xy[2 * j], p.xy[2 * j + 1], gx, gy, o);
  const count = new Float32Array(plane);
  for (let k = 0; k < CHANNELS.limbCount; k++) {
    count.fill(0);
    const base = k * plane;
    for (const p of persons) {
      const a = LIMB_FROM[k],
        b = LIMB_TO[k];
      if (p.labelled[a] && p.labelled[b])
        putLimb(out, base, count, p.xy[2 * a], p.xy[2 * a + 1], p.xy[2 * b], p.xy[2 * b + 1], gx, gy, o);
    }
    for (let i = 0; i < plane; i++) if (count[i] > 0) out[base + i] /= count[i];
  }
  if (personMask)
    erode3x3(personMask, gridH, gridW, out.subarray(CHANNELS.personMask * plane, (CHANNELS.personMask + 1) * plane));
  const maxBase = CHANNELS.keypointMax * plane;
  for (let j = 0; j < CHANNELS.keypointCount; j++) {
    const base = (CHANNELS.keypointStart + j) * plane;
    for (let i = 0; i < plane; i++) if (out[base + i] > out[maxBase + i]) out[maxBase + i] = out[base + i];
  }
  // The official maps are clipped to [0, 1]. Keypoint Gaussians, limb means and their max already lie in [0, 1];
  // only the caller's mask can leave it.
  const maskBase = CHANNELS.personMask * plane;
  for (let i = maskBase; i < maskBase + plane; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return out;
}

/** Window half-size in cells: ceil(√(−2σ² ln thre) / stride) (gaussian_size / 2; 7 for σ = 9). */
export function keypointWindowHalf(o: EncoderOptions): number {
  return Math.ceil(Math.sqrt(-2 * o.keypointSigmaPx ** 2 * Math.log(o.keypointWindowThreshold)) / o.strideInputPx);
}

/** put_gaussian_maps: separable float32 Gaussian on a (2h+1)² window around round(x/stride), max into the channel. */
function putKeypoint(
  out: Float32Array,
  base: number,
  x: number,
  y: number,
  gx: Float32Array,
  gy: Float32Array,
  o: EncoderOptions,
): void {
  const h = keypointWindowHalf(o);
  const cx = roundHalfEven(x / o.strideInputPx),
    cy = roundHalfEven(y / o.strideInputPx);
  const x1 = Math.min(gx.length, cx + h + 1),
    y1 = Math.min(gy.length, cy + h + 1);
  if (x1 <= 0 || y1 <= 0) return;
  const x0 = Math.max(0, cx - h),
    y0 = Math.max(0, cy - h);
  const twoSigma2 = f32(2 * o.keypointSigmaPx * o.keypointSigmaPx);
  const xf = f32(x),
    yf = f32(y);
  const ex = new Float32Array(Math.max(0, x1 - x0));
  for (let i = x0; i < x1; i++) {
    const d = f32(gx[i] - xf);
    ex[i - x0] = f32(Math.exp(-f32(f32(d * d) / twoSigma2)));
  }
  for (let j = y0; j < y1; j++) {
    const d = f32(gy[j] - yf);
    const ey = f32(Math.exp(-f32(f32(d * d) / twoSigma2)));
    const row = base + j * gx.length;
    for (let i = x0; i < x1; i++) {
      const v = f32(ey * ex[i - x0]);
      if (v > out[row + i]) out[row + i] = v;
    }
  }
}

/** put_limb_gaussian_maps for one person: add the limb's values over its expanded box and count contributions. */
function putLimb(
  out: Float32Array,
  base: number,
  count: Float32Array,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  gx: Float32Array,
  gy: Float32Array,
  o: EncoderOptions,
): void {
  const dx = x2 - x1,
    dy = y2 - y1;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return;
  const s = o.strideInputPx,
    m = o.limbMarginPx;
  const ix1 = Math.min(gx.length - 1, roundHalfEven((Math.max(x1, x2) + m) / s));
  const iy1 = Math.min(gy.length - 1, roundHalfEven((Math.max(y1, y2) + m) / s));
  const rawX0 = roundHalfEven((Math.min(x1, x2) - m) / s),
    rawY0 = roundHalfEven((Math.min(y1, y2) - m) / s);
  if (roundHalfEven((Math.max(x1, x2) + m) / s) < 0 || roundHalfEven((Math.max(y1, y2) + m) / s) < 0) return;
  const ix0 = Math.max(0, rawX0),
    iy0 = Math.max(0, rawY0);
  const norm = Math.sqrt(len2) + 1e-6,
    twoSig2 = 2 * o.limbSigmaPx ** 2;
  // Beyond this distance g ≤ limbThreshold, i.e. the floor value: skip the exp there.
  const floorD2 = -twoSig2 * Math.log(o.limbThreshold);
  const mx = (x1 + x2) / 2,
    my = (y1 + y2) / 2,
    len = Math.sqrt(len2),
    ux = dx / len,
    uy = dy / len;
  for (let iy = iy0; iy <= iy1; iy++) {
    const Y = gy[iy],
      row = base + iy * gx.length,
      crow = iy * gx.length;
    for (let ix = ix0; ix <= ix1; ix++) {
      const X = gx[ix];
      let g: number;
      if (o.limbShape === 'official') {
        const d = Math.abs(dx * (y1 - Y) - (x1 - X) * dy) / norm;
        g = d * d >= floorD2 ? o.limbFloor : Math.exp(-(d * d) / twoSig2);
      } else {
        // Paper form: elliptical Gaussian centred on the limb, σ_major = half the limb length, σ_minor = limbSigma.
        const u = (X - mx) * ux + (Y - my) * uy,
          v = -(X - mx) * uy + (Y - my) * ux;
        g = Math.exp(-(u * u) / (2 * (len / 2) ** 2) - (v * v) / twoSig2);
      }
      if (g <= o.limbThreshold) g = o.limbFloor;
      out[row + ix] += g;
      count[crow + ix] += 1;
    }
  }
}

/** cv2.erode with a 3×3 kernel and the default border (outside pixels never erode): min over in-bounds neighbours. */
function erode3x3(src: Float32Array, h: number, w: number, dst: Float32Array): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = Infinity;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) m = Math.min(m, src[yy * w + xx]);
      }
      dst[y * w + x] = m;
    }
  }
}
