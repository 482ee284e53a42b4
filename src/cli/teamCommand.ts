import path from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { serializeCoco } from '../core/coco/cocoJson.ts';
import { isDecodeMode } from '../core/codec/decodeMode.ts';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { exportTarget } from '../node/fs/projectPaths.ts';
import { writeFileAtomic } from '../node/fs/writeFileAtomic.ts';
import { BUNDLED_MODEL_PATH } from '../node/inference/bundledModel.ts';
import { DEFAULT_DETECT_SETTINGS, detectSettingsProblem, type DetectSettings } from '../node/jobs/detectSettings.ts';
import { exportScopeProblem } from '../node/project/cocoExchange.ts';
import { DEFAULT_QUEUE_TIMINGS, startBoss } from '../node/team/detectQueue.ts';
import { pushProject } from '../node/team/pushProject.ts';
import { cancelTeamRun, startTeamDetection, teamRunProgress } from '../node/team/teamDetection.ts';
import { readTeamDetectSettings } from '../node/team/teamDetectSetup.ts';
import { exportTeamCoco } from '../node/team/teamExport.ts';
import { CliError, EXIT, refusalAsUsage } from './cliError.ts';
import type { CliIo } from './main.ts';
import { projectFileArg } from './projectArg.ts';
import { teamArg } from './teamArg.ts';
import { teamServeCommand } from './teamServeCommand.ts';
import { teamUserCommand } from './teamUserCommand.ts';

export const TEAM_HELP = `Usage: simplepose team <push|export|detect|cancel|progress|user|assign|serve> --team URL [options]

A team project on PostgreSQL (URL: postgresql://user@host:port/database, or SIMPLEPOSE_TEAM_URL):
  push --project FILE|FOLDER       copy a local project into an empty team database (images stay on the shared
                                   folder, referenced by relative path and content hash)
  export --out FILE [--only-reviewed | --all]
                                   the team project as a validated COCO keypoints GT file (the local export's rules)
  detect [--model FILE] [--scales 1] [--flip|--no-flip] [--mode fast|reference] [--batch N]
                                   queue a detection run as batches of N images (default 8) for the workers
                                   (simplepose worker) over every present image, with the team's detection
                                   settings (the app's Settings) where a flag is not given; prints the run's id
  cancel RUN                       cancel a run: every worker stops it
  progress RUN                     a run's progress (--json)
  user add NAME --role admin|annotator|reviewer   (password from SIMPLEPOSE_PASSWORD)
  assign --user NAME --images ID,ID,…             assign images to an annotator (--user - : to nobody)
  serve --images FOLDER [--host] [--port]          the team server: the review app with per-user logins
                                   (simplepose team serve --help)`;

const common = {
  team: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function teamCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(TEAM_HELP);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const run = SUBCOMMANDS[sub];
  if (!run) throw new CliError(`unknown team command "${sub}" (see simplepose team --help)`, EXIT.usage);
  return run(rest, io);
}

const SUBCOMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  push: async (argv, io) => {
    const { values } = parseArgs({ args: argv, options: { ...common, project: { type: 'string' } } });
    if (!values.project) throw new CliError('push: give the local project: --project FILE|FOLDER', EXIT.usage);
    const file = projectFileArg(values.project);
    if (!existsSync(file)) throw new CliError(`push: ${file}: no such project`, EXIT.input);
    const team = await teamArg(values.team);
    const local = openProjectDb(file, { readonly: true });
    try {
      const name = path.basename(path.dirname(path.resolve(file)));
      const r = await refusalAsUsage('push', () => pushProject(local, team, name));
      io.out(values.json ? JSON.stringify(r) : `pushed ${r.images} images and ${r.annotations} annotations`);
      return EXIT.ok;
    } finally {
      local.close();
      await team.close();
    }
  },

  export: async (argv, io) => {
    const { values } = parseArgs({
      args: argv,
      options: { ...common, out: { type: 'string' }, 'only-reviewed': { type: 'boolean' }, all: { type: 'boolean' } },
    });
    const scope = { onlyReviewed: values['only-reviewed'] === true, all: values.all === true };
    const clash = exportScopeProblem(scope);
    if (clash) throw new CliError(`export: ${clash}`, EXIT.usage);
    if (!values.out) throw new CliError('export: --out FILE is required', EXIT.usage);
    let out: string;
    try {
      out = exportTarget(values.out, { kind: 'any' }, {});
    } catch (e) {
      throw new CliError(`export: ${(e as Error).message}`, EXIT.usage);
    }
    const team = await teamArg(values.team);
    try {
      const { dataset } = await exportTeamCoco(team, scope);
      await writeFileAtomic(out, serializeCoco(dataset));
      const r = { images: dataset.images.length, annotations: dataset.annotations.length, out };
      io.out(values.json ? JSON.stringify(r) : `wrote ${r.images} images and ${r.annotations} persons to ${out}`);
      return EXIT.ok;
    } finally {
      await team.close();
    }
  },

  detect: async (argv, io) => {
    const { values } = parseArgs({
      args: argv,
      allowNegative: true,
      options: {
        ...common,
        model: { type: 'string' },
        scales: { type: 'string' },
        flip: { type: 'boolean' },
        mode: { type: 'string' },
        batch: { type: 'string', default: '8' },
        'batch-expiry': { type: 'string' },
      },
    });
    if (values.mode !== undefined && !isDecodeMode(values.mode))
      throw new CliError(`--mode must be fast or reference, got "${values.mode}"`, EXIT.usage);
    // what is not given is the team's detection settings (the app's Settings), checked once they are known
    const given = (base: DetectSettings): DetectSettings => ({
      scales: values.scales?.split(',').map(Number) ?? base.scales,
      flip: values.flip ?? base.flip,
      mode: (values.mode as DetectSettings['mode'] | undefined) ?? base.mode,
    });
    const problem = detectSettingsProblem(given(DEFAULT_DETECT_SETTINGS));
    if (problem) throw new CliError(`detect: ${problem}`, EXIT.usage);
    const batchSize = Number(values.batch);
    const expiry = values['batch-expiry'] === undefined ? undefined : Number(values['batch-expiry']);
    if (expiry !== undefined && !(Number.isInteger(expiry) && expiry >= 1))
      throw new CliError(
        `--batch-expiry must be a whole number of seconds, got "${values['batch-expiry']}"`,
        EXIT.usage,
      );
    const timings = { ...DEFAULT_QUEUE_TIMINGS, ...(expiry ? { batchExpirySeconds: expiry } : {}) };
    const team = await teamArg(values.team);
    const settings = given(await readTeamDetectSettings(team.pool));
    const boss = await startBoss(team.url, timings);
    try {
      const runId = await refusalAsUsage('detect', () =>
        startTeamDetection(team, boss, { modelPath: values.model ?? BUNDLED_MODEL_PATH, settings, batchSize, timings }),
      );
      const p = await teamRunProgress(team, runId);
      io.out(values.json ? JSON.stringify(p) : `run ${runId}: ${p.total} images queued in batches of ${batchSize}`);
      return EXIT.ok;
    } finally {
      await boss.stop({ graceful: false, wait: true });
      await team.close();
    }
  },

  cancel: async (argv, io) => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: common });
    const runId = runArg(positionals);
    const team = await teamArg(values.team);
    try {
      const was = await refusalAsUsage('cancel', () => cancelTeamRun(team, runId));
      io.out(was ? `run ${runId} cancelled` : `run ${runId} was not running`);
      return EXIT.ok;
    } finally {
      await team.close();
    }
  },

  progress: async (argv, io) => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: common });
    const runId = runArg(positionals);
    const team = await teamArg(values.team);
    try {
      const p = await refusalAsUsage('progress', () => teamRunProgress(team, runId));
      io.out(values.json ? JSON.stringify(p) : `run ${runId}: ${p.status}, ${p.done}/${p.total} (${p.failed} failed)`);
      return EXIT.ok;
    } finally {
      await team.close();
    }
  },

  serve: teamServeCommand,
  user: teamUserCommand,
  assign: (argv, io) => teamUserCommand(['assign', ...argv], io),
};

function runArg(positionals: string[]): number {
  const n = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(`give one run id (a whole number), got "${positionals.join(' ')}"`, EXIT.usage);
  return n;
}
