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

export class ModelCardError extends Error {
  override name = 'ModelCardError';
}

/** Parses a card's JSON (fields as training/export.py writes them) into a ModelCard, with specific errors. */
export function parseModelCard(json: unknown, where = 'model card'): ModelCard {
  const fail = (msg: string): never => {
    throw new ModelCardError(`${where}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null) return fail('not a JSON object');
  const c = json as Record<string, any>;
  if (c.format !== 'simplepose-model-card/1')
    fail(`format is ${JSON.stringify(c.format)}, expected "simplepose-model-card/1"`);
  const inp = c.input ?? fail('missing "input"');
  const out = c.output ?? fail('missing "output"');
  if (inp.layout !== 'NHWC') fail(`input.layout ${JSON.stringify(inp.layout)} is not supported (NHWC)`);
  if (inp.channel_order !== 'BGR')
    fail(`input.channel_order ${JSON.stringify(inp.channel_order)} is not supported (BGR)`);
  const num = (v: unknown, name: string) =>
    typeof v === 'number' && v > 0 ? v : fail(`${name} must be a positive number`);
  return {
    format: c.format,
    name: String(c.name ?? 'model'),
    input: {
      name: String(inp.name ?? 'image'),
      layout: 'NHWC',
      channelOrder: 'BGR',
      rules: {
        ...OFFICIAL_INPUT_RULES,
        boxSizePx: num(inp.box_size, 'input.box_size'),
        padMultiplePx: num(inp.pad_multiple, 'input.pad_multiple'),
        padValue: Number(inp.pad_value ?? 128),
      },
    },
    output: {
      name: String(out.name ?? 'maps'),
      channels: num(out.channels, 'output.channels'),
      stride: num(out.stride, 'output.stride'),
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
