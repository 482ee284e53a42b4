import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { projectMetaRepository } from '../node/db/projectMetaRepository.ts';
import { BUNDLED_MODEL_PATH } from '../node/inference/bundledModel.ts';
import { PROJECT_DB_NAME } from '../node/project/openProjectFolder.ts';
import { createProjectService } from '../node/project/projectService.ts';
import { inProcessTasks } from '../node/workers/projectTasks.ts';
import { TRAIN_SIZES, trainRequestIssues, type TrainEvent, type TrainRequest } from '../node/project/trainJob.ts';
import { CliError, EXIT } from './cliError.ts';
import type { CliIo } from './main.ts';

export const TRAIN_HELP = `Usage: simplepose train PROJECT [--steps N | --minutes M] [--new [--size ${TRAIN_SIZES.join('|')}]] [--use]
       [--no-resume] [--seed S] [--val-fraction F] [--input-size PX] [--batch B] [--threads T] [--python PATH] [--json]

Fine-tunes the project's model in use (the one Settings shows; --new: trains a new one) on the project's
established ground truth (accepted, "no person" and imported images) with the project's trainer (Python + PyTorch,
CUDA when present): a validation split held out by image (fixed by --seed), the paper's focal L2 loss and
augmentation. The result is exported to ONNX with its card (data, steps, time, hardware, code version,
validation AP) and registered in the project; --use puts it in use (else choose it in the app's comparison),
then run \`simplepose detect\` to predict with it. The same job as the app's Train. A training stopped before its
end (Ctrl-C, a crash, kill -9) resumes from its checkpoint the next time (--no-resume: start a new one).

  PROJECT            a project folder or its .simplepose.sqlite
  --steps N          train N steps (default: --minutes 10)
  --minutes M        train for M minutes
  --new              a new model instead of fine-tuning the one in use
  --size S           the new model's size (default tiny)
  --use              put the trained model in use for detection when it is registered
  --json             one JSON object per event on stdout instead of a progress bar
  --python PATH      the Python with PyTorch (default SIMPLEPOSE_PYTHON or /usr/bin/python3)

Exit codes: 0 trained, 1 failed or cancelled, 2 usage error, 3 unreadable input.`;

/** The request's keys as the options that set them. */
const FLAG: Record<string, string> = {
  steps: '--steps',
  minutes: '--minutes',
  size: '--size',
  seed: '--seed',
  valFraction: '--val-fraction',
  inputSize: '--input-size',
  batch: '--batch',
  threads: '--threads',
};

const int = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--${name} must be a whole number, got "${v}"`, EXIT.usage);
  return n;
};
const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} must be a positive number, got "${v}"`, EXIT.usage);
  return n;
};

export async function trainCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      minutes: { type: 'string' },
      new: { type: 'boolean' },
      use: { type: 'boolean' },
      size: { type: 'string' },
      'no-resume': { type: 'boolean' },
      seed: { type: 'string' },
      'val-fraction': { type: 'string' },
      'input-size': { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      python: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(TRAIN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new CliError('give one PROJECT (see simplepose train --help)', EXIT.usage);
  if (values.size !== undefined && !(TRAIN_SIZES as readonly string[]).includes(values.size))
    throw new CliError(`--size must be one of ${TRAIN_SIZES.join(', ')}, got "${values.size}"`, EXIT.usage);
  const request: TrainRequest = {
    steps: int(values.steps, 'steps'),
    minutes: num(values.minutes, 'minutes'),
    ...(values.new ? { fromScratch: true } : {}),
    ...(values.use ? { use: true } : {}),
    ...(values.size ? { size: values.size as (typeof TRAIN_SIZES)[number] } : {}),
    ...(values['no-resume'] ? { resume: false } : {}),
    seed: int(values.seed, 'seed'),
    valFraction: num(values['val-fraction'], 'val-fraction'),
    inputSize: int(values['input-size'], 'input-size'),
    batch: int(values.batch, 'batch'),
    threads: int(values.threads, 'threads'),
  };
  for (const k of Object.keys(request) as (keyof typeof request)[]) if (request[k] === undefined) delete request[k];
  const issues = trainRequestIssues(request); // the same limits as the app's Train, before anything is recorded
  if (issues.length)
    throw new CliError(issues.map((i) => `${FLAG[i.key] ?? i.key}: ${i.message}`).join('; '), EXIT.usage);
  const arg = positionals[0];
  const isDir = statSync(arg, { throwIfNoEntry: false })?.isDirectory();
  const file = isDir ? path.join(arg, PROJECT_DB_NAME) : arg;
  if (!statSync(file, { throwIfNoEntry: false })?.isFile())
    throw new CliError(`${arg}: no project there (open the folder in the app, or run simplepose detect on it, first)`);
  const db = openProjectDb(file);
  const root = isDir ? path.resolve(arg) : projectMetaRepository(db).root();
  if (!root) {
    db.close();
    throw new CliError(`${arg} does not record its folder yet; give the project folder`, EXIT.usage);
  }
  const service = createProjectService(db, root, {
    modelPath: BUNDLED_MODEL_PATH,
    tasks: inProcessTasks(db),
    ...(values.python ? { python: values.python } : {}),
  });
  try {
    return await follow(service, request, values.json, io);
  } finally {
    await service.shutdown();
    db.close();
  }
}

async function follow(
  service: ReturnType<typeof createProjectService>,
  request: TrainRequest,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const tty = process.stderr.isTTY && !json;
  let jobId: string | null = null;
  const early: TrainEvent[] = [];
  let settle: (e: TrainEvent) => void = () => undefined;
  const ended = new Promise<TrainEvent>((resolve) => {
    settle = resolve;
  });
  const show = (e: TrainEvent) => {
    if (json) io.out(JSON.stringify({ event: 'train', ...e }));
    else if (tty && e.stage === 'training' && e.loss !== undefined) process.stderr.write(`\r${progressLine(e)}   `);
    else if (e.loss === undefined) {
      if (tty) process.stderr.write('\n');
      io.err(`${e.stage}: ${e.message}${e.valAP !== undefined ? ` (validation AP ${e.valAP.toFixed(3)})` : ''}`);
    }
    if (['done', 'cancelled', 'failed'].includes(e.stage)) settle(e);
  };
  service.events.on('trainProgress', (e: TrainEvent) =>
    jobId === null ? early.push(e) : e.jobId === jobId && show(e),
  );
  const controller = () => jobId && void service.cancelJob({ jobId }); // the trainer checkpoints, then stops
  process.once('SIGINT', controller);
  process.once('SIGTERM', controller);
  try {
    const started = await service.startTrain(request).catch((e: Error) => {
      // the service's refusals (too little ground truth, a training running, no model) are the user's to fix
      throw e.name === 'ApiError' ? new CliError(e.message, EXIT.usage) : e;
    });
    jobId = started.jobId;
    io.err(`training ${started.trainingId}${started.resumed ? ' (resumed from its checkpoint)' : ''}`);
    for (const e of early.splice(0)) if (e.jobId === jobId) show(e);
    const last = await ended;
    if (!json)
      io.out(
        last.stage === 'done' ? `trained: model ${last.modelId}; ${last.message}` : `${last.stage}: ${last.message}`,
      );
    return last.stage === 'done' ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', controller);
    process.off('SIGTERM', controller);
  }
}

function progressLine(e: TrainEvent): string {
  const f = e.steps ? e.step / e.steps : 0;
  const n = Math.round(f * 24);
  const eta = e.etaSeconds === undefined || e.etaSeconds === null ? '?' : `${Math.ceil(e.etaSeconds)} s`;
  return `[${'#'.repeat(n)}${'.'.repeat(24 - n)}] step ${e.step}/${e.steps ?? '?'} loss ${e.loss!.toFixed(4)} ETA ${eta}`;
}
