import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_QUEUE_TIMINGS, type QueueTimings } from '../node/team/detectQueue.ts';
import { runTeamWorker } from '../node/team/teamWorker.ts';
import { projectFolderProblem } from '../node/project/scanFolder.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';

export const WORKER_HELP = `Usage: simplepose worker --team URL --images FOLDER [--name NAME] [--model FILE.onnx]
                         [--batch-expiry SECONDS] [--maintenance SECONDS] [--poll SECONDS] [--exit-when-idle]

A detection worker of a team project: claims batches of images from the team's queue (pg-boss in the team's
PostgreSQL), runs the run's model on them with the run's settings (CUDA where this machine has it), stores each
image's prediction once, with its maps (the heatmap overlay's), and reports progress to every open client. Start
as many as you like, on any machine that reaches the database and reads the shared images folder; a worker that
dies leaves its batch to the others after --batch-expiry (default ${DEFAULT_QUEUE_TIMINGS.batchExpirySeconds} s),
and nothing is stored twice.

  --team URL          postgresql://user@host:port/database (or SIMPLEPOSE_TEAM_URL, which keeps a password out of ps)
  --images FOLDER     the shared folder the project's relative image paths resolve in
  --name NAME         this worker's name in what it stores (default host:pid)
  --model FILE        a local copy of the run's model (checked: the same content)
  --exit-when-idle    stop once no batch is waiting, claimed or due for a retry
  Ctrl-C / SIGTERM    stop after the image in flight (its batch goes back to the queue)`;

function seconds(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 86_400)
    throw new CliError(`--${name} must be a whole number of seconds from 1 to 86400, got "${v}"`, EXIT.usage);
  return n;
}

export async function workerCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      team: { type: 'string' },
      images: { type: 'string' },
      name: { type: 'string' },
      model: { type: 'string' },
      'batch-expiry': { type: 'string' },
      maintenance: { type: 'string' },
      poll: { type: 'string' },
      'exit-when-idle': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(WORKER_HELP);
    return EXIT.ok;
  }
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`, EXIT.usage);
  const url = values.team ?? process.env.SIMPLEPOSE_TEAM_URL;
  if (!url) throw new CliError('give the team database: --team URL (or SIMPLEPOSE_TEAM_URL)', EXIT.usage);
  if (!values.images) throw new CliError('give the shared images folder: --images FOLDER', EXIT.usage);
  const folderProblem = projectFolderProblem(values.images);
  if (folderProblem) throw new CliError(folderProblem, EXIT.input);
  if (values.model !== undefined && !statSync(values.model, { throwIfNoEntry: false })?.isFile())
    throw new CliError(`--model ${values.model}: no such file (a local copy of the run's model)`, EXIT.input);
  const d = DEFAULT_QUEUE_TIMINGS;
  const timings: QueueTimings = {
    batchExpirySeconds: seconds(values['batch-expiry'], 'batch-expiry', d.batchExpirySeconds),
    maintenanceSeconds: seconds(values.maintenance, 'maintenance', d.maintenanceSeconds),
    pollSeconds: seconds(values.poll, 'poll', d.pollSeconds),
  };
  const name = values.name ?? `${hostname()}:${process.pid}`;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    io.err(`worker ${name}: waiting for batches`);
    const r = await runTeamWorker({
      url,
      root: values.images,
      name,
      timings,
      signal: controller.signal,
      exitWhenIdle: values['exit-when-idle'],
      modelOverride: values.model,
      log: (l) => io.err(l),
    });
    io.err(`worker ${name}: ${r.batches} batches, ${r.stored} images stored (${r.failed} failed)`);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
