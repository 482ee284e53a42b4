import { Worker } from 'node:worker_threads';
import type { ImportResult } from '../project/cocoImport.ts';
import { reviveFailure, type TaskFailure } from '../workers/projectTasks.ts';
import type { TeamDb } from './openTeamDb.ts';

/** What the import thread (teamImportWorker.ts) is given, and what it answers. */
export interface TeamImportJob {
  url: string;
  cocoFile: string;
  root: string;
  userId: number;
}
export type TeamImportReply = { ok: true; value: ImportResult } | { ok: false; error: TaskFailure };

/**
 * importTeamCoco in a worker thread of its own, on its own connection to the team database: reading, parsing and
 * validating a huge file, matching it against the project and checking that the result exports take seconds of CPU,
 * and on the team server's thread they stalled every other user's request for as long. Here only the import waits
 * (the team database's locks serialise it with other writers, as before). Its refusals come back as the same errors
 * (an ApiError with its code, a CocoFormatError with its violations).
 */
export function importTeamCocoInThread(
  team: TeamDb,
  cocoFile: string,
  root: string,
  userId: number,
): Promise<ImportResult> {
  const job: TeamImportJob = { url: team.url, cocoFile, root, userId };
  const worker = new Worker(new URL('./teamImportWorker.ts', import.meta.url), { workerData: job });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: TeamImportReply) => {
      settled = true;
      if (m.ok) resolve(m.value);
      else reject(reviveFailure(m.error));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(new Error(`the COCO import thread failed: ${e.message}`));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the COCO import thread stopped before it answered (exit code ${code})`));
    });
  });
}
