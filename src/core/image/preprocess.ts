import { resizeCubicU8, type ImageU8 } from './resizeCubicU8.ts';
import { scaledLength } from '../codec/cubicAxis.ts';

/** The network input rules of a model (model card `input`; the official values by default). */
export interface InputRules {
  boxSizePx: number;
  padMultiplePx: number;
  padValue: number;
  /** evaluate.py's clamp: the scaled image may not exceed these (height, width). */
  maxScaledHeightPx: number;
  maxScaledWidthPx: number;
}

export const OFFICIAL_INPUT_RULES: InputRules = {
  boxSizePx: 512,
  padMultiplePx: 64,
  padValue: 128,
  maxScaledHeightPx: 2600,
  maxScaledWidthPx: 3800,
};

/** One network input: NHWC float32 BGR in [0, 1], batch 1 or 2 (the mirrored copy second when flip). */
export interface NetworkInput {
  /** [batch, paddedH, paddedW, 3] row-major. */
  data: Float32Array;
  batch: number;
  paddedH: number;
  paddedW: number;
  multiplier: number;
}

/** m = s·box/H, clamped so that m·H ≤ maxH and m·W ≤ maxW (IMHN-REFERENCE §2 steps 2–3). */
export function scaleMultiplier(
  imageW: number,
  imageH: number,
  scale: number,
  r: InputRules = OFFICIAL_INPUT_RULES,
): number {
  let m = (scale * r.boxSizePx) / imageH;
  if (m * imageH > r.maxScaledHeightPx || m * imageW > r.maxScaledWidthPx)
    m = Math.min(r.maxScaledHeightPx / imageH, r.maxScaledWidthPx / imageW);
  return m;
}

/**
 * The official `predict` pre-processing for one scale: cv2 INTER_CUBIC resize by m on uint8, pad right/bottom to a
 * multiple of 64 with 128, /255 as float32, NHWC; with `flip`, the padded image mirrored left-right as batch item 2
 * (so its padding is on the left, as in the official code).
 */
export function preprocess(
  image: ImageU8,
  scale: number,
  flip: boolean,
  r: InputRules = OFFICIAL_INPUT_RULES,
): NetworkInput {
  const m = scaleMultiplier(image.width, image.height, scale, r);
  const rw = scaledLength(image.width, m),
    rh = scaledLength(image.height, m);
  const resized = resizeCubicU8(image, rw, rh, m, m);
  const pad = (n: number) => (n % r.padMultiplePx === 0 ? n : n + r.padMultiplePx - (n % r.padMultiplePx));
  const pw = pad(rw),
    ph = pad(rh);
  const batch = flip ? 2 : 1;
  const data = new Float32Array(batch * ph * pw * 3);
  const padV = Math.fround(r.padValue / 255);
  data.fill(padV);
  const plane = ph * pw * 3;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      for (let c = 0; c < 3; c++) {
        const v = resized.data[(y * rw + x) * 3 + c] / 255;
        data[(y * pw + x) * 3 + c] = v;
        if (flip) data[plane + (y * pw + (pw - 1 - x)) * 3 + c] = v;
      }
    }
  }
  return { data, batch, paddedH: ph, paddedW: pw, multiplier: m };
}
