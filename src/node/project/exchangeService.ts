import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { projectMetaRepository } from '../db/projectMetaRepository.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { serializeCocoChunks } from '../../core/coco/cocoJson.ts';
import type { CocoDataset, CocoKeypointResult } from '../../core/coco/cocoTypes.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { exportTarget, importSource, type ProjectOwnFiles } from '../fs/projectPaths.ts';
import {
  exportCocoCounted,
  exportResults,
  exportScopeProblem,
  type ExportOptions,
  type LeftOutImage,
} from './cocoExchange.ts';
import { chooseRun } from './chooseRun.ts';
import { projectCacheDir } from './mapCache.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * What an export wrote: images and annotations (results: detections) in the file, and where; a GT export also says
 * how many persons it left out for having no labelled joint and no box (`emptyPersons`: never exported).
 */
export interface ExportWritten {
  images: number;
  annotations: number;
  path: string;
  emptyPersons?: number;
  /** Images left out of a GT export (they wait for a look), and why. */
  leftOut?: LeftOutImage[];
}

/**
 * The project's images of `scope` (ExportOptions) as a validated COCO keypoints GT file, written atomically to
 * `out` (a target already checked).
 */
export async function writeGtExport(db: ProjectDb, out: string, scope: ExportOptions): Promise<ExportWritten> {
  const leftOut: LeftOutImage[] = [];
  return writeGtFile(out, exportCocoCounted(db, { ...scope, leftOut }), leftOut);
}

/** A built GT export (either store's) written atomically to `out` (a target already checked), and what it holds. */
export async function writeGtFile(
  out: string,
  built: { dataset: CocoDataset; emptyPersons: number },
  leftOut: LeftOutImage[],
): Promise<ExportWritten> {
  const gt = built.dataset;
  await writeFileAtomic(out, serializeCocoChunks(gt));
  return {
    images: gt.images.length,
    annotations: gt.annotations.length,
    path: out,
    emptyPersons: built.emptyPersons,
    leftOut,
  };
}

/**
 * A run's predictions on the images of `scope` (those of the GT export with the same options) as a COCO results
 * file, written atomically to `out` (a target already checked).
 */
export async function writeResultsExport(
  db: ProjectDb,
  out: string,
  runId: number,
  scope: ExportOptions,
): Promise<ExportWritten> {
  return writeResultsFile(out, exportResults(db, runId, scope));
}

/** A built results export (either store's) written atomically to `out` (a target already checked). */
export async function writeResultsFile(out: string, results: CocoKeypointResult[]): Promise<ExportWritten> {
  await writeFileAtomic(out, serializeCocoChunks(results));
  return { images: new Set(results.map((x) => x.image_id)).size, annotations: results.length, path: out };
}

/** A results export's refusal when there is no finished run (the same words for either store). */
export const NO_RUN_TO_EXPORT = 'no finished inference run to export';

/** The export options as asked for, or a 400 that says why they cannot go together. */
export function exportScope(onlyReviewed: boolean, all: boolean | undefined): ExportOptions {
  const scope = { onlyReviewed, all: all === true };
  const clash = exportScopeProblem(scope);
  if (clash) throw new ApiError('bad_request', clash);
  return scope;
}

/** The run a results export is of: `runId`, which must exist, or the latest finished run. */
export function runToExport(db: ProjectDb, runId?: number): number {
  return chooseRun(db, runId, () => new ApiError('conflict', NO_RUN_TO_EXPORT));
}

/** A project's own files, never an export target: its database and, once a scan recorded its folder, its map cache. */
export function projectOwnFiles(db: ProjectDb, databaseFile: string = db.name): ProjectOwnFiles {
  const root = projectMetaRepository(db).root();
  return { database: databaseFile, cacheDir: root ? projectCacheDir(root) : undefined };
}

/**
 * Records `dir` as the project's folder when it has none yet (a project made by `import --images DIR`), so that
 * `serve --project FILE` finds its images; returns the folder the project records now.
 */
export function recordImagesFolder(db: ProjectDb, dir: string): string {
  return writeTransaction(db, "recording the project's folder", () => {
    const meta = projectMetaRepository(db);
    const had = meta.root();
    if (had !== undefined) return had;
    meta.setRoot(path.resolve(dir));
    return path.resolve(dir);
  });
}

/**
 * The service's COCO exchange. The file named is checked against the transport's exchange policy here, then the
 * work — reading, hashing and matching an import, building, validating and writing an export — runs on the
 * service's task runner (a worker thread with its own connection in the app), so the caller's thread stays free.
 */
export function exchangeMethods(c: ServiceContext): Pick<ProjectService, 'exportCoco' | 'importCoco'> {
  return {
    async exportCoco({ path: requested, onlyReviewed, all, kind }) {
      const scope = exportScope(onlyReviewed, all);
      const out = exportTarget(requested, c.exchange, { database: c.db.name, cacheDir: c.cacheDir });
      if (kind === 'results') return c.tasks.run('exportResults', { out, runId: runToExport(c.db), scope });
      return c.tasks.run('exportGt', { out, scope });
    },
    async importCoco({ path: file }) {
      return c.tasks.run('importCoco', { file: importSource(file, c.exchange), root: c.root });
    },
  };
}
