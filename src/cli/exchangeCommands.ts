import { parseArgs } from 'node:util';
import { openProjectDb } from '../node/db/openProjectDb.ts';
import { exportScopeProblem, type ExportOptions } from '../node/project/cocoExchange.ts';
import { exportPerImage } from '../node/project/exportPerImage.ts';
import { projectOwnFiles, recordImagesFolder, runToExport } from '../node/project/exchangeService.ts';
import { inProcessTasks } from '../node/workers/projectTasks.ts';
import { CliError, EXIT, refusalAsUsage } from './cliError.ts';
import { exportFolder, exportTarget } from '../node/fs/projectPaths.ts';
import { runOption } from './runOption.ts';
import type { CliIo } from './main.ts';
import { projectFileArg } from './projectArg.ts';
import path from 'node:path';

export const IMPORT_HELP = `Usage: simplepose import COCO.json --images DIR --project FILE [--json]

Imports a COCO keypoints ground truth for review: file_names are relative to DIR (the project folder). Everything
not modelled is kept so that exporting gives the same file back; images whose files are missing are listed.
Importing again is safe: the same file (or the project's own export) changes nothing, a changed file updates what
differs (one undoable edit per image) and the summary says what.`;

export const EXPORT_HELP = `Usage: simplepose export --project FILE --out FILE [--results] [--only-reviewed | --all] [--run N]
       simplepose export --project FILE --per-image DIR [--only-reviewed | --all]        (--json: a JSON summary)

Writes the project's annotations as a validated COCO keypoints GT file, or with --results the model's predictions
of a run (default: the latest finished run) as a COCO results file, or with --per-image one COCO file per image in
DIR. Which images, for all three (the app's export takes the same):
  default          the images whose ground truth is established: accepted, "no person", and images imported with
                   their annotations (unless rejected since) — never one that only has predictions or was merely
                   opened
  --only-reviewed  accepted and "no person" images only
  --all            every image, each with its review status recorded (images[].review_status; importing such a
                   file establishes only the images it records as accepted or "no person")
A results export takes the images of the GT export with the same option, so the pair evaluates. A person with no
labelled joint and no box is never written (the summary counts them). Files are written atomically. An export
never replaces the project's database (or its -wal/-shm/-journal), anything in its map cache, another SQLite
database, or a file that is not JSON.`;

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      images: { type: 'string' },
      project: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(IMPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1 || !values.images || !values.project)
    throw new CliError('import: give COCO.json, --images DIR and --project FILE', EXIT.usage);
  const projectFile = projectFileArg(values.project);
  const db = openProjectDb(projectFile);
  try {
    // The app's own import task, here in this process (a CLI has no window to keep responsive).
    const r = await inProcessTasks(db).run('importCoco', { file: positionals[0], root: values.images });
    // The images' folder becomes the project's own when it has none, so that `serve --project FILE` works.
    const root = recordImagesFolder(db, values.images);
    if (root !== path.resolve(values.images))
      io.err(
        `note: ${values.project} keeps its folder ${root} (the app and serve look for the images there, not in ${values.images})`,
      );
    if (values.json) io.out(JSON.stringify(r));
    else {
      const c = r.changes;
      const changed = c.imagesAdded + c.imagesUpdated > 0 || c.datasetUpdated;
      io.out(
        changed
          ? `imported ${r.images} images and ${r.persons} persons into ${values.project}: ${c.imagesAdded} images new, ${c.imagesUpdated} updated, ${c.imagesUnchanged} unchanged; persons ${c.personsAdded} added, ${c.personsUpdated} updated, ${c.personsRemoved} removed${c.datasetUpdated ? '; info/licenses/categories updated' : ''}`
          : `no change: ${values.project} already holds the ${r.images} images and ${r.persons} persons of ${positionals[0]}`,
      );
      if (r.kept.length)
        io.out(
          `kept ${r.kept.length} person(s) changed in the project since the last import (the file's values not taken): ${listed(r.kept.map((k) => `${k.fileName} ${k.personId} (${k.why})`))}`,
        );
      if (r.reopened.length)
        io.out(
          `${r.reopened.length} accepted image(s) back to in progress, their ground truth changed: ${listed(r.reopened)}`,
        );
      if (r.missingFiles.length)
        io.out(
          `${r.missingFiles.length} image file(s) missing in ${values.images}: ${r.missingFiles.slice(0, 10).join(', ')}${r.missingFiles.length > 10 ? ', …' : ''}`,
        );
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
}

function listed(items: string[]): string {
  return `${items.slice(0, 10).join(', ')}${items.length > 10 ? `, … (${items.length - 10} more)` : ''}`;
}

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      out: { type: 'string' },
      results: { type: 'boolean', default: false },
      'only-reviewed': { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      run: { type: 'string' },
      'per-image': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const say = (line: string, data: object) => io.out(values.json ? JSON.stringify(data) : line);
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.ok;
  }
  if (!values.project || (!values.out && !values['per-image']))
    throw new CliError('export: --project FILE and --out FILE (or --per-image DIR) are required', EXIT.usage);
  const scope: ExportOptions = { onlyReviewed: values['only-reviewed'], all: values.all };
  const clash = exportScopeProblem(scope);
  if (clash) throw new CliError(`export: --only-reviewed and --all: ${clash}`, EXIT.usage);
  const which = scope.all ? 'all images' : scope.onlyReviewed ? 'reviewed images' : 'established ground truth';
  const projectFile = projectFileArg(values.project);
  const db = openProjectDb(projectFile, { readonly: true });
  try {
    const own = projectOwnFiles(db, projectFile);
    const tasks = inProcessTasks(db);
    if (values['per-image']) {
      const dir = checked(() => exportFolder(values['per-image']!, { kind: 'any' }, own));
      const n = await exportPerImage(db, dir, { ...scope, own }).catch((e: Error) => {
        throw e.name === 'ApiError' ? new CliError(`export: ${e.message}`, EXIT.usage) : e;
      });
      say(`wrote ${n} per-image COCO files (${which}) to ${dir}`, {
        kind: 'per-image',
        images: n,
        dir,
      });
      return EXIT.ok;
    }
    if (!values.out) throw new CliError('export: --out FILE is required', EXIT.usage);
    const out = checked(() => exportTarget(values.out!, { kind: 'any' }, own));
    if (values.results) {
      const runId = runOption(values.run, 'export');
      const run = refusalAsUsage(values.project, () => runToExport(db, runId));
      const written = await tasks.run('exportResults', { out, runId: run, scope });
      say(`wrote ${written.annotations} detections of run ${run} on ${written.images} images (${which}) to ${out}`, {
        kind: 'results',
        run,
        detections: written.annotations,
        images: written.images,
        out,
      });
    } else {
      const written = await tasks.run('exportGt', { out, scope });
      const emptyPersons = written.emptyPersons ?? 0;
      const empty = emptyPersons
        ? `; ${emptyPersons} person${emptyPersons === 1 ? '' : 's'} without any labelled joint left out`
        : '';
      say(`wrote ${written.images} images and ${written.annotations} persons (${which}) to ${out}${empty}`, {
        kind: 'gt',
        images: written.images,
        annotations: written.annotations,
        emptyPersons,
        out,
        leftOut: written.leftOut ?? [],
      });
      const left = written.leftOut ?? [];
      if (left.length)
        io.err(
          `left out ${left.length} image(s) that wait for a look (the file changed size since it was annotated): ${listed(left.map((l) => l.fileName))}; ${left[0].fileName}: ${left[0].reason}`,
        );
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
}

function checked(target: () => string): string {
  try {
    return target();
  } catch (e) {
    throw new CliError(`export: ${(e as Error).message}`, EXIT.usage);
  }
}
