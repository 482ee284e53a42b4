import path from 'node:path';
import { parseArgs } from 'node:util';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { syncImages } from '../node/project/syncImages.ts';
import { runDetectJob } from '../node/jobs/detectJob.ts';
import { projectCacheDir } from '../node/project/mapCache.ts';
import { isProviderName } from '../node/inference/executionProviders.ts';
import { CliError, EXIT } from './cliError.ts';
import { PROJECT_DB_NAME } from '../node/project/openProjectFolder.ts';
import type { CliIo } from './main.ts';

export const DETECT_HELP = `Usage: simplepose detect FOLDER --model PATH [--project FILE] [--scales 1] [--flip] [--mode fast|reference]
                        [--provider auto|cpu|cuda|dml|coreml] [--json]

Creates or updates the project of FOLDER (default FOLDER/.simplepose.sqlite: a scan finds added, changed and
removed images), then runs the model on every image that has no prediction yet. Interrupted runs (Ctrl-C, a crash,
kill -9) resume where they stopped when the same command runs again; nothing is duplicated.

  --json     print one JSON object per progress step and a final summary instead of a progress bar
  -h, --help this text`;

export async function detectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      project: { type: 'string' },
      scales: { type: 'string', default: '1' },
      flip: { type: 'boolean', default: false },
      mode: { type: 'string', default: 'fast' },
      provider: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(DETECT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new CliError('detect: give one FOLDER (see simplepose detect --help)', EXIT.usage);
  if (!values.model) throw new CliError('detect: --model is required', EXIT.usage);
  if (values.mode !== 'fast' && values.mode !== 'reference')
    throw new CliError(`detect: --mode must be fast or reference, got "${values.mode}"`, EXIT.usage);
  if (!isProviderName(values.provider))
    throw new CliError(`detect: unknown --provider "${values.provider}"`, EXIT.usage);
  const scales = values.scales.split(',').map(Number);
  if (scales.some((s) => !(s > 0 && s <= 4)))
    throw new CliError(`detect: --scales must be numbers in (0, 4], got "${values.scales}"`, EXIT.usage);
  const root = positionals[0];
  const db = openProjectDb(values.project ?? path.join(root, PROJECT_DB_NAME));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const sync = await syncImages(db, root);
    io.err(
      `${root}: ${sync.added} added, ${sync.changed} changed, ${sync.removed} removed, ${sync.unchanged} unchanged${sync.unreadable.length ? `, ${sync.unreadable.length} unreadable` : ''}`,
    );
    for (const u of sync.unreadable) io.err(`  unreadable: ${u.relPath}: ${u.reason}`);
    const tty = process.stderr.isTTY && !values.json;
    const result = await runDetectJob(db, {
      modelPath: values.model,
      root,
      provider: values.provider,
      cacheDir: projectCacheDir(root),
      settings: { scales, flip: values.flip, mode: values.mode },
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
  } finally {
    process.off('SIGINT', onSigint);
    db.close();
  }
}

function bar(f: number): string {
  const n = Math.round(f * 24);
  return `[${'#'.repeat(n)}${'.'.repeat(24 - n)}]`;
}
