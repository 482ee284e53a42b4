import { type ChildProcess, fork } from 'node:child_process';
import type { ModelCard } from '../../core/model/modelCard.ts';
import type { ProviderName } from './executionProviders.ts';
import type { InferOptions, InferResult, MapsTarget } from './inferImage.ts';
import { ModelLoadError, type SessionThreading } from './poseModel.ts';
import type { WorkerArgs, WorkerRequest } from './inferenceWorker.ts';

export class InferenceError extends Error {
  override name = 'InferenceError';
}

/** One image ran past its time limit; its worker was stopped. */
export class InferenceTimeoutError extends InferenceError {
  override name = 'InferenceTimeoutError';
}

/** The worker process died while it held an image (a native crash, an out-of-memory kill, a kill from outside). */
export class InferenceCrashError extends InferenceError {
  override name = 'InferenceCrashError';
}

/** The work was stopped on purpose (cancel, shutdown). */
export class InferenceCancelledError extends InferenceError {
  override name = 'InferenceCancelledError';
}

/**
 * The worker stopped (another image crashed it or ran out of time) while this image waited behind that one: it is
 * not this image's failure, and PoseEngine runs it again on a fresh worker.
 */
export class InferenceNotRunError extends InferenceError {
  override name = 'InferenceNotRunError';
}

export interface LaunchOptions {
  provider?: ProviderName;
  /** ONNX Runtime's threads in the worker (default: defaultThreading(), one per core, no busy-waiting). */
  threading?: SessionThreading;
  log?: (line: string) => void;
  /** Loading includes a probe run of the network: a model that never finishes must not hang the start. */
  loadTimeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_LOAD_TIMEOUT_MS = 300_000;

/** How the worker process ended. */
type Exit = { code: number | null; signal: NodeJS.Signals | null };

type Reply =
  | { type: 'log'; line: string }
  | { type: 'loaded'; card: ModelCard; provider: string }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: InferResult }
  | { type: 'error'; id: number; message: string };

/** An image sent to the worker and not answered yet. */
type Pending = {
  image: string;
  timeoutMs: number | null;
  resolve: (r: InferResult) => void;
  reject: (e: Error) => void;
};

/**
 * The inference worker as a child process. ONNX Runtime's run() is native code that blocks its thread and cannot be
 * interrupted, and a worker thread stuck in it can be neither terminated nor joined; a process can be killed. So
 * cancel, shutdown and the per-image time limit kill this process (SIGKILL), which stops the computation at once.
 *
 * Several images may be sent before the first is answered (the worker pipelines them, see imagePipeline.ts); they
 * are answered as each finishes — in the order sent, except that one refused before the network (a bad file) can be
 * answered before the image ahead of it (runDetectJob reports them in order). The oldest unanswered one is the image in flight: its time limit runs from the
 * moment it became the oldest (the one before it answered), and when the worker dies it is that image's failure;
 * the images behind it reject with InferenceNotRunError, to be sent again.
 */
export class InferenceProcess {
  readonly card: ModelCard;
  readonly provider: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<Exit>;
  /** In the order sent (a Map keeps insertion order): the first is the image in flight. */
  private readonly pending = new Map<number, Pending>();
  private head: { id: number; timer: NodeJS.Timeout | undefined } | null = null;
  private nextId = 1;
  private gone: Error | null = null;

  private constructor(child: ChildProcess, exited: Promise<Exit>, card: ModelCard, provider: string) {
    this.child = child;
    this.exited = exited;
    this.card = card;
    this.provider = provider;
    child.on('message', (m: Reply) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.armHead();
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(new InferenceError(m.message));
    });
    child.on('error', (e) => void this.kill(new InferenceError(`the inference worker failed: ${e.message}`)));
    void exited.then(({ code, signal }) =>
      this.fail(
        this.gone ??
          new InferenceCrashError(
            `the inference worker stopped unexpectedly (${signal ? `killed by ${signal}` : `exit code ${code}`})`,
          ),
      ),
    );
  }

  /** False once the worker was killed, closed or died. */
  get alive(): boolean {
    return this.gone === null;
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** Starts the worker process and loads the model there; rejects with the loader's message when it is unusable. */
  static launch(modelPath: string, o: LaunchOptions = {}): Promise<InferenceProcess> {
    // From source (Node strips the types) the worker is the .ts beside this file; in the app's bundle it is built
    // beside the main bundle as inferenceWorker.js (electron.vite.config.ts). In Electron, fork runs it as Node.
    const file = new URL(
      import.meta.url.endsWith('.ts') ? './inferenceWorker.ts' : './inferenceWorker.js',
      import.meta.url,
    );
    const args: WorkerArgs = { modelPath, provider: o.provider ?? 'auto', threading: o.threading };
    const child = fork(file, [JSON.stringify(args)], {
      serialization: 'advanced', // typed arrays (the maps) travel as such
      execArgv: [],
      stdio: ['ignore', 2, 2, 'ipc'], // the worker's output (ONNX Runtime's warnings) goes to our stderr, never stdout
      detached: process.platform !== 'win32', // its own process group: a terminal's Ctrl-C reaches us, and we stop it
      windowsHide: true,
    });
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return new Promise<InferenceProcess>((resolve, reject) => {
      const done = (e: Error | null, p?: InferenceProcess) => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        child.off('message', onMessage);
        if (e) {
          child.kill('SIGKILL');
          void exited.then(() => reject(e));
        } else resolve(p!);
      };
      const onMessage = (m: Reply) => {
        if (m.type === 'log') o.log?.(m.line);
        else if (m.type === 'loaded') done(null, new InferenceProcess(child, exited, m.card, m.provider));
        else if (m.type === 'failed') done(new ModelLoadError(m.message));
      };
      const onAbort = () => done(new InferenceCancelledError('cancelled while the model was loading'));
      const limit = o.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
      const timer = setTimeout(
        () =>
          done(
            new ModelLoadError(
              `${modelPath}: the model did not load within ${limit / 1000} s (its test run on a small input never finished)`,
            ),
          ),
        limit,
      );
      child.on('message', onMessage);
      child.once('error', (e) => done(new ModelLoadError(`cannot start the inference worker: ${e.message}`)));
      void exited.then(() => done(new ModelLoadError(`${modelPath}: the inference worker stopped while loading it`)));
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Images sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one image (after those already sent); past `timeoutMs` from the moment it is the image in flight, the
   * worker is killed and the call rejects with InferenceTimeoutError.
   */
  infer(
    image: string,
    imageId: number,
    options: InferOptions,
    timeoutMs: number | null,
    mapsTo?: MapsTarget,
  ): Promise<InferResult> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<InferResult>((resolve, reject) => {
      this.pending.set(id, { image, timeoutMs, resolve, reject });
      this.child.send({ type: 'infer', id, image, imageId, options, mapsTo } satisfies WorkerRequest);
      this.armHead();
    });
  }

  /** Starts the time limit of the image in flight when it has changed. */
  private armHead(): void {
    const [first] = this.pending;
    if (this.head && this.head.id === first?.[0]) return;
    clearTimeout(this.head?.timer);
    this.head = null;
    if (!first || this.gone) return;
    const [id, p] = first;
    const ms = p.timeoutMs;
    const timer =
      ms === null
        ? undefined
        : setTimeout(
            () =>
              void this.kill(
                new InferenceTimeoutError(
                  `${p.image}: stopped after ${ms / 1000} s (the time limit per image); the model did not finish`,
                ),
              ),
            ms,
          );
    this.head = { id, timer };
  }

  /** Kills the worker now; the image in flight rejects with `why`. Resolves once the process is gone. */
  async kill(why: Error = new InferenceCancelledError('cancelled')): Promise<void> {
    if (!this.gone) {
      this.gone = why;
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** Releases the session and lets the worker exit; kills it if it does not within `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (this.gone) {
      await this.exited;
      return;
    }
    this.gone = new InferenceError('the engine is closed');
    if (this.child.connected) this.child.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The worker is gone: the image in flight rejects with `e`, those behind it as not run (cancelled when stopped). */
  private fail(e: Error): void {
    this.gone ??= e;
    clearTimeout(this.head?.timer);
    this.head = null;
    const behind = e instanceof InferenceCancelledError ? e : new InferenceNotRunError(`not run: ${e.message}`);
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const [i, p] of all.entries()) p.reject(i === 0 ? e : behind);
  }
}
