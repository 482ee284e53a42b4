import { main, type CliIo } from '../../src/cli/main.ts';

/** Runs the CLI in this process; its exit code and the lines it wrote to stdout and stderr. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [],
    err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { code: await main(argv, io), out, err };
}
