import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assumedCard, parseModelCard, ModelCardError, type ModelCard } from '../../core/model/modelCard.ts';
import type { NetworkInput } from '../../core/image/preprocess.ts';
import { ortProviderName, providerOrder, providerUnavailableReason, type ProviderName } from './executionProviders.ts';

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface LoadOptions {
  provider?: ProviderName;
  /** Receives one line per decision (provider skipped and why, card assumptions). */
  log?: (line: string) => void;
  intraOpThreads?: number;
}

/** A loaded IMHN: one ONNX Runtime session, its card, the active provider. */
export interface PoseModel {
  path: string;
  card: ModelCard;
  provider: string;
  /** [N, 50, Hp/4, Wp/4] maps for an NHWC float32 input; runs asynchronously (the event loop stays free). */
  run(input: NetworkInput): Promise<{ data: Float32Array; dims: number[] }>;
  release(): Promise<void>;
}

/** `<model>.card.json` beside `<model>.onnx`. */
export function cardPathFor(modelPath: string): string {
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, path.extname(modelPath))}.card.json`);
}

/**
 * Loads an ONNX model and its card, choosing the execution provider (requested one only, or the platform order with
 * fallback to CPU, logging why each one was skipped), then probes it with a 64×64 input: the output must have
 * the card's channel count (50) at stride 4. Every failure says what is wrong with the file.
 */
export async function loadPoseModel(modelPath: string, options: LoadOptions = {}): Promise<PoseModel> {
  const log = options.log ?? (() => undefined);
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (e) {
    throw new ModelLoadError(
      `${modelPath}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (bytes.length === 0) throw new ModelLoadError(`${modelPath}: the model file is empty`);
  const requested = options.provider ?? 'auto';
  let session: ort.InferenceSession | undefined;
  let active = '';
  const errors: string[] = [];
  for (const p of providerOrder(requested)) {
    const unavailable = providerUnavailableReason(p);
    if (unavailable) {
      if (requested !== 'auto') throw new ModelLoadError(`provider ${p} failed to initialise: ${unavailable}`);
      log(`provider ${p} skipped: ${unavailable}`);
      errors.push(`${p}: ${unavailable}`);
      continue;
    }
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: [ortProviderName(p)],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.intraOpThreads ?? 0,
      });
      active = p;
      break;
    } catch (e) {
      const why = firstLine(e);
      if (/protobuf|parse|invalid model|Load model|magic|ModelProto/i.test(why) && p === 'cpu') {
        throw new ModelLoadError(`${modelPath}: not a valid ONNX model (${why})`);
      }
      errors.push(`${p}: ${why}`);
      log(`provider ${p} skipped: ${why}`);
    }
  }
  if (!session) {
    if (errors.some((e) => /protobuf|parse|invalid model|Load model/i.test(e)))
      throw new ModelLoadError(`${modelPath}: not a valid ONNX model (${errors[errors.length - 1]})`);
    if (requested !== 'auto')
      throw new ModelLoadError(`provider ${requested} failed to initialise: ${errors.join('; ')}`);
    throw new ModelLoadError(`${modelPath}: no execution provider could start it (${errors.join('; ')})`);
  }
  const card = await readCard(modelPath, session, log);
  const model = wrap(modelPath, session, card, active);
  await probe(model, modelPath);
  log(
    `model ${path.basename(modelPath)} loaded on ${active} (${card.weights} weights${card.assumed.length ? ', no card: official conventions assumed' : ''})`,
  );
  return model;
}

async function readCard(
  modelPath: string,
  session: ort.InferenceSession,
  log: (l: string) => void,
): Promise<ModelCard> {
  const file = cardPathFor(modelPath);
  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    /* no card */
  }
  if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
    throw new ModelLoadError(
      `${modelPath}: expected one input (the image) and one output (the maps), found inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]`,
    );
  }
  if (text === null) {
    const card = assumedCard(path.basename(modelPath), session.inputNames[0], session.outputNames[0]);
    log(`warning: no model card at ${file}; assuming ${card.assumed.join('; ')}`);
    return card;
  }
  let card: ModelCard;
  try {
    card = parseModelCard(JSON.parse(text), file);
  } catch (e) {
    throw new ModelLoadError(
      e instanceof ModelCardError ? e.message : `${file}: not valid JSON (${(e as Error).message})`,
    );
  }
  if (!session.inputNames.includes(card.input.name))
    throw new ModelLoadError(
      `${modelPath}: the card names input "${card.input.name}" but the model's input is "${session.inputNames[0]}"`,
    );
  if (!session.outputNames.includes(card.output.name))
    throw new ModelLoadError(
      `${modelPath}: the card names output "${card.output.name}" but the model's outputs are [${session.outputNames.join(', ')}]`,
    );
  return card;
}

function wrap(modelPath: string, session: ort.InferenceSession, card: ModelCard, provider: string): PoseModel {
  return {
    path: modelPath,
    card,
    provider,
    async run(input) {
      const feeds = {
        [card.input.name]: new ort.Tensor('float32', input.data, [input.batch, input.paddedH, input.paddedW, 3]),
      };
      const out = await session.run(feeds);
      const t = out[card.output.name];
      if (t.type !== 'float32')
        throw new ModelLoadError(`${modelPath}: output "${card.output.name}" is ${t.type}, expected float32`);
      return { data: t.data as Float32Array, dims: t.dims.map(Number) };
    },
    release: () => session.release(),
  };
}

async function probe(model: PoseModel, modelPath: string): Promise<void> {
  const side = 64;
  let out: { data: Float32Array; dims: number[] };
  try {
    out = await model.run({
      data: new Float32Array(side * side * 3).fill(0.5),
      batch: 1,
      paddedH: side,
      paddedW: side,
      multiplier: 1,
    });
  } catch (e) {
    throw new ModelLoadError(
      `${modelPath}: does not accept an NHWC [1, 64, 64, 3] float32 image (${firstLine(e)}); is it an IMHN export?`,
    );
  }
  const want = [1, model.card.output.channels, side / model.card.output.stride, side / model.card.output.stride];
  if (out.dims.length !== 4 || out.dims.some((d, i) => d !== want[i])) {
    throw new ModelLoadError(
      `${modelPath}: for a 64×64 input the output is [${out.dims.join(', ')}], expected [${want.join(', ')}] (${want[1]} channels at stride ${model.card.output.stride}); this is not an IMHN pose model`,
    );
  }
  if (want[1] !== 50)
    throw new ModelLoadError(
      `${modelPath}: the card says ${want[1]} output channels; the decoder needs the 50-channel IMHN layout`,
    );
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]
    .slice(0, 300);
}
