import type { Tensor } from '../tensor/parseNpy.ts';
import { FLIP_HEAT_ORDER, FLIP_PAF_ORDER, CHANNELS } from '../skeleton/poseMeta.ts';

/**
 * Undo the flip pass and average (IMHN-REFERENCE §2 step 9), in float32 as numpy does:
 * avg[c][y][x] = (orig[c][y][x] + flipped[ord(c)][y][W−1−x]) / 2 with ord = flip_paf_ord over channels 0..29 and
 * flip_heat_ord over 30..49. Shapes: [50, h, w] → [50, h, w] (stride-4 map space), into `out` (reusable).
 * Without a flip pass, returns orig's data. `channels` limits the work to those channels (others stay as they are
 * in `out`): averaging is memory-bound, so callers average only what they read.
 */
export function flipAverage(
  orig: Tensor,
  flipped: Tensor | null,
  out: Float32Array = new Float32Array(orig.data.length),
  channels?: readonly number[],
): Float32Array {
  if (flipped === null) return orig.data;
  const [c, h, w] = orig.shape;
  const od = orig.data,
    fd = flipped.data;
  const plane = h * w;
  for (const ch of channels ?? Array.from({ length: c }, (_, i) => i)) {
    const src = flippedSource(ch);
    const o = ch * plane;
    const f = src * plane;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      const a = o + row,
        b = f + row + w - 1;
      // float32((a + b) / 2) == float32(a + b) / 2: halving commutes with rounding, so one rounding (the store) is exact.
      for (let x = 0; x < w; x++) out[a + x] = (od[a + x] + fd[b - x]) * 0.5;
    }
  }
  return out;
}

/** The raw flipped-pass channel that, mirrored, lines up with channel `ch` (flip_paf_ord / flip_heat_ord). */
export function flippedSource(ch: number): number {
  return ch < CHANNELS.keypointStart
    ? FLIP_PAF_ORDER[ch]
    : CHANNELS.keypointStart + FLIP_HEAT_ORDER[ch - CHANNELS.keypointStart];
}
