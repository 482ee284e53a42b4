import type { Tensor } from '../tensor/parseNpy.ts';
import type { DecodeInput } from './decodeCase.ts';
import { flipAverage } from './flipAverage.ts';
import { inputGeometries, type PassGeometry } from './passGeometry.ts';
import { scaleTransfer, type AxisTransfer } from './scaleTransfer.ts';

/**
 * The maps the decoder reads, as one stride-4 pass without a flip pass: what the heatmap overlay paints and the
 * corrections (snap, candidates, flags, regroup) decode as a one-pass input.
 */
export interface CombinedPass {
  /** The pass whose map space `maps` is in: the image resized by this, padded right/bottom to 64, stride 4. */
  multiplier: number;
  /** [50, Hp/4, Wp/4] float32, stride-4 map space of `multiplier` (padding included), flip-averaged. */
  maps: Tensor;
}

/**
 * The decoder's combination of an image's passes (IMHN-REFERENCE §2 steps 9–11: each pass flip-averaged, upsampled
 * to the image, averaged over the passes) as one pass, so that what reads one pass reads what the decoder did.
 * - One pass: its flip average, exactly (`data` is the flip average the decoder upsamples; no copy without flip).
 * - Several: on the map grid of the finest pass (largest multiplier; its detail is kept as is), the mean over the
 *   passes of each flip average moved onto that grid by `scaleTransfer` (per axis, least squares over every image
 *   pixel through the decoder's own upsampling kernels): its upsampling is the decoder's combined map to about 1 %
 *   of a peak's height (combinedPass.test.ts; ≤ 0.004 on the bundled model's maps of photos), far closer than any
 *   one pass's — close enough to paint and to rank images by hardness, not to decode: a peak that flat moves by a
 *   pixel, so the corrections decode the passes themselves (imagePredictions.ts imageMapsNpy).
 * Throws DecodeInputError for maps whose shapes do not fit the image (inputGeometries).
 */
export function combinedPass(input: DecodeInput): CombinedPass {
  const geometries = inputGeometries(input);
  const averaged = input.passes.map((p) => flipAverage(p.maps, p.flippedMaps));
  if (input.passes.length === 1)
    return { multiplier: geometries[0].multiplier, maps: { shape: input.passes[0].maps.shape, data: averaged[0] } };
  let fine = 0;
  for (let i = 1; i < geometries.length; i++) if (geometries[i].multiplier > geometries[fine].multiplier) fine = i;
  const gf = geometries[fine];
  const channels = input.passes[0].maps.shape[0];
  const out = new Float32Array(channels * gf.mapH * gf.mapW);
  const acc = new Float64Array(out.length);
  for (const [s, g] of geometries.entries()) {
    if (s === fine) addPlanes(acc, averaged[s]);
    else moveOnto(acc, averaged[s], channels, g, gf);
  }
  const n = input.passes.length;
  for (let i = 0; i < out.length; i++) out[i] = acc[i] / n;
  return { multiplier: gf.multiplier, maps: { shape: [channels, gf.mapH, gf.mapW], data: out } };
}

function addPlanes(acc: Float64Array, planes: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += planes[i];
}

/** acc[c] += Ty · maps[c] · Txᵀ for every channel: pass `g`'s maps moved onto pass `gf`'s grid. */
function moveOnto(acc: Float64Array, maps: Float32Array, channels: number, g: PassGeometry, gf: PassGeometry): void {
  const ty = scaleTransfer(
    { mapLen: gf.mapH, resizedLen: gf.resizedH, imageLen: gf.imageH },
    { mapLen: g.mapH, resizedLen: g.resizedH, imageLen: g.imageH },
  );
  const tx = scaleTransfer(
    { mapLen: gf.mapW, resizedLen: gf.resizedW, imageLen: gf.imageW },
    { mapLen: g.mapW, resizedLen: g.resizedW, imageLen: g.imageW },
  );
  const rows = new Float64Array(g.mapH * gf.mapW); // one channel moved along x: [h, W]
  for (let c = 0; c < channels; c++) {
    const src = c * g.mapH * g.mapW;
    for (let r = 0; r < g.mapH; r++) applyRow(tx, maps, src + r * g.mapW, rows, r * gf.mapW);
    const dst = c * gf.mapH * gf.mapW;
    for (let i = 0; i < gf.mapH; i++) {
      const o = ty.offset[i];
      for (let k = 0; k < ty.len[i]; k++) {
        const w = ty.weight[o + k],
          row = (ty.start[i] + k) * gf.mapW;
        for (let j = 0; j < gf.mapW; j++) acc[dst + i * gf.mapW + j] += w * rows[row + j];
      }
    }
  }
}

/** out[o + j] = Σ_k t[j][k] · src[s + k] for every row j of the transfer. */
function applyRow(t: AxisTransfer, src: Float32Array, s: number, out: Float64Array, o: number): void {
  for (let j = 0; j < t.dstLen; j++) {
    let v = 0;
    const w = t.offset[j],
      from = s + t.start[j];
    for (let k = 0; k < t.len[j]; k++) v += t.weight[w + k] * src[from + k];
    out[o + j] = v;
  }
}
