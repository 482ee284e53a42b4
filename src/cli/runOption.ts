import { CliError, EXIT } from './cliError.ts';

/** A `--run N` option: a run id (whole number ≥ 1), or undefined when not given. */
export function runOption(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  const id = Number(value);
  if (!(Number.isInteger(id) && id > 0))
    throw new CliError(`${command}: --run must be a run id (a whole number ≥ 1), got "${value}"`, EXIT.usage);
  return id;
}
