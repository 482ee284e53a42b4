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

/** API refusal codes that mean "nothing to do this with" (no such run, nothing reviewed): a usage error here. */
const USAGE_REFUSALS = new Set(['bad_request', 'not_found', 'conflict']);

/**
 * Runs a service call; its refusals for want of something (an ApiError: no such run, no finished run, nothing
 * reviewed) become a usage error `<what>: <message>`; anything else passes through.
 */
export function refusalAsUsage<T>(what: string, call: () => T): T {
  const translate = (e: unknown): never => {
    const err = e as { name?: unknown; code?: unknown; message?: unknown } | null;
    if (err?.name === 'ApiError' && USAGE_REFUSALS.has(String(err.code)))
      throw new CliError(`${what}: ${String(err.message)}`, EXIT.usage);
    throw e;
  };
  try {
    const r = call();
    return (r instanceof Promise ? r.catch(translate) : r) as T;
  } catch (e) {
    return translate(e);
  }
}

/** A server that could not listen (`--host`, `--port`), as the option to change; null for any other error. */
export function listenProblem(e: unknown): CliError | null {
  const err = e as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown; hostname?: unknown } | null;
  if (err?.syscall === 'getaddrinfo' && (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'))
    return new CliError(`--host ${String(err.hostname)}: no such host name on this machine's network`, EXIT.usage);
  if (err?.syscall !== 'listen') return null;
  const at = `${String(err.address)}:${String(err.port)}`;
  if (err.code === 'EADDRINUSE')
    return new CliError(`${at} is in use: choose another --port (0: a free one)`, EXIT.usage);
  if (err.code === 'EADDRNOTAVAIL')
    return new CliError(`--host ${String(err.address)} is not an address of this machine`, EXIT.usage);
  if (err.code === 'EACCES')
    return new CliError(`${at} needs privileges to listen on: choose a --port above 1023`, EXIT.usage);
  return null;
}
