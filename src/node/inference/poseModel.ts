import * as ort from 'onnxruntime-node';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assumedCard, parseModelCard, ModelCardError, type ModelCard } from '../../core/model/modelCard.ts';
import type { NetworkInput } from '../../core/image/preprocess.ts';
import { parseBoundedJson } from '../../core/json/parseBoundedJson.ts';
import { ortProviderName, providerOrder, providerUnavailableReason, type ProviderName } from './executionProviders.ts';

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface LoadOptions {
  provider?: ProviderName;
  /** Receives one line per decision (provider skipped and why, card assumptions). */
  log?: (line: string) => void;
  /** ONNX Runtime's CPU threads (default: sessionThreading's choice for the machine). */
  threading?: SessionThreading;
}

/** ONNX Runtime's intra-op thread pool of a session. */
export interface SessionThreading {
  /** Threads that compute one operator (0: ONNX Runtime's own default, the physical cores). */
  intraOpThreads: number;
  /** Whether idle pool threads busy-wait for the next operator (ONNX Runtime's default: yes). */
  spinning: boolean;
}

/**
 * The default: one intra-op thread per available core, without busy-waiting. Spinning threads burn the cores the
 * pipeline's other stages (image decode, pre-processing, the decoder, storing) run on beside the network, and on a
 * shared machine the other processes' too; `npm run bench:detect` measures the choice (docs/BENCHMARKS.md).
 * `SIMPLEPOSE_ORT_THREADS=N` and `SIMPLEPOSE_ORT_SPINNING=1` override it (a machine shared with other work).
 */
export function defaultThreading(env: NodeJS.ProcessEnv = process.env): SessionThreading {
  const threads = env.SIMPLEPOSE_ORT_THREADS;
  const spinning = env.SIMPLEPOSE_ORT_SPINNING;
  if (threads !== undefined && !/^[1-9][0-9]{0,2}$/.test(threads))
    throw new ModelLoadError(`SIMPLEPOSE_ORT_THREADS must be a number of threads from 1 to 999, got "${threads}"`);
  if (spinning !== undefined && spinning !== '0' && spinning !== '1')
    throw new ModelLoadError(`SIMPLEPOSE_ORT_SPINNING must be 0 or 1, got "${spinning}"`);
  return { intraOpThreads: threads ? Number(threads) : availableParallelism(), spinning: spinning === '1' };
}

/** [N, C, H, W] row-major network output. */
export interface NetworkOutput {
  data: Float32Array;
  dims: number[];
}

/** A loaded IMHN: one ONNX Runtime session, its card, the active provider. */
export interface PoseModel {
  path: string;
  card: ModelCard;
  provider: string;
  /** [N, 50, Hp/4, Wp/4] maps for an NHWC float32 input; runs asynchronously (the event loop stays free). */
  run(input: NetworkInput): Promise<NetworkOutput>;
  release(): Promise<void>;
}

/** `<model>.card.json` beside `<model>.onnx`. */
export function cardPathFor(modelPath: string): string {
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, path.extname(modelPath))}.card.json`);
}

/** Why `modelPath` cannot be a model file (missing, a folder, empty, unreadable), or null when it may be one. */
export function modelFileProblem(modelPath: string): string | null {
  try {
    const st = statSync(modelPath);
    if (st.isDirectory()) return `${modelPath}: is a folder, not an ONNX model file`;
    if (!st.isFile()) return `${modelPath}: not a regular file`;
    if (st.size === 0) return `${modelPath}: the model file is empty`;
    return null;
  } catch (e) {
    return `${modelPath}: ${fileErrorReason(e)}`;
  }
}

function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not an ONNX model file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return `cannot read the model (${code ?? (e as Error).message})`;
}

/** ONNX Runtime's message without its source location and C++ signature: the node that failed and why. */
export function ortMessage(e: unknown): string {
  const text = firstLine(e);
  const m = /running (\S+) node\. Name:'([^']*)' Status Message: (.*)$/.exec(text);
  if (!m) return text;
  const why = m[3].replace(/^\S+:\d+ /, '').replace(/^[^()]*\([^)]*\)\s*/, '');
  return `${m[1]} node ${m[2]}: ${why}`;
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
    throw new ModelLoadError(`${modelPath}: ${fileErrorReason(e)}`);
  }
  if (bytes.length === 0) throw new ModelLoadError(`${modelPath}: the model file is empty`);
  const requested = options.provider ?? 'auto';
  const threading = options.threading ?? defaultThreading();
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
        logSeverityLevel: 4, // its errors reach the user through our messages, not as raw log lines on stderr
        intraOpNumThreads: threading.intraOpThreads,
        extra: { session: { intra_op: { allow_spinning: threading.spinning ? '1' : '0' } } },
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
    // parseBoundedJson's message says where the text goes wrong, never what it holds (JSON.parse's quotes it).
    card = parseModelCard(parseBoundedJson(text), file);
  } catch (e) {
    throw new ModelLoadError(e instanceof ModelCardError ? e.message : `${file}: ${(e as Error).message}`);
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

/**
 * One run on a small grey input of the card's padding: H = pad, W = 3·pad (an odd multiple, so a network that needs
 * a larger multiple than the card says fails here rather than on the first photo). The output must be 50 finite
 * channels at the card's stride.
 */
async function probe(model: PoseModel, modelPath: string): Promise<void> {
  const { padMultiplePx: pad } = model.card.input.rules;
  const [h, w] = [pad, 3 * pad];
  let out: NetworkOutput;
  try {
    out = await model.run({
      data: new Float32Array(h * w * 3).fill(0.5),
      batch: 1,
      paddedH: h,
      paddedW: w,
      multiplier: 1,
    });
  } catch (e) {
    const card = model.card.assumed.length ? 'the official padding (no card)' : `the card's input.pad_multiple ${pad}`;
    throw new ModelLoadError(
      `${modelPath}: fails on an NHWC [1, ${h}, ${w}, 3] float32 image, padded per ${card} (${ortMessage(e)}); is it an IMHN export, and does its card match it?`,
    );
  }
  const s = model.card.output.stride;
  const want = [1, model.card.output.channels, h / s, w / s];
  if (out.dims.length !== 4 || out.dims.some((d, i) => d !== want[i])) {
    throw new ModelLoadError(
      `${modelPath}: for a ${w}×${h} input the output is [${out.dims.join(', ')}], expected [${want.join(', ')}] (${want[1]} channels at stride ${s}); this is not an IMHN pose model`,
    );
  }
  if (want[1] !== 50)
    throw new ModelLoadError(
      `${modelPath}: the card says ${want[1]} output channels; the decoder needs the 50-channel IMHN layout`,
    );
  const bad = countNonFinite(out.data);
  if (bad > 0)
    throw new ModelLoadError(
      `${modelPath}: the model produced invalid maps for a plain grey test image (${bad} of ${out.data.length} values are NaN or infinite)`,
    );
}

/** How many values are NaN or ±Infinity (x·0 is 0 for every finite x, NaN otherwise). */
export function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] * 0 !== 0) n++;
  return n;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]
    .slice(0, 300);
}
