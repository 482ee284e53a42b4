import { parseArgs } from 'node:util';
import { parseJson } from '../core/coco/cocoJson.ts';
import { validateCocoGt, validateCocoResults } from '../core/coco/validateCoco.ts';
import { EXIT, CliError } from './cliError.ts';
import { readText } from './evalCommand.ts';
import type { CliIo } from './main.ts';

export const VALIDATE_HELP = `Usage: simplepose validate FILE.json [--json]

Checks a COCO keypoints ground-truth file (an object) or results file (an array) against every COCO export rule
of SimplePose Studio, listing each violation with its JSON path.

  --json       print {"kind", "errors", "warnings", "violations"} instead of text
  -h, --help   this text

Exit codes: 0 valid (warnings allowed), 1 violations found, 2 usage error, 3 unreadable file.`;

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new CliError('validate: give exactly one JSON file (see simplepose validate --help)', EXIT.usage);
  const file = positionals[0];
  let json: unknown;
  try {
    json = parseJson(await readText(file), file);
  } catch (e) {
    if (e instanceof CliError) throw e;
    io.out(`${file}: ${(e as Error).message}`);
    return EXIT.failed;
  }
  const kind = Array.isArray(json) ? 'results' : 'ground truth';
  const violations = Array.isArray(json) ? validateCocoResults(json) : validateCocoGt(json);
  const errors = violations.filter((v) => v.severity === 'error');
  if (values.json)
    io.out(JSON.stringify({ kind, errors: errors.length, warnings: violations.length - errors.length, violations }));
  else {
    for (const v of violations) io.out(`${file}: ${v.severity}: ${v.path}: ${v.message}`);
    io.out(
      `${file}: COCO ${kind}: ${errors.length === 0 ? 'valid' : `${errors.length} error${errors.length === 1 ? '' : 's'}`}${violations.length > errors.length ? `, ${violations.length - errors.length} warning(s)` : ''}`,
    );
  }
  return errors.length ? EXIT.failed : EXIT.ok;
}
