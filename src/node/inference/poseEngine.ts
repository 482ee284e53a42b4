import { Worker } from 'node:worker_threads';
import type { ModelCard } from '../../core/model/modelCard.ts';
import type { InferOptions, InferResult } from './inferImage.ts';
import { DEFAULT_INFER_OPTIONS } from './inferImage.ts';
import type { ProviderName } from './executionProviders.ts';
import { ModelLoadError } from './poseModel.ts';

export class InferenceError extends Error {
  override name = 'InferenceError';
}

/**
 * One model, one ONNX Runtime session, one worker thread: `infer` calls queue up and run in order in the worker,
 * so pre-processing, the network and keypoint assignment never block the caller's event loop.
 */
export class PoseEngine {
  readonly card: ModelCard;
  readonly provider: string;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: InferResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  private constructor(worker: Worker, card: ModelCard, provider: string) {
    this.worker = worker;
    this.card = card;
    this.provider = provider;
    worker.on('message', (m) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result as InferResult);
      else p.reject(new InferenceError(m.message));
    });
    worker.on('error', (e) => this.failAll(new InferenceError(`inference worker crashed: ${e.message}`)));
    worker.on('exit', () => this.failAll(new InferenceError('inference worker stopped')));
  }

  /** Starts the worker and loads the model there; rejects with the loader's message when the model is unusable. */
  static start(
    modelPath: string,
    options: { provider?: ProviderName; log?: (line: string) => void } = {},
  ): Promise<PoseEngine> {
    // From source (Node strips the types) the worker is the .ts beside this file; in the app's bundle it is built
    // beside the main bundle as inferenceWorker.js (electron.vite.config.ts).
    const workerFile = import.meta.url.endsWith('.ts') ? './inferenceWorker.ts' : './inferenceWorker.js';
    const worker = new Worker(new URL(workerFile, import.meta.url), {
      workerData: { modelPath, provider: options.provider ?? 'auto' },
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; line?: string; card?: ModelCard; provider?: string; message?: string }) => {
        if (m.type === 'log') options.log?.(m.line!);
        else if (m.type === 'loaded') {
          worker.off('message', onMessage);
          resolve(new PoseEngine(worker, m.card!, m.provider!));
        } else if (m.type === 'failed') {
          worker.off('message', onMessage);
          void worker.terminate();
          reject(new ModelLoadError(m.message!));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (e) => reject(new ModelLoadError(`cannot start the inference worker: ${e.message}`)));
    });
  }

  /** Queues one image (a file path); resolves with persons, raw maps and timings. */
  infer(image: string, imageId: number, options: InferOptions = DEFAULT_INFER_OPTIONS): Promise<InferResult> {
    if (this.closed) return Promise.reject(new InferenceError('the engine is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'infer', id, image, imageId, options });
    });
  }

  /** Finishes queued work, releases the session and stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ type: 'close' });
    await exited;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
