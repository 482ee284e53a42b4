import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isDecodeMode } from '../core/codec/decodeMode.ts';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { syncImages } from '../node/project/syncImages.ts';
import {
  DetectCancelledError,
  type DetectSettings,
  detectSettingsProblem,
  runDetectJob,
  DetectFailedError,
} from '../node/jobs/detectJob.ts';
import { InferenceCancelledError, PoseEngine } from '../node/inference/poseEngine.ts';
import { projectFolderProblem } from '../node/project/scanFolder.ts';
import { projectCacheDir } from '../node/project/mapCache.ts';
import { isProviderName } from '../node/inference/executionProviders.ts';
import { CliError, EXIT } from './cliError.ts';
import { PROJECT_DB_NAME } from '../node/project/openProjectFolder.ts';
import type { CliIo } from './main.ts';
import { projectFileArg } from './projectArg.ts';
import { BUNDLED_MODEL_PATH } from '../node/inference/bundledModel.ts';
import { projectDetectSetup } from '../node/project/detectSetup.ts';
import { DEFAULT_DETECT_SETTINGS } from '../node/jobs/detectSettings.ts';

export const DETECT_HELP = `Usage: simplepose detect FOLDER [--model PATH] [--project FILE|FOLDER] [--scales 1] [--flip | --no-flip]
                        [--mode fast|reference] [--provider auto|cpu|cuda|dml|coreml] [--time-limit SECONDS]
                        [--rerun] [--json]

Creates or updates the project of FOLDER (default FOLDER/.simplepose.sqlite: a scan finds added, changed and
removed images), then runs the model on every image that has no prediction for this model and these settings yet.
Interrupted runs (Ctrl-C, a crash, kill -9) resume where they stopped when the same command runs again; a finished
run only takes the images added since; nothing is duplicated. The model is checked before the project is touched.

The model and settings are the project's — the ones the app's Settings show and its "Run detection" uses (a new
project: the bundled model, scale 1, flip, fast decoder) —; --model, --scales, --flip/--no-flip and --mode replace
them for this run only (the app keeps showing the project's run).

  --time-limit S  stop an image that takes longer than S seconds (default 600) and go on with the next
  --rerun         start a new run over every image instead (the earlier run and its predictions stay)
  --json          print one JSON object per progress step and a final summary instead of a progress bar
  -h, --help      this text`;

export async function detectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      project: { type: 'string' },
      scales: { type: 'string' },
      flip: { type: 'boolean' },
      mode: { type: 'string' },
      provider: { type: 'string', default: 'auto' },
      'time-limit': { type: 'string' },
      rerun: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowNegative: true,
  });
  if (values.help) {
    io.out(DETECT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new CliError('give one FOLDER (see simplepose detect --help)', EXIT.usage);
  if (values.mode !== undefined && !isDecodeMode(values.mode))
    throw new CliError(`--mode must be fast or reference, got "${values.mode}"`, EXIT.usage);
  if (!isProviderName(values.provider)) throw new CliError(`unknown --provider "${values.provider}"`, EXIT.usage);
  const scales = values.scales?.split(',').map(Number);
  const timeLimitS = values['time-limit'] === undefined ? undefined : Number(values['time-limit']);
  const given = { scales: scales ?? [1], flip: false, mode: 'fast' as const };
  const scalesProblem = detectSettingsProblem(given);
  if (scalesProblem) throw new CliError(`--scales "${values.scales}": ${scalesProblem}`, EXIT.usage);
  if (detectSettingsProblem(given, timeLimitS))
    throw new CliError(
      `detect: --time-limit must be a number of seconds in (0, 86400], got "${values['time-limit']}"`,
      EXIT.usage,
    );
  const root = positionals[0];
  const folderProblem = projectFolderProblem(root);
  if (folderProblem) throw new CliError(folderProblem, EXIT.input);
  const projectFile = values.project ? projectFileArg(values.project) : path.join(root, PROJECT_DB_NAME);
  const project = projectSetup(projectFile, root);
  const settings: DetectSettings = {
    scales: scales ?? project.settings.scales,
    flip: values.flip ?? project.settings.flip,
    mode: (values.mode as DetectSettings['mode'] | undefined) ?? project.settings.mode,
  };
  const modelPath = values.model ?? project.modelPath;
  io.err(
    `model ${modelPath}${values.model ? '' : project.modelPath === BUNDLED_MODEL_PATH ? ' (the bundled model)' : " (the project's)"}; ${describeSettings(settings)}${
      values.scales || values.flip !== undefined || values.mode
        ? ` (for this run; the project's: ${describeSettings(project.settings)})`
        : " (the project's)"
    }`,
  );
  const controller = new AbortController();
  const onSignal = () => controller.abort(); // stops the image in flight at once (its worker is killed)
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let db: ReturnType<typeof openProjectDb> | null = null;
  try {
    // The model first: a wrong model never leaves a project behind.
    const engine = await PoseEngine.start(modelPath, {
      provider: values.provider,
      log: (l) => io.err(l),
      signal: controller.signal,
      imageTimeLimitMs: timeLimitS === undefined ? undefined : timeLimitS * 1000,
    });
    db = openProjectDb(projectFile);
    const sync = await syncImages(db, root);
    io.err(
      `${root}: ${sync.added} added, ${sync.changed} changed, ${sync.removed} removed, ${sync.unchanged} unchanged${sync.unreadable.length ? `, ${sync.unreadable.length} unreadable` : ''}`,
    );
    for (const u of sync.unreadable) io.err(`  unreadable: ${u.relPath}: ${u.reason}`);
    for (const r of sync.refits)
      io.err(
        r.kind === 'rescaled'
          ? `  resized: ${r.relPath}: its annotation was scaled from ${r.from.width}×${r.from.height} to ${r.to.width}×${r.to.height} (one undoable edit)`
          : `  needs a look: ${r.relPath}: ${r.reason}`,
      );
    const tty = process.stderr.isTTY && !values.json;
    const result = await runDetectJob(db, {
      modelPath,
      engine,
      root,
      provider: values.provider,
      cacheDir: projectCacheDir(root),
      settings,
      rerun: values.rerun,
      signal: controller.signal,
      log: (l) => io.err(l),
      onProgress: (p) => {
        if (values.json) io.out(JSON.stringify({ event: 'progress', ...p }));
        else if (tty)
          process.stderr.write(
            `\r${bar(p.done / Math.max(1, p.total))} ${p.done}/${p.total} ${p.imagesPerSecond.toFixed(2)} img/s ETA ${p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)} s`}   `,
          );
      },
    });
    if (tty) process.stderr.write('\n');
    const summary = { event: 'finished', ...result };
    if (values.json) io.out(JSON.stringify(summary));
    else
      io.out(
        `run ${result.runId}: ${result.status}, ${result.done}/${result.total} images${result.failed ? `, ${result.failed} failed` : ''}`,
      );
    return result.status === 'done' && result.failed === 0 ? EXIT.ok : EXIT.failed;
  } catch (e) {
    if (e instanceof InferenceCancelledError || e instanceof DetectCancelledError)
      throw new CliError('cancelled before the model had loaded', EXIT.failed);
    if (e instanceof DetectFailedError) throw new CliError(e.message, EXIT.failed);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    db?.close();
  }
}

function bar(f: number): string {
  const n = Math.round(f * 24);
  return `[${'#'.repeat(n)}${'.'.repeat(24 - n)}]`;
}

/** The project's model and settings (a project not made yet: the bundled model and the defaults). */
function projectSetup(projectFile: string, root: string): { modelPath: string; settings: DetectSettings } {
  if (!existsSync(projectFile)) return { modelPath: BUNDLED_MODEL_PATH, settings: DEFAULT_DETECT_SETTINGS };
  const db = openProjectDb(projectFile);
  try {
    return projectDetectSetup(db, path.resolve(root), BUNDLED_MODEL_PATH).resolve();
  } finally {
    db.close();
  }
}

const describeSettings = (s: DetectSettings) =>
  `scales ${s.scales.join(',')}, ${s.flip ? 'flip' : 'no flip'}, ${s.mode} decoder`;
