import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoseEngine } from '../node/inference/poseEngine.ts';
import { isProviderName } from '../node/inference/executionProviders.ts';
import { writeDecodeCase } from '../node/cases/writeDecodeCase.ts';
import { writeFileAtomic } from '../node/fs/writeFileAtomic.ts';
import type { CocoResult } from '../core/codec/assign/toCocoResults.ts';
import { isDecodeMode } from '../core/codec/decodeMode.ts';
import { CliError, EXIT } from './cliError.ts';
import { type DetectSettings, detectSettingsProblem } from '../node/jobs/detectJob.ts';
import type { CliIo } from './main.ts';

export const INFER_HELP = `Usage: simplepose infer IMAGE... --model PATH [--scales 1,1.5] [--flip] [--mode reference|fast]
                       [--provider auto|cpu|cuda|dml|coreml] [--time-limit SECONDS] [--out results.json] [--dump-maps DIR]

Runs an IMHN ONNX model (with its .card.json beside it) on images exactly as the official predict does and writes
COCO keypoint results; image ids are 1, 2, … in the order given.

  --model PATH       the .onnx model (required)
  --scales LIST      scale factors s, the image height becomes 512·s (default 1; official evaluation 0.5,1,1.5,2,3)
  --flip             add the mirrored pass and average (official test-time flip)
  --mode MODE        reference (official chain) or fast (default)
  --provider NAME    execution provider (default auto: CUDA/DirectML/CoreML when available, else CPU)
  --time-limit S     give up on an image (and stop its worker) after S seconds (default 600)
  --out FILE         write the results there (atomically) instead of stdout
  --dump-maps DIR    write each image's raw maps as a decode case DIR/<id>/case.json (replay with simplepose decode)
  -h, --help         this text

Exit codes: 0 ok, 2 usage error, 3 unreadable image or model.`;

export async function inferCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      scales: { type: 'string', default: '1' },
      flip: { type: 'boolean', default: false },
      mode: { type: 'string', default: 'fast' },
      provider: { type: 'string', default: 'auto' },
      'time-limit': { type: 'string' },
      out: { type: 'string' },
      'dump-maps': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(INFER_HELP);
    return EXIT.ok;
  }
  if (!values.model) throw new CliError('--model is required (see simplepose infer --help)', EXIT.usage);
  if (positionals.length === 0) throw new CliError('give at least one image', EXIT.usage);
  if (!isDecodeMode(values.mode))
    throw new CliError(`--mode must be reference or fast, got "${values.mode}"`, EXIT.usage);
  if (!isProviderName(values.provider))
    throw new CliError(
      `infer: --provider must be auto, cpu, cuda, dml or coreml, got "${values.provider}"`,
      EXIT.usage,
    );
  const scales = values.scales.split(',').map((s) => Number(s.trim()));
  if (scales.length === 0 || scales.some((s) => !(s > 0 && s <= 4)))
    throw new CliError(`--scales must be numbers in (0, 4], got "${values.scales}"`, EXIT.usage);
  const settings: DetectSettings = { scales, flip: values.flip, mode: values.mode };
  const timeLimitS = values['time-limit'] === undefined ? undefined : Number(values['time-limit']);
  if (detectSettingsProblem(settings, timeLimitS))
    throw new CliError(
      `--time-limit must be a number of seconds in (0, 86400], got "${values['time-limit']}"`,
      EXIT.usage,
    );
  const engine = await PoseEngine.start(values.model, {
    provider: values.provider,
    log: (l) => io.err(l),
    imageTimeLimitMs: timeLimitS === undefined ? undefined : timeLimitS * 1000,
  });
  const results: CocoResult[] = [];
  try {
    for (const [i, image] of positionals.entries()) {
      const r = await engine.infer(image, i + 1, settings);
      results.push(...r.decoded.results);
      if (values['dump-maps']) {
        await writeDecodeCase(
          path.join(values['dump-maps'], String(r.imageId)),
          { image: { id: r.imageId, width: r.width, height: r.height }, passes: r.passes },
          path.basename(image),
        );
      }
      io.err(
        `${image}: ${r.decoded.persons.length} person(s), network ${r.timingsMs.network.toFixed(0)} ms, total ${(r.timingsMs.decodeImage + r.timingsMs.preprocess + r.timingsMs.network + r.timingsMs.postprocess).toFixed(0)} ms`,
      );
    }
  } finally {
    await engine.close();
  }
  const text = `${JSON.stringify(results)}\n`;
  if (values.out)
    await writeFileAtomic(values.out, text); // sweeps temp files a killed earlier write left there
  else io.out(text.trimEnd());
  return EXIT.ok;
}
