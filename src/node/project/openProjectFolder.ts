import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { openProjectDb, type ProjectDb } from '../db/openProjectDb.ts';
import type { SyncResult } from './syncImages.ts';
import { createProjectService, type ProjectService, type ProjectServiceOptions } from './projectService.ts';
import { WorkerTasks } from '../workers/workerTasks.ts';

/** The project database's file name inside a project folder. */
export const PROJECT_DB_NAME = '.simplepose.sqlite';

export interface OpenProject {
  root: string;
  db: ProjectDb;
  service: ProjectService;
  sync: SyncResult;
  /** Cancels running jobs (their inference workers are killed at once), then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens a folder as a project (what the desktop app, `serve` and `npm start` do): its database (created and
 * migrated as needed), a scan that adds new images and marks missing ones, and the service over both. The scan
 * (hashing every new or changed file) runs in the project's worker thread, which the service then keeps for its
 * COCO import, export and evaluation: the calling thread — Electron's main process — stays free meanwhile.
 */
export async function openProjectFolder(root: string, options: ProjectServiceOptions = {}): Promise<OpenProject> {
  const abs = path.resolve(root);
  if (!existsSync(abs)) throw new Error(`${abs}: no such folder`);
  if (!statSync(abs).isDirectory()) throw new Error(`${abs}: not a folder`);
  const db = openProjectDb(path.join(abs, PROJECT_DB_NAME));
  const tasks = options.tasks ?? new WorkerTasks(db.name);
  try {
    const sync = await tasks.run('syncImages', { root: abs });
    const service = createProjectService(db, abs, { unreadable: sync.unreadable, ...options, tasks });
    const close = async () => {
      await service.shutdown();
      db.close();
    };
    return { root: abs, db, sync, service, close };
  } catch (e) {
    await tasks.close();
    db.close();
    throw e;
  }
}

/**
 * A writable copy of the bundled sample project (images + ground truth) under `parent`, made once: the bundled
 * folder may be read-only (inside an installed app) and the project writes its database and map cache beside
 * its images. Returns the copy's folder.
 */
export function sampleProjectCopy(bundled: string, parent: string): string {
  const dest = path.join(parent, 'sample-project');
  if (!existsSync(path.join(dest, 'annotations.json'))) {
    mkdirSync(parent, { recursive: true });
    cpSync(bundled, dest, { recursive: true, filter: (src) => !path.basename(src).startsWith('.simplepose') });
  }
  return dest;
}
