import { parseArgs } from 'node:util';
import { readDecodeCase } from '../node/cases/readDecodeCase.ts';
import { writeFileAtomic } from '../node/fs/writeFileAtomic.ts';
import { imhnCodec, isDecodeMode } from '../core/codec/imhnCodec.ts';
import type { CocoResult } from '../core/codec/assign/toCocoResults.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';

export const DECODE_HELP = `Usage: simplepose decode CASE_JSON... [--mode reference|fast] [--out FILE] [--stats]

Decodes raw network maps (decode cases: case.json + .npy, format simplepose-decode-case/1) into COCO keypoint
results: one JSON array for all cases, to stdout unless --out is given.

  --mode reference  the official evaluate.py chain, same outputs on identical maps (default)
  --mode fast       the same assignment without full-resolution maps
  --out FILE        write the results to FILE (atomically)
  --stats           print {"cases": N, "median_ms": X, "total_ms": Y, "per_case_ms": [...]} to stderr (decode
                    time only, in input order: the first case of a process includes its one-time setup)
  -h, --help        this text

Exit codes: 0 ok, 2 usage error, 3 unreadable or malformed input.`;

export async function decodeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mode: { type: 'string', default: 'reference' },
      out: { type: 'string' },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(DECODE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0)
    throw new CliError('decode: give at least one case.json (see simplepose decode --help)', EXIT.usage);
  const mode = values.mode;
  if (!isDecodeMode(mode))
    throw new CliError(`decode: --mode must be reference or fast, got "${values.mode}"`, EXIT.usage);
  const inputs = [];
  for (const file of positionals) inputs.push(await readDecodeCase(file));
  const results: CocoResult[] = [];
  const times: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    const out = imhnCodec.decode(input, mode);
    times.push(performance.now() - t0);
    results.push(...out.results);
  }
  const text = `${JSON.stringify(results)}\n`;
  if (values.out) await writeFileAtomic(values.out, text);
  else io.out(text.trimEnd());
  if (values.stats) {
    const sorted = [...times].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
    io.err(
      JSON.stringify({
        cases: inputs.length,
        median_ms: round3(median),
        total_ms: round3(times.reduce((a, b) => a + b, 0)),
        per_case_ms: times.map(round3),
      }),
    );
  }
  return EXIT.ok;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
