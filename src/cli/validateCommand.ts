import { parseArgs } from 'node:util';
import { parseJson } from '../core/coco/cocoJson.ts';
import { validateCocoGt, validateCocoResults } from '../core/coco/validateCoco.ts';
import { EXIT, CliError } from './cliError.ts';
import { readUtf8FileSync, TextFileError } from '../node/fs/readTextFile.ts';
import { CocoFormatError, type CocoViolation } from '../core/coco/cocoTypes.ts';
import type { CliIo } from './main.ts';

export const VALIDATE_HELP = `Usage: simplepose validate FILE.json [--json]

Checks a COCO keypoints ground-truth file (an object) or results file (an array) against every COCO export rule
of SimplePose Studio, listing each violation with its JSON path.

  --json       print {"kind", "errors", "warnings", "violations"} instead of text (always, even for a file that is
               not JSON; kind is null then)
  -h, --help   this text

Exit codes: 0 valid (warnings allowed), 1 violations found (not JSON or not UTF-8 included), 2 usage error,
3 unreadable file. A UTF-8 byte-order mark is accepted.`;

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
  // --json: one JSON object on stdout whatever happens (a file that is not JSON, or not even readable, included).
  const report = (kind: string | null, violations: CocoViolation[]) => {
    const errors = violations.filter((v) => v.severity === 'error');
    if (values.json)
      io.out(JSON.stringify({ kind, errors: errors.length, warnings: violations.length - errors.length, violations }));
    else {
      for (const v of violations) io.out(`${file}: ${v.severity}: ${v.path}: ${v.message}`);
      io.out(
        `${file}: ${kind ? `COCO ${kind}` : 'not COCO'}: ${errors.length === 0 ? 'valid' : `${errors.length} error${errors.length === 1 ? '' : 's'}`}${violations.length > errors.length ? `, ${violations.length - errors.length} warning(s)` : ''}`,
      );
    }
    return errors.length ? EXIT.failed : EXIT.ok;
  };
  let text: string;
  try {
    text = readUtf8FileSync(file);
  } catch (e) {
    if (!(e instanceof TextFileError)) throw e;
    const problem: CocoViolation = { path: '$', message: e.message, severity: 'error' };
    if (e.kind === 'encoding') return report(null, [problem]);
    if (values.json) report(null, [problem]);
    throw new CliError(`${file} ${e.message}`, EXIT.input);
  }
  let json: unknown;
  try {
    json = parseJson(text, file);
  } catch (e) {
    if (!(e instanceof CocoFormatError)) throw e;
    return report(null, e.violations);
  }
  const kind = Array.isArray(json) ? 'results' : 'ground truth';
  return report(kind, Array.isArray(json) ? validateCocoResults(json) : validateCocoGt(json));
}
