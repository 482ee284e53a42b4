import type { ProjectDb } from '../db/openProjectDb.ts';
import { ApiError, isApiErrorCode } from '../../contract/apiErrors.ts';
import { CocoFormatError } from '../../core/coco/cocoTypes.ts';
import { importCoco } from '../project/cocoImport.ts';
import { evaluateRun } from '../project/evaluationService.ts';
import { writeGtExport, writeResultsExport } from '../project/exchangeService.ts';
import { syncImages } from '../project/syncImages.ts';
import type { ExportOptions } from '../project/cocoExchange.ts';

/**
 * The heavy work on a project: hashing a folder's images, COCO import, export and evaluation. Each task takes the
 * connection it runs on and plain-data arguments and returns plain data, so it runs the same in the caller's thread
 * (the CLI: `inProcessTasks`) or in a worker thread with its own connection (the app: `WorkerTasks`).
 */
export const PROJECT_TASKS = {
  syncImages: (db: ProjectDb, a: { root: string }) => syncImages(db, a.root),
  importCoco: (db: ProjectDb, a: { file: string; root: string }) => importCoco(db, a.file, a.root),
  exportGt: (db: ProjectDb, a: { out: string; scope: ExportOptions }) => writeGtExport(db, a.out, a.scope),
  exportResults: (db: ProjectDb, a: { out: string; runId: number; scope: ExportOptions }) =>
    writeResultsExport(db, a.out, a.runId, a.scope),
  evaluate: async (db: ProjectDb, a: { runId?: number }) => evaluateRun(db, a.runId),
};

export type ProjectTask = keyof typeof PROJECT_TASKS;
export type TaskArgs<T extends ProjectTask> = Parameters<(typeof PROJECT_TASKS)[T]>[1];
export type TaskResult<T extends ProjectTask> = Awaited<ReturnType<(typeof PROJECT_TASKS)[T]>>;

/** Where a service runs its heavy work. */
export interface ProjectTaskRunner {
  run<T extends ProjectTask>(task: T, args: TaskArgs<T>): Promise<TaskResult<T>>;
  /** Waits for the tasks under way, then releases what the runner holds (a worker and its connection). */
  close(): Promise<void>;
}

/** Runs tasks in this thread on the caller's connection. */
export function inProcessTasks(db: ProjectDb): ProjectTaskRunner {
  return {
    run: (task, args) =>
      (PROJECT_TASKS[task] as (db: ProjectDb, a: typeof args) => Promise<TaskResult<typeof task>>)(db, args),
    close: async () => {},
  };
}

/** A task's failure as plain data (a worker's errors lose their class and fields when posted), and back. */
export interface TaskFailure {
  name: string;
  message: string;
  /** ApiError's code, or an errno code (ENOENT, …). */
  code?: string;
  details?: unknown;
  /** CocoFormatError's violations, a ContractError's issues, an errno error's path. */
  violations?: unknown;
  issues?: unknown;
  path?: string;
}

export function taskFailure(e: unknown): TaskFailure {
  const err = e instanceof Error ? e : new Error(String(e));
  const f = err as Error & Partial<TaskFailure>;
  return {
    name: err.name,
    message: err.message,
    ...(typeof f.code === 'string' ? { code: f.code } : {}),
    ...(f.details !== undefined ? { details: f.details } : {}),
    ...(f.violations !== undefined ? { violations: f.violations } : {}),
    ...(f.issues !== undefined ? { issues: f.issues } : {}),
    ...(typeof f.path === 'string' ? { path: f.path } : {}),
  };
}

/** The error a failure stood for: an ApiError with its code, a CocoFormatError, or an Error with the same fields. */
export function reviveFailure(f: TaskFailure): Error {
  if (f.name === 'ApiError' && isApiErrorCode(f.code)) return new ApiError(f.code, f.message, f.details);
  const e = Object.assign(new Error(f.message), f);
  if (f.name === 'CocoFormatError') Object.setPrototypeOf(e, CocoFormatError.prototype);
  return e;
}
