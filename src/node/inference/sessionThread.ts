import { Worker } from 'node:worker_threads';
import type { ModelCard } from '../../core/model/modelCard.ts';
import type { NetworkInput } from '../../core/image/preprocess.ts';
import type { ProviderName } from './executionProviders.ts';
import { ModelLoadError, type NetworkOutput, type SessionThreading } from './poseModel.ts';

export type SessionWorkerData = { modelPath: string; provider: ProviderName; threading?: SessionThreading };
export type SessionRequest = { type: 'run'; id: number; input: NetworkInput } | { type: 'release' };
export type SessionReply =
  | { type: 'log'; line: string }
  | { type: 'loaded'; card: ModelCard; provider: string }
  | { type: 'failed'; message: string }
  | { type: 'ran'; id: number; data: Float32Array; dims: number[]; ms: number }
  | { type: 'runError'; id: number; message: string }
  | { type: 'released' };

/** A run the network refused: `message` is ONNX Runtime's, without its source location (ortMessage). */
export class SessionRunError extends Error {
  override name = 'SessionRunError';
}

/**
 * The model's ONNX Runtime session on a thread of its own, so that the thread that pre-processes the next image and
 * decodes the last one's maps never waits for the network, nor the network for it. Inputs run in the order `run` is
 * called (queued in the thread); each input's buffer is moved to the thread, not copied, and the maps come back the
 * same way. The thread lives in the inference worker process, which is what gets killed to stop a run.
 */
export class SessionThread {
  readonly card: ModelCard;
  readonly provider: string;
  private readonly worker: Worker;
  private readonly runs = new Map<
    number,
    { resolve: (o: NetworkOutput & { ms: number }) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private gone: Error | null = null;

  private constructor(worker: Worker, card: ModelCard, provider: string) {
    this.worker = worker;
    this.card = card;
    this.provider = provider;
    worker.on('message', (m: SessionReply) => {
      if (m.type !== 'ran' && m.type !== 'runError') return;
      const run = this.runs.get(m.id);
      this.runs.delete(m.id);
      if (m.type === 'ran') run?.resolve({ data: m.data, dims: m.dims, ms: m.ms });
      else run?.reject(new SessionRunError(m.message));
    });
    const fail = (e: Error) => {
      this.gone ??= e;
      for (const r of this.runs.values()) r.reject(this.gone);
      this.runs.clear();
    };
    worker.on('error', (e) => fail(new Error(`the network thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`the network thread stopped (exit code ${code})`)));
  }

  /** Starts the thread and loads the model there (loadPoseModel: provider, card, probe); its errors as ModelLoadError. */
  static start(
    modelPath: string,
    o: { provider: ProviderName; threading?: SessionThreading; log?: (line: string) => void },
  ): Promise<SessionThread> {
    // From source the thread is the .ts beside this file; in the app's bundle it is built beside the inference
    // worker as sessionWorker.js (electron.vite.config.ts).
    const file = new URL(
      import.meta.url.endsWith('.ts') ? './sessionWorker.ts' : './sessionWorker.js',
      import.meta.url,
    );
    const data: SessionWorkerData = { modelPath, provider: o.provider, threading: o.threading };
    const worker = new Worker(file, { workerData: data });
    return new Promise((resolve, reject) => {
      const onMessage = (m: SessionReply) => {
        if (m.type === 'log') o.log?.(m.line);
        else if (m.type === 'loaded') settle(null, new SessionThread(worker, m.card, m.provider));
        else if (m.type === 'failed') settle(new ModelLoadError(m.message));
      };
      const onError = (e: Error) =>
        settle(new ModelLoadError(`${modelPath}: the network thread failed while loading it (${e.message})`));
      const onExit = () => settle(new ModelLoadError(`${modelPath}: the network thread stopped while loading it`));
      const settle = (e: Error | null, s?: SessionThread) => {
        worker.off('error', onError).off('exit', onExit);
        if (e) {
          worker.off('message', onMessage);
          void worker.terminate();
          reject(e);
        } else {
          worker.on('message', (m: SessionReply) => m.type === 'log' && o.log?.(m.line));
          worker.off('message', onMessage);
          resolve(s!);
        }
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
  }

  /** Runs one input after those already sent; its data buffer moves to the thread (the caller must not reuse it). */
  run(input: NetworkInput): Promise<NetworkOutput & { ms: number }> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.runs.set(id, { resolve, reject });
      const request: SessionRequest = { type: 'run', id, input };
      this.worker.postMessage(request, [input.data.buffer as ArrayBuffer]);
    });
  }

  /** Releases the session after the runs already sent, then ends the thread. */
  async release(): Promise<void> {
    if (this.gone) return;
    await new Promise<void>((resolve) => {
      const onMessage = (m: SessionReply) => m.type === 'released' && resolve();
      this.worker.on('message', onMessage).once('exit', () => resolve());
      this.worker.postMessage({ type: 'release' } satisfies SessionRequest);
    });
    this.gone = new Error('the session was released');
    await this.worker.terminate();
  }
}
