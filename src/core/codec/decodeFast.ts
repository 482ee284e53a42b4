import { CHANNELS, FLIP_HEAT_ORDER, FLIP_PAF_ORDER, IMHN_META } from '../skeleton/poseMeta.ts';
import { DecodeInputError, type DecodeInput, type DecodePass } from './decodeCase.ts';
import { checkMapShape, passGeometry } from './passGeometry.ts';
import { passKernels, SparseFullRes, type PassKernels } from './fast/sparseFullRes.ts';
import { findPeaksFast } from './fast/findPeaksFast.ts';
import { officialLimbOptions, type LimbSampler } from './assign/scoreLimbs.ts';
import { assemble, REFERENCE_DEFAULTS, type DecodeOptions, type DecodeOutput } from './decodeReference.ts';
import { roundHalfEven } from './cubicAxis.ts';

/**
 * `fast` mode: the same assignment as `reference`, on the same full-resolution function, but nothing at full
 * resolution is materialised: peaks come from hill climbs seeded by stride-4 maxima, limb samples and refinement
 * windows evaluate the composite cubic kernel at single pixels from the stride-4 maps (see fast/sparseFullRes.ts).
 * Differences from `reference` are float rounding and peaks whose stride-4 neighbourhood stays below 0.8·thre1.
 */
export function decodeFast(input: DecodeInput, options: Partial<DecodeOptions> = {}): DecodeOutput {
  const o = { ...REFERENCE_DEFAULTS, ...options };
  const { width: W, height: H, id } = input.image;
  if (input.passes.length === 0) throw new DecodeInputError('a decode input needs at least one pass');
  const kernels: PassKernels[] = input.passes.map((pass, i) => {
    const g = passGeometry(W, H, pass.multiplier);
    checkMapShape(g, pass.maps.shape, `pass ${i} maps`);
    if (pass.flippedMaps) checkMapShape(g, pass.flippedMaps.shape, `pass ${i} flipped maps`);
    return passKernels(g);
  });
  const planesOf = (c: number) => input.passes.map((pass) => averagedPlane(pass, c));
  const heatPlanes = IMHN_META.keypoints.map((_, j) => planesOf(CHANNELS.keypointStart + j));
  const heat = heatPlanes.map((planes) => new SparseFullRes(kernels, planes));
  const peaks = findPeaksFast(heat, heatPlanes, kernels, o.peaks);
  const paf: (SparseFullRes | undefined)[] = new Array(CHANNELS.limbCount);
  const pafOf = (k: number) => (paf[k] ??= new SparseFullRes(kernels, planesOf(k)));
  const sampler: LimbSampler = {
    value: (k, x, y) => pafOf(k).at(roundHalfEven(y), roundHalfEven(x)),
    bound: () => Infinity,
  };
  return assemble(id, peaks, sampler, { ...officialLimbOptions(H), ...o.limbs }, o.assemble);
}

/** Flip-averaged plane of channel c (stride-4 map space, float32 as numpy computes it); the raw plane without flip. */
function averagedPlane(pass: DecodePass, c: number): Float32Array {
  const [, h, w] = pass.maps.shape;
  const size = h * w;
  const orig = pass.maps.data.subarray(c * size, (c + 1) * size);
  if (!pass.flippedMaps) return orig;
  const src = c < CHANNELS.keypointStart ? FLIP_PAF_ORDER[c] : CHANNELS.keypointStart + FLIP_HEAT_ORDER[c - CHANNELS.keypointStart];
  const flipped = pass.flippedMaps.data.subarray(src * size, (src + 1) * size);
  const out = new Float32Array(size);
  for (let y = 0; y < h; y++) {
    const a = y * w, b = y * w + w - 1;
    for (let x = 0; x < w; x++) out[a + x] = (orig[a + x] + flipped[b - x]) * 0.5;
  }
  return out;
}
