import { CHANNELS } from '../skeleton/poseMeta.ts';

/** A stack of maps, `[C, H, W]` row-major float32 (stride-4 map space at scale 0). */
export interface Maps {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export interface FocalOptions {
  /** 1: the code at HEAD (|1 − s_t|); 2: the paper/README form ((1 − s_t)²); 0: plain L2 (no focal factor). */
  gamma: 0 | 1 | 2;
  /** GT value at or above which a pixel is foreground for s_t (0.01 at HEAD). */
  foregroundThreshold: number;
  /** Per-channel weights (length C); null = all 1. */
  channelWeights: Float32Array | null;
}

/** Channel weights of MultiTaskLoss: limbs 1, keypoints 3 (keypoint_task_weight), mask 0.1 (multi_task_weight), 49: 1. */
export function officialChannelWeights(): Float32Array {
  const w = new Float32Array(CHANNELS.count).fill(1);
  for (let c = CHANNELS.keypointStart; c < CHANNELS.keypointStart + CHANNELS.keypointCount; c++) w[c] = 3;
  w[CHANNELS.personMask] = 0.1;
  return w;
}

export const OFFICIAL_FOCAL: FocalOptions = {
  gamma: 1,
  foregroundThreshold: 0.01,
  channelWeights: officialChannelWeights(),
};
/** The alternative trainer (loss_model_parallel.py): (S − gt)² · mask, no focal factor, no channel weights. */
export const PLAIN_L2: FocalOptions = { gamma: 0, foregroundThreshold: 0.01, channelWeights: null };

/**
 * Focal L2 loss of one prediction against one target at one scale (IMHN-REFERENCE §6):
 * Σ_{c,y,x} (S − G)² · factor · mask[y,x] · W_c with s_t = S where G ≥ threshold else 1 − S and
 * factor = |1 − s_t|^γ. `mask` ([H, W], the loss mask mask_miss) may be null (all ones).
 */
export function focalL2Loss(
  pred: Maps,
  target: Maps,
  mask: Float32Array | null,
  o: FocalOptions = OFFICIAL_FOCAL,
): number {
  if (pred.channels !== target.channels || pred.height !== target.height || pred.width !== target.width) {
    throw new RangeError(
      `focalL2Loss: prediction [${pred.channels}, ${pred.height}, ${pred.width}] and target [${target.channels}, ${target.height}, ${target.width}] differ`,
    );
  }
  const plane = pred.height * pred.width;
  let total = 0;
  for (let c = 0; c < pred.channels; c++) {
    const wc = o.channelWeights ? o.channelWeights[c] : 1;
    if (wc === 0) continue;
    let sum = 0;
    for (let i = 0; i < plane; i++) {
      const m = mask ? mask[i] : 1;
      if (m === 0) continue;
      const s = pred.data[c * plane + i],
        g = target.data[c * plane + i];
      const d = s - g;
      let factor = 1;
      if (o.gamma > 0) {
        const st = g >= o.foregroundThreshold ? s : 1 - s;
        factor = Math.abs(1 - st) ** o.gamma;
      }
      sum += d * d * factor * m;
    }
    total += sum * wc;
  }
  return total;
}

/** Scale weights λ_s for scales 1/4 … 1/64 (scale_weight in config.py). */
export const OFFICIAL_SCALE_WEIGHTS = [0.1, 0.2, 0.4, 1.6, 6.4] as const;

/**
 * The full training loss for one sample: predictions `preds[t][s]` of every stack t at every scale s
 * ([C, H/2^s, W/2^s]), targets block-averaged to each scale (adaptive_avg_pool2d), the mask bilinearly resized
 * (PyTorch, align_corners = false) and zeroed below 0.5, per-scale mean over stacks, Σ λ_s L_s / Σ λ_s.
 */
export function multiScaleLoss(
  preds: Maps[][],
  target: Maps,
  mask: Float32Array | null,
  o: FocalOptions = OFFICIAL_FOCAL,
  scaleWeights: readonly number[] = OFFICIAL_SCALE_WEIGHTS,
): number {
  const nScales = preds[0].length;
  let total = 0,
    weightSum = 0;
  for (let s = 0; s < nScales; s++) {
    const { height: h, width: w } = preds[0][s];
    const gt = blockAverage(target, h, w);
    let m: Float32Array | null = null;
    if (mask) {
      m = bilinearResize(mask, target.height, target.width, h, w);
      for (let i = 0; i < m.length; i++) if (m[i] < 0.5) m[i] = 0;
    }
    let stackSum = 0;
    for (const stack of preds) stackSum += focalL2Loss(stack[s], gt, m, o);
    total += scaleWeights[s] * (stackSum / preds.length);
    weightSum += scaleWeights[s];
  }
  return total / weightSum;
}

/** adaptive_avg_pool2d to (h, w) when the sizes divide: the mean of each block. */
export function blockAverage(src: Maps, h: number, w: number): Maps {
  const fy = src.height / h,
    fx = src.width / w;
  if (!Number.isInteger(fy) || !Number.isInteger(fx))
    throw new RangeError(`blockAverage: ${src.height}×${src.width} is not a multiple of ${h}×${w}`);
  const out = new Float32Array(src.channels * h * w);
  for (let c = 0; c < src.channels; c++) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let yy = 0; yy < fy; yy++)
          for (let xx = 0; xx < fx; xx++) sum += src.data[(c * src.height + y * fy + yy) * src.width + x * fx + xx];
        out[(c * h + y) * w + x] = sum / (fx * fy);
      }
  }
  return { data: out, channels: src.channels, height: h, width: w };
}

/** F.interpolate(mode='bilinear', align_corners=False) of one plane: src = (dst + 0.5)·in/out − 0.5, clamped at 0. */
export function bilinearResize(src: Float32Array, sh: number, sw: number, dh: number, dw: number): Float32Array {
  const out = new Float32Array(dh * dw);
  const coord = (d: number, sLen: number, dLen: number) => {
    const v = Math.max(0, (d + 0.5) * (sLen / dLen) - 0.5);
    const i0 = Math.min(Math.floor(v), sLen - 1),
      i1 = Math.min(i0 + 1, sLen - 1);
    return [i0, i1, v - i0] as const;
  };
  for (let y = 0; y < dh; y++) {
    const [y0, y1, ty] = coord(y, sh, dh);
    for (let x = 0; x < dw; x++) {
      const [x0, x1, tx] = coord(x, sw, dw);
      const top = src[y0 * sw + x0] * (1 - tx) + src[y0 * sw + x1] * tx;
      const bottom = src[y1 * sw + x0] * (1 - tx) + src[y1 * sw + x1] * tx;
      out[y * dw + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}
