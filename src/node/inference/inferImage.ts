import { decodeImageBgr } from '../images/decodeImage.ts';
import { preprocess, scaleMultiplier } from '../../core/image/preprocess.ts';
import type { ImageU8 } from '../../core/image/resizeCubicU8.ts';
import type { DecodeInput, DecodePass } from '../../core/codec/decodeCase.ts';
import type { DecodeOutput } from '../../core/codec/decodeReference.ts';
import { imhnCodec } from '../../core/codec/imhnCodec.ts';
import { countNonFinite, ortMessage, type PoseModel } from './poseModel.ts';
import { scaledLength } from '../../core/codec/cubicAxis.ts';
import { toPoses, type Pose } from '../../core/codec/assign/toPoses.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';

/**
 * Scale factors s (height 512·s; the official evaluation uses 0.5, 1, 1.5, 2, 3), the flip pass and the decoder
 * mode: detection's settings, declared once in the contract.
 */
export type InferOptions = DetectSettings;

/** One image could not go through the network: the message names the image, the pass and the reason. */
export class ImageInferenceError extends Error {
  override name = 'ImageInferenceError';
}

export const DEFAULT_INFER_OPTIONS: InferOptions = { scales: [1], flip: true, mode: 'fast' };

export interface InferResult {
  imageId: number;
  width: number;
  height: number;
  /** The raw stride-4 maps of every pass ([50, h, w] each, flipped pass not yet un-flipped): cache and heatmap display. */
  passes: DecodePass[];
  decoded: DecodeOutput;
  /** The persons in image pixels with per-joint scores (COCO order). */
  poses: Pose[];
  timingsMs: { decodeImage: number; preprocess: number; network: number; postprocess: number };
}

/**
 * The official `predict` for one image (IMHN-REFERENCE §2): for each scale, resize + pad + /255 (flip batched),
 * run the network, keep the last stack's stride-4 maps, then flip-average, upsample, scale-average and assign
 * keypoints through the core decoder. Persons come back in original-image pixels.
 */
export async function inferImage(
  model: PoseModel,
  image: string | ImageU8,
  imageId: number,
  o: InferOptions = DEFAULT_INFER_OPTIONS,
): Promise<InferResult> {
  let t = performance.now();
  const img = typeof image === 'string' ? await decodeImageBgr(image) : image;
  const timings = { decodeImage: performance.now() - t, preprocess: 0, network: 0, postprocess: 0 };
  const passes: DecodePass[] = [];
  const where = typeof image === 'string' ? `${image}: ` : '';
  for (const s of o.scales) {
    const m = scaleMultiplier(img.width, img.height, s, model.card.input.rules);
    if (scaledLength(img.width, m) < 1 || scaledLength(img.height, m) < 1)
      throw new ImageInferenceError(
        `${where}scale ${s} shrinks the ${img.width}×${img.height} image to nothing (box size ${model.card.input.rules.boxSizePx} px); use a larger scale`,
      );
    t = performance.now();
    const input = preprocess(img, s, o.flip, model.card.input.rules);
    timings.preprocess += performance.now() - t;
    t = performance.now();
    let out: { data: Float32Array; dims: number[] };
    try {
      out = await model.run(input);
    } catch (e) {
      throw new ImageInferenceError(
        `${where}the network failed on its [${input.batch}, ${input.paddedH}, ${input.paddedW}, 3] input at scale ${s} (${ortMessage(e)})`,
      );
    }
    timings.network += performance.now() - t;
    const bad = countNonFinite(out.data);
    if (bad > 0)
      throw new ImageInferenceError(
        `${where}the model produced invalid maps at scale ${s}: ${bad} of ${out.data.length} values are NaN or infinite (no poses stored)`,
      );
    const [n, c, h, w] = out.dims;
    const size = c * h * w;
    passes.push({
      multiplier: input.multiplier,
      maps: { data: out.data.slice(0, size), shape: [c, h, w] },
      flippedMaps: n > 1 ? { data: out.data.slice(size, 2 * size), shape: [c, h, w] } : null,
    });
  }
  t = performance.now();
  const decodeInput: DecodeInput = { image: { id: imageId, width: img.width, height: img.height }, passes };
  const decoded = imhnCodec.decode(decodeInput, o.mode);
  timings.postprocess = performance.now() - t;
  const poses = toPoses(decoded.persons, decoded.peaks.flat());
  return { imageId, width: img.width, height: img.height, passes, decoded, poses, timingsMs: timings };
}
