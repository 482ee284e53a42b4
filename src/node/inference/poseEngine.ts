import type { ModelCard } from '../../core/model/modelCard.ts';
import type { InferOptions, InferResult } from './inferImage.ts';
import { DEFAULT_INFER_OPTIONS } from './inferImage.ts';
import { ModelLoadError, modelFileProblem } from './poseModel.ts';
import {
  InferenceCancelledError,
  InferenceCrashError,
  InferenceError,
  InferenceProcess,
  InferenceTimeoutError,
  type LaunchOptions,
} from './inferenceProcess.ts';

export { InferenceCancelledError, InferenceCrashError, InferenceError, InferenceTimeoutError };

/** Per-image time limit when none is given: far above any real model (the official one with 5 scales on a CPU). */
export const DEFAULT_IMAGE_TIME_LIMIT_MS = 600_000;

export interface EngineOptions extends LaunchOptions {
  /** Each image's limit (decode, network, assignment); null: none. Default DEFAULT_IMAGE_TIME_LIMIT_MS. */
  imageTimeLimitMs?: number | null;
}

/**
 * One model, one ONNX Runtime session, one worker process: `infer` calls queue up and run in order there, so
 * pre-processing, the network and keypoint assignment never block the caller's event loop. An image past its time
 * limit fails alone: its worker is killed and a fresh one (the model loaded again) takes the next image. `stop`
 * (cancel, shutdown) kills the worker at once, whatever the network is doing.
 */
export class PoseEngine {
  readonly card: ModelCard;
  readonly provider: string;
  private readonly modelPath: string;
  private readonly options: EngineOptions;
  private worker: InferenceProcess | null;
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'closed' | 'stopped' = 'open';
  private readonly onAbort = () => void this.stop();

  private constructor(modelPath: string, options: EngineOptions, worker: InferenceProcess) {
    this.modelPath = modelPath;
    this.options = options;
    this.worker = worker;
    this.card = worker.card;
    this.provider = worker.provider;
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Starts the worker and loads the model there; rejects with the loader's message when the model is unusable, with
   * InferenceCancelledError when `signal` aborts first. After the start, `signal` aborting stops the engine.
   */
  static async start(modelPath: string, options: EngineOptions = {}): Promise<PoseEngine> {
    const problem = modelFileProblem(modelPath);
    if (problem) throw new ModelLoadError(problem);
    const worker = await InferenceProcess.launch(modelPath, options);
    const engine = new PoseEngine(modelPath, options, worker);
    if (options.signal?.aborted) engine.stop();
    return engine;
  }

  /** The worker process's id (null between a timed-out image and the next one). */
  get workerPid(): number | null {
    return this.worker?.pid ?? null;
  }

  /** Queues one image (a file path); resolves with persons, raw maps and timings. */
  infer(image: string, imageId: number, options: InferOptions = DEFAULT_INFER_OPTIONS): Promise<InferResult> {
    const run = this.queue.then(() => this.runOne(image, imageId, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the worker now (the image in flight and every queued one reject with InferenceCancelledError). */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const worker = this.worker;
    this.state = 'stopped';
    this.worker = null;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    await worker?.kill(new InferenceCancelledError('cancelled'));
  }

  /** Finishes queued work, releases the session and stops the worker. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.options.signal?.removeEventListener('abort', this.onAbort);
    await this.queue;
    const worker = this.worker;
    this.worker = null;
    await worker?.close();
  }

  /** A method, not a field read, so that checks after an await see the state of now. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private async runOne(image: string, imageId: number, options: InferOptions): Promise<InferResult> {
    if (this.isStopped()) throw new InferenceCancelledError('cancelled');
    if (this.state === 'closed' && !this.worker) throw new InferenceError('the engine is closed');
    if (!this.worker) {
      const fresh = await InferenceProcess.launch(this.modelPath, this.options);
      if (this.isStopped()) {
        await fresh.kill();
        throw new InferenceCancelledError('cancelled');
      }
      this.worker = fresh;
    }
    const worker = this.worker;
    const limit =
      this.options.imageTimeLimitMs === undefined ? DEFAULT_IMAGE_TIME_LIMIT_MS : this.options.imageTimeLimitMs;
    try {
      return await worker.infer(image, imageId, options, limit);
    } catch (e) {
      // A killed or crashed worker is replaced for the next image (unless the engine was stopped).
      if (!(e instanceof InferenceError) || e instanceof InferenceTimeoutError || !worker.alive) {
        if (this.worker === worker) this.worker = null;
      }
      if (this.isStopped()) throw new InferenceCancelledError('cancelled');
      throw e;
    }
  }
}
