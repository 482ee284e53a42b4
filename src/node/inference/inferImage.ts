import { decodeImageBgr } from '../images/decodeImage.ts';
import { preprocess, scaleMultiplier, type NetworkInput } from '../../core/image/preprocess.ts';
import type { ImageU8 } from '../../core/image/resizeCubicU8.ts';
import type { DecodeInput, DecodePass } from '../../core/codec/decodeCase.ts';
import type { DecodeOutput } from '../../core/codec/decodeReference.ts';
import { imhnCodec } from '../../core/codec/imhnCodec.ts';
import type { ModelCard } from '../../core/model/modelCard.ts';
import { countNonFinite, ortMessage, type NetworkOutput, type PoseModel } from './poseModel.ts';
import { scaledLength } from '../../core/codec/cubicAxis.ts';
import { toPoses, type Pose } from '../../core/codec/assign/toPoses.ts';
import { DEFAULT_DETECT_SETTINGS, type DetectSettings } from '../jobs/detectSettings.ts';
import type { MapFiles } from '../project/mapFiles.ts';

/**
 * Scale factors s (height 512·s; the official evaluation uses 0.5, 1, 1.5, 2, 3), the flip pass and the decoder
 * mode: detection's settings, declared once in the contract.
 */
export type InferOptions = DetectSettings;

/** One image could not go through the network: the message names the image, the pass and the reason. */
export class ImageInferenceError extends Error {
  override name = 'ImageInferenceError';
}

export const DEFAULT_INFER_OPTIONS: InferOptions = DEFAULT_DETECT_SETTINGS;

/** Milliseconds per stage of one image (`network`: the network's own runs, without waiting for its thread). */
export interface StageTimingsMs {
  decodeImage: number;
  preprocess: number;
  network: number;
  postprocess: number;
}

export interface InferResult {
  imageId: number;
  width: number;
  height: number;
  /**
   * The raw stride-4 maps of every pass ([50, h, w] each, flipped pass not yet un-flipped): cache and heatmap
   * display. Empty when the worker wrote them to the map cache itself (`storedMaps`).
   */
  passes: DecodePass[];
  /** The map cache files the worker wrote for this image (PoseEngine.infer's `mapsTo`), to be recorded. */
  storedMaps?: StoredMaps;
  decoded: DecodeOutput;
  /** The persons in image pixels with per-joint scores (COCO order). */
  poses: Pose[];
  timingsMs: StageTimingsMs;
}

/** Where the worker writes an image's maps (writeMapFiles: float16 .npy files named after `key` in `dir`). */
export interface MapsTarget {
  dir: string;
  key: string;
}

/** Map cache files written for an image, and their size. */
export interface StoredMaps {
  files: MapFiles;
  bytes: number;
}

/** An image decoded and pre-processed: one network input per scale, in the order of `scales`. */
export interface PreparedImage {
  imageId: number;
  width: number;
  height: number;
  /** `path: ` for messages (empty for an image given as pixels). */
  where: string;
  scales: DetectSettings['scales'];
  inputs: NetworkInput[];
  timingsMs: Pick<StageTimingsMs, 'decodeImage' | 'preprocess'>;
}

/**
 * The official `predict` for one image (IMHN-REFERENCE §2): for each scale, resize + pad + /255 (flip batched),
 * run the network, keep the last stack's stride-4 maps, then flip-average, upsample, scale-average and assign
 * keypoints through the core decoder. Persons come back in original-image pixels. The three stages are also
 * exported apart (prepareImage → the network → finishImage), so a pipeline can overlap them across images.
 */
export async function inferImage(
  model: PoseModel,
  image: string | ImageU8,
  imageId: number,
  o: InferOptions = DEFAULT_INFER_OPTIONS,
): Promise<InferResult> {
  const prepared = await prepareImage(model.card, image, imageId, o);
  const outputs: NetworkOutput[] = [];
  const t = performance.now();
  for (let i = 0; i < prepared.inputs.length; i++) {
    try {
      outputs.push(await model.run(prepared.inputs[i]));
    } catch (e) {
      throw networkError(prepared, i, ortMessage(e));
    }
  }
  return finishImage(prepared, outputs, o, performance.now() - t);
}

/** Decodes the image (a path: EXIF, any format, 8-bit BGR) and builds every pass's network input. */
export async function prepareImage(
  card: ModelCard,
  image: string | ImageU8,
  imageId: number,
  o: InferOptions,
): Promise<PreparedImage> {
  let t = performance.now();
  const img = typeof image === 'string' ? await decodeImageBgr(image) : image;
  const decodeImage = performance.now() - t;
  const where = typeof image === 'string' ? `${image}: ` : '';
  for (const s of o.scales) {
    const m = scaleMultiplier(img.width, img.height, s, card.input.rules);
    if (scaledLength(img.width, m) < 1 || scaledLength(img.height, m) < 1)
      throw new ImageInferenceError(
        `${where}scale ${s} shrinks the ${img.width}×${img.height} image to nothing (box size ${card.input.rules.boxSizePx} px); use a larger scale`,
      );
  }
  t = performance.now();
  const inputs = o.scales.map((s) => preprocess(img, s, o.flip, card.input.rules));
  const timingsMs = { decodeImage, preprocess: performance.now() - t };
  return { imageId, width: img.width, height: img.height, where, scales: o.scales, inputs, timingsMs };
}

/** The error of pass `i` failing in the network (`why`: ONNX Runtime's message, see ortMessage). */
export function networkError(p: PreparedImage, i: number, why: string): ImageInferenceError {
  const input = p.inputs[i];
  return new ImageInferenceError(
    `${p.where}the network failed on its [${input.batch}, ${input.paddedH}, ${input.paddedW}, 3] input at scale ${p.scales[i]} (${why})`,
  );
}

/** Checks the network's outputs (one per pass: [N, 50, h, w]) and decodes them into persons. */
export function finishImage(
  p: PreparedImage,
  outputs: NetworkOutput[],
  o: InferOptions,
  networkMs: number,
): InferResult {
  const passes: DecodePass[] = [];
  for (const [i, out] of outputs.entries()) {
    const bad = countNonFinite(out.data);
    if (bad > 0)
      throw new ImageInferenceError(
        `${p.where}the model produced invalid maps at scale ${p.scales[i]}: ${bad} of ${out.data.length} values are NaN or infinite (no poses stored)`,
      );
    const [n, c, h, w] = out.dims;
    const size = c * h * w;
    passes.push({
      multiplier: p.inputs[i].multiplier,
      maps: { data: out.data.subarray(0, size), shape: [c, h, w] },
      flippedMaps: n > 1 ? { data: out.data.subarray(size, 2 * size), shape: [c, h, w] } : null,
    });
  }
  const t = performance.now();
  const decodeInput: DecodeInput = { image: { id: p.imageId, width: p.width, height: p.height }, passes };
  const decoded = imhnCodec.decode(decodeInput, o.mode);
  const postprocess = performance.now() - t;
  const poses = toPoses(decoded.persons, decoded.peaks.flat());
  const timingsMs = { ...p.timingsMs, network: networkMs, postprocess };
  return { imageId: p.imageId, width: p.width, height: p.height, passes, decoded, poses, timingsMs };
}
