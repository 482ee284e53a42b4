import { Worker } from 'node:worker_threads';
import type { ProjectTask, ProjectTaskRunner, TaskArgs, TaskResult } from './projectTasks.ts';
import { reviveFailure } from './projectTasks.ts';
import type { TaskReply } from './projectWorker.ts';

/**
 * Runs a project's tasks in a worker thread with its own connection to the project database, so that hashing, COCO
 * import and export never block the calling thread (Electron's main process: the window). better-sqlite3 is
 * synchronous, so on the calling thread a 10,000-image export would stall it for seconds; on the worker only the
 * worker waits. The worker starts on the first task and is kept for the next ones; tasks run one at a time, in
 * order. A task's errors come back as the same kind of error (an ApiError with its code, a CocoFormatError, an
 * errno error). While no task is under way the worker does not keep the process alive.
 */
export class WorkerTasks implements ProjectTaskRunner {
  private readonly dbFile: string;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private closed = false;

  /** `dbFile`: the project database (an existing, migrated project: the caller opened it first). */
  constructor(dbFile: string) {
    this.dbFile = dbFile;
  }

  run<T extends ProjectTask>(task: T, args: TaskArgs<T>): Promise<TaskResult<T>> {
    if (this.closed) return Promise.reject(new Error(`cannot run ${task}: the project is closed`));
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    const done = new Promise<TaskResult<T>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, task, args });
    });
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** Waits for the tasks under way, then stops the worker (its connection closed first). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref(); // an idle worker is unreferenced: keep the process alive until it has closed its connection
    worker.postMessage({ type: 'close' });
    await exited;
  }

  private start(): Worker {
    // From source (Node strips the types) the worker is the .ts beside this file; in the app's bundle it is built
    // beside the main bundle as projectWorker.js (electron.vite.config.ts).
    const file = new URL(
      import.meta.url.endsWith('.ts') ? './projectWorker.ts' : './projectWorker.js',
      import.meta.url,
    );
    const worker = new Worker(file, { workerData: { dbFile: this.dbFile } });
    worker.on('message', (m: TaskReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(reviveFailure(m.error));
    });
    const gone = (why: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(why);
      this.pending.clear();
    };
    worker.on('error', (e) => gone(new Error(`the project worker failed: ${e.message}`)));
    worker.on('exit', (code) => gone(new Error(`the project worker stopped (exit code ${code})`)));
    worker.unref();
    return worker;
  }
}
