import { OFFICIAL_INPUT_RULES, type InputRules } from '../image/preprocess.ts';

/** What the app needs to know about an exported IMHN (`<model>.card.json`, written by training/export.py). */
export interface ModelCard {
  format: 'simplepose-model-card/1';
  name: string;
  input: { name: string; layout: 'NHWC'; channelOrder: 'BGR'; rules: InputRules };
  output: { name: string; channels: number; stride: number };
  weights: 'fp32' | 'fp16' | 'unknown';
  architecture: Record<string, unknown>;
  source: { checkpoint?: string; sha256?: string };
  /** Facts that were assumed rather than read from a card (shown to the user as warnings). */
  assumed: string[];
}

/** Bounds a card's input rules must keep (px): the box within preprocess's clamp, the pad a sane network multiple. */
export const BOX_SIZE_RANGE_PX = [32, OFFICIAL_INPUT_RULES.maxScaledHeightPx] as const;
export const MAX_PAD_MULTIPLE_PX = 512;

export class ModelCardError extends Error {
  override name = 'ModelCardError';
}

/** Parses a card's JSON (fields as training/export.py writes them) into a ModelCard, with specific errors. */
export function parseModelCard(json: unknown, where = 'model card'): ModelCard {
  const fail = (msg: string): never => {
    throw new ModelCardError(`${where}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null) return fail('not a JSON object');
  // biome-ignore lint/suspicious/noExplicitAny: untrusted JSON; every field read below is checked before it is used
  const c = json as Record<string, any>;
  if (c.format !== 'simplepose-model-card/1')
    fail(`format is ${JSON.stringify(c.format)}, expected "simplepose-model-card/1"`);
  const inp = c.input ?? fail('missing "input"');
  const out = c.output ?? fail('missing "output"');
  if (inp.layout !== 'NHWC') fail(`input.layout ${JSON.stringify(inp.layout)} is not supported (NHWC)`);
  if (inp.channel_order !== 'BGR')
    fail(`input.channel_order ${JSON.stringify(inp.channel_order)} is not supported (BGR)`);
  const num = (v: unknown, name: string) =>
    typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : fail(`${name} must be a positive number`);
  const int = (v: unknown, name: string) =>
    Number.isInteger(num(v, name)) ? (v as number) : fail(`${name} must be a whole number, got ${v}`);
  const stride = int(out.stride, 'output.stride');
  const pad = int(inp.pad_multiple, 'input.pad_multiple');
  // A network input padded to a multiple the network cannot divide fails deep inside ONNX Runtime; one far too big
  // or a box size outside what the clamp of preprocess allows cannot be allocated or resized: refuse them here.
  if (pad % stride !== 0 || pad > MAX_PAD_MULTIPLE_PX)
    fail(
      `input.pad_multiple ${pad} must be a multiple of the output stride ${stride} and at most ${MAX_PAD_MULTIPLE_PX} (IMHN exports use 64)`,
    );
  const box = num(inp.box_size, 'input.box_size');
  if (box < BOX_SIZE_RANGE_PX[0] || box > BOX_SIZE_RANGE_PX[1])
    fail(
      `input.box_size ${box} must be between ${BOX_SIZE_RANGE_PX[0]} and ${BOX_SIZE_RANGE_PX[1]} px (the image height at scale 1; the official value is 512)`,
    );
  const padValue = inp.pad_value ?? 128;
  if (typeof padValue !== 'number' || !(padValue >= 0 && padValue <= 255))
    fail(`input.pad_value must be a number in 0…255, got ${JSON.stringify(padValue)}`);
  return {
    format: c.format,
    name: String(c.name ?? 'model'),
    input: {
      name: String(inp.name ?? 'image'),
      layout: 'NHWC',
      channelOrder: 'BGR',
      rules: {
        ...OFFICIAL_INPUT_RULES,
        boxSizePx: box,
        padMultiplePx: pad,
        padValue,
      },
    },
    output: {
      name: String(out.name ?? 'maps'),
      channels: int(out.channels, 'output.channels'),
      stride,
    },
    weights: c.weights === 'fp16' ? 'fp16' : c.weights === 'fp32' ? 'fp32' : 'unknown',
    architecture: typeof c.architecture === 'object' && c.architecture ? c.architecture : {},
    source: typeof c.source === 'object' && c.source ? c.source : {},
    assumed: [],
  };
}

/** The card used when a model has none: the official conventions, each listed as assumed. */
export function assumedCard(name: string, inputName: string, outputName: string): ModelCard {
  return {
    format: 'simplepose-model-card/1',
    name,
    input: { name: inputName, layout: 'NHWC', channelOrder: 'BGR', rules: OFFICIAL_INPUT_RULES },
    output: { name: outputName, channels: 50, stride: 4 },
    weights: 'unknown',
    architecture: {},
    source: {},
    assumed: [
      'input NHWC float32 BGR in [0, 1]',
      'box size 512, pad to 64 with 128',
      'output 50 channels at stride 4 (checked by a probe run)',
    ],
  };
}
