import { cubicAxis, roundHalfEven } from '../codec/cubicAxis.ts';

/** An 8-bit interleaved image: `data` is [H, W, C] row-major. */
export interface ImageU8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/**
 * `cv2.resize(img, (0,0), fx=m, fy=m, interpolation=INTER_CUBIC)` on uint8 (IMHN-REFERENCE §2 step 4): output
 * size round-half-even(W·m) × round-half-even(H·m), source coordinate (d + 0.5)/m − 0.5 with the given m, Keys
 * a = −0.75 weights in float32 then as 11-bit fixed point (saturate_cast<short>(w·2048)), border replicated,
 * horizontal pass in int; vertical pass as OpenCV's SSE build does it: the first ⌊L/16⌋·16 bytes of a row
 * (L = W·C) in float32 (VResizeCubicVec_32s8u: weights β/2²², ((S3·b3 + S2·b2) + S1·b1) + S0·b0, round half even),
 * the tail in int with a 22-bit rounding shift; both saturate to 0..255.
 */
export function resizeCubicU8(src: ImageU8, dstW: number, dstH: number, invScaleX: number, invScaleY: number): ImageU8 {
  const ax = fixedAxis(src.width, dstW, invScaleX);
  const ay = fixedAxis(src.height, dstH, invScaleY);
  const C = src.channels,
    sw = src.width;
  // Horizontal pass for every source row (int32 intermediate, as OpenCV's int buffer).
  const rows = new Int32Array(src.height * dstW * C);
  for (let y = 0; y < src.height; y++) {
    const s = y * sw * C,
      d = y * dstW * C;
    for (let x = 0; x < dstW; x++) {
      const k = x * 4;
      const i0 = ax.index[k] * C,
        i1 = ax.index[k + 1] * C,
        i2 = ax.index[k + 2] * C,
        i3 = ax.index[k + 3] * C;
      const w0 = ax.weight[k],
        w1 = ax.weight[k + 1],
        w2 = ax.weight[k + 2],
        w3 = ax.weight[k + 3];
      for (let c = 0; c < C; c++) {
        rows[d + x * C + c] =
          src.data[s + i0 + c] * w0 + src.data[s + i1 + c] * w1 + src.data[s + i2 + c] * w2 + src.data[s + i3 + c] * w3;
      }
    }
  }
  const out = new Uint8Array(dstH * dstW * C);
  const rowLen = dstW * C,
    half = 1 << (2 * COEF_BITS - 1);
  const simdEnd = Math.floor(rowLen / 16) * 16,
    f32 = Math.fround,
    scale = 1 / (1 << (2 * COEF_BITS));
  for (let y = 0; y < dstH; y++) {
    const k = y * 4;
    const r0 = ay.index[k] * rowLen,
      r1 = ay.index[k + 1] * rowLen,
      r2 = ay.index[k + 2] * rowLen,
      r3 = ay.index[k + 3] * rowLen;
    const b0 = ay.weight[k],
      b1 = ay.weight[k + 1],
      b2 = ay.weight[k + 2],
      b3 = ay.weight[k + 3];
    const fb0 = f32(b0 * scale),
      fb1 = f32(b1 * scale),
      fb2 = f32(b2 * scale),
      fb3 = f32(b3 * scale);
    const o = y * rowLen;
    for (let i = 0; i < simdEnd; i++) {
      let t = f32(rows[r3 + i] * fb3);
      t = f32(f32(rows[r2 + i] * fb2) + t);
      t = f32(f32(rows[r1 + i] * fb1) + t);
      t = f32(f32(rows[r0 + i] * fb0) + t);
      const v = roundHalfEven(t);
      out[o + i] = Math.min(255, Math.max(0, v));
    }
    for (let i = simdEnd; i < rowLen; i++) {
      // Products fit in float64 exactly (|rows| < 2^21, |b| < 2^12), so this is OpenCV's integer arithmetic.
      const v = Math.floor(
        (rows[r0 + i] * b0 + rows[r1 + i] * b1 + rows[r2 + i] * b2 + rows[r3 + i] * b3 + half) / (1 << (2 * COEF_BITS)),
      );
      out[o + i] = Math.min(255, Math.max(0, v));
    }
  }
  return { data: out, width: dstW, height: dstH, channels: C };
}

function fixedAxis(srcLen: number, dstLen: number, invScale: number): { index: Int32Array; weight: Int32Array } {
  const a = cubicAxis(srcLen, dstLen, invScale);
  const weight = new Int32Array(a.weight.length);
  for (let i = 0; i < weight.length; i++) weight[i] = saturateShort(roundHalfEven(a.weight[i] * COEF_SCALE));
  return { index: a.index, weight };
}

/** saturate_cast<short>(float): round to nearest (ties to even, as cvRound) and clamp. */
function saturateShort(v: number): number {
  return Math.min(32767, Math.max(-32768, v));
}
