/** Exit codes of every simplepose command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, input: 3 } as const;

/** An error the CLI reports as one clear line, with its exit code (no stack trace). */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.input) {
    super(message);
    this.exitCode = exitCode;
  }
}
