import type { ModelCard } from '../../core/model/modelCard.ts';
import type { InferOptions, InferResult, MapsTarget } from './inferImage.ts';
import { DEFAULT_INFER_OPTIONS } from './inferImage.ts';
import { ModelLoadError, modelFileProblem } from './poseModel.ts';
import {
  InferenceCancelledError,
  InferenceCrashError,
  InferenceError,
  InferenceNotRunError,
  InferenceProcess,
  InferenceTimeoutError,
  type LaunchOptions,
} from './inferenceProcess.ts';

export { InferenceCancelledError, InferenceCrashError, InferenceError, InferenceTimeoutError };

/** Per-image time limit when none is given: far above any real model (the official one with 5 scales on a CPU). */
export const DEFAULT_IMAGE_TIME_LIMIT_MS = 600_000;

/**
 * Images in the worker at once: the one in the network and the next, which the worker decodes and pre-processes
 * meanwhile (and whose network input is ready when the network is free). More would only hold more memory.
 */
export const PIPELINE_DEPTH = 2;

/**
 * Images in a row on which the worker died (or a fresh one could not load the model) after which the engine starts
 * no other worker for the images already waiting: they fail with the same reason, and a later `infer` starts one
 * again. A job stops there too (detectJob), and must not have had one more worker started and the model loaded for
 * nothing (the job learns of the failure a few turns of the event loop after the engine).
 */
export const MAX_CONSECUTIVE_CRASHES = 3;

export interface EngineOptions extends LaunchOptions {
  /** Each image's limit (decode, network, assignment); null: none. Default DEFAULT_IMAGE_TIME_LIMIT_MS. */
  imageTimeLimitMs?: number | null;
}

type Request = {
  seq: number;
  image: string;
  imageId: number;
  options: InferOptions;
  mapsTo?: MapsTarget;
  resolve: (r: InferResult) => void;
  reject: (e: Error) => void;
};

/**
 * One model, one ONNX Runtime session, one worker process: `infer` calls run in order, and up to
 * PIPELINE_DEPTH of them are in the worker at once, so that it prepares the next image while the network runs
 * (pre-processing, the network and keypoint assignment never block the caller's event loop). An image past its time
 * limit fails alone, and so does the image in flight when the worker dies: the worker is replaced (the model loaded
 * again) and the images that were behind it run there. `stop` (cancel, shutdown) kills the worker at once, whatever
 * the network is doing.
 */
export class PoseEngine {
  readonly card: ModelCard;
  readonly provider: string;
  private readonly modelPath: string;
  private readonly options: EngineOptions;
  private worker: InferenceProcess | null;
  private launching = false;
  /** Not yet sent to a worker, in the order of `infer` calls (seq). */
  private readonly waiting: Request[] = [];
  private sent = 0;
  private nextSeq = 0;
  /** Images in a row that failed with the worker (see MAX_CONSECUTIVE_CRASHES). */
  private crashes = 0;
  /** Set when they reached the limit: why the images waiting then fail unrun (a new `infer` clears it). */
  private crashStop: string | null = null;
  private idle: (() => void)[] = [];
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

  /** Images sent to the worker and not answered yet (0: the worker, if any, holds none). */
  get inFlight(): number {
    return this.sent;
  }

  /** The worker process's id (null between a worker's death and the next one). */
  get workerPid(): number | null {
    return this.worker?.pid ?? null;
  }

  /**
   * Queues one image (a file path); resolves with persons, raw maps and timings. With `mapsTo`, the worker writes
   * the maps there as map cache files instead of sending them (the result's `storedMaps`; `passes` is empty).
   */
  infer(
    image: string,
    imageId: number,
    options: InferOptions = DEFAULT_INFER_OPTIONS,
    mapsTo?: MapsTarget,
  ): Promise<InferResult> {
    if (this.state === 'stopped') return Promise.reject(new InferenceCancelledError('cancelled'));
    if (this.state === 'closed') return Promise.reject(new InferenceError('the engine is closed'));
    this.crashStop = null;
    return new Promise<InferResult>((resolve, reject) => {
      this.waiting.push({ seq: this.nextSeq++, image, imageId, options, mapsTo, resolve, reject });
      this.pump();
    });
  }

  /** Kills the worker now (the image in flight and every queued one reject with InferenceCancelledError). */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const worker = this.worker;
    this.state = 'stopped';
    this.worker = null;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    for (const r of this.waiting.splice(0)) r.reject(new InferenceCancelledError('cancelled'));
    await worker?.kill(new InferenceCancelledError('cancelled'));
    this.notifyIdle();
  }

  /** Finishes queued work, releases the session and stops the worker. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.options.signal?.removeEventListener('abort', this.onAbort);
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.notifyIdle();
    });
    const worker = this.worker;
    this.worker = null;
    await worker?.close();
  }

  /** Sends waiting images to the worker up to PIPELINE_DEPTH, starting a fresh worker when there is none. */
  private pump(): void {
    if (this.state === 'stopped' || this.waiting.length === 0) {
      this.notifyIdle();
      return;
    }
    if (this.crashStop !== null) {
      for (const w of this.waiting.splice(0)) w.reject(new InferenceCrashError(this.crashStop));
      this.notifyIdle();
      return;
    }
    if (this.worker && !this.worker.alive && this.sent === 0) this.worker = null; // it died while idle: not an image's fault
    if (!this.worker) return void this.relaunch();
    while (this.sent < PIPELINE_DEPTH && this.waiting.length > 0) this.send(this.worker, this.waiting.shift()!);
  }

  private send(worker: InferenceProcess, r: Request): void {
    const limit =
      this.options.imageTimeLimitMs === undefined ? DEFAULT_IMAGE_TIME_LIMIT_MS : this.options.imageTimeLimitMs;
    this.sent++;
    worker.infer(r.image, r.imageId, r.options, limit, r.mapsTo).then(
      (result) => {
        this.sent--;
        this.crashes = 0;
        r.resolve(result);
        this.pump();
      },
      (e: Error) => {
        this.sent--;
        // A killed or crashed worker is replaced for the next image (unless the engine was stopped).
        if (!(e instanceof InferenceError) || e instanceof InferenceTimeoutError || !worker.alive) {
          if (this.worker === worker) this.worker = null;
        }
        if (this.state === 'stopped') r.reject(new InferenceCancelledError('cancelled'));
        else if (e instanceof InferenceNotRunError) this.requeue(r);
        else this.fail(r, e);
        // The next image (on a fresh worker, after a crash) only once the caller has seen this failure: a job that
        // stops on it (3 crashes in a row) must not have had one more worker started, the model loaded for nothing.
        setImmediate(() => this.pump());
      },
    );
  }

  /**
   * An image failed: counted when the worker failed with it; at MAX_CONSECUTIVE_CRASHES in a row the images
   * waiting fail too, with that reason, and no other worker is started for them.
   */
  private fail(r: Request, e: Error): void {
    const crash = e instanceof InferenceCrashError || e instanceof ModelLoadError;
    this.crashes = crash ? this.crashes + 1 : 0;
    r.reject(e);
    if (this.crashes < MAX_CONSECUTIVE_CRASHES) return;
    this.crashes = 0;
    // the images waiting, and those behind it in the dead worker as they come back (pump), fail unrun
    this.crashStop = `not run: the inference worker failed on ${MAX_CONSECUTIVE_CRASHES} images in a row (${e.message})`;
  }

  /** Puts an image that was behind a failed one back in its place in the queue. */
  private requeue(r: Request): void {
    const at = this.waiting.findIndex((w) => w.seq > r.seq);
    this.waiting.splice(at < 0 ? this.waiting.length : at, 0, r);
  }

  /** A fresh worker for the waiting images; when it cannot start, the first of them fails with the reason. */
  private async relaunch(): Promise<void> {
    if (this.launching || this.sent > 0) return; // the images still in the dead worker answer first
    this.launching = true;
    try {
      const fresh = await InferenceProcess.launch(this.modelPath, this.options);
      if (this.state === 'stopped') await fresh.kill();
      else this.worker = fresh;
    } catch (e) {
      const first = this.waiting.shift();
      if (first && this.state === 'stopped') first.reject(new InferenceCancelledError('cancelled'));
      else if (first) this.fail(first, e as Error);
    } finally {
      this.launching = false;
    }
    this.pump();
  }

  private notifyIdle(): void {
    if (this.sent > 0 || this.waiting.length > 0 || this.launching) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
