// Worker-thread side of WorkerTasks (workerTasks.ts): a project's heavy work (hashing, COCO import/export,
// evaluation) on this thread's own connection to the project database (WAL: it reads and writes beside the main
// thread's connection), one task at a time, in the order they came.
import { parentPort, workerData } from 'node:worker_threads';
import { openProjectConnection, type ProjectDb } from '../db/openProjectDb.ts';
import { PROJECT_TASKS, taskFailure, type ProjectTask } from './projectTasks.ts';

export interface TaskRequest {
  id: number;
  task: ProjectTask;
  args: unknown;
}
export type TaskReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ReturnType<typeof taskFailure> };

if (!parentPort) {
  process.stderr.write('projectWorker: start it through WorkerTasks (it is a worker thread)\n');
  process.exit(2);
}
const port = parentPort;
const { dbFile } = workerData as { dbFile: string };
let db: ProjectDb | null = null;
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: TaskRequest | { type: 'close' }) => {
  queue = queue.then(async () => {
    if ('type' in m) {
      db?.close();
      process.exit(0); // ends this thread only
    }
    try {
      db ??= openProjectConnection(dbFile);
      const run = PROJECT_TASKS[m.task] as (db: ProjectDb, args: unknown) => Promise<unknown>;
      port.postMessage({ id: m.id, ok: true, value: await run(db, m.args) } satisfies TaskReply);
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: taskFailure(e) } satisfies TaskReply);
    }
  });
});
