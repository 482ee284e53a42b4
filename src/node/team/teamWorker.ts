import type PgBoss from 'pg-boss';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';
import { PoseEngine } from '../inference/poseEngine.ts';
import { DETECT_QUEUE, startBoss, type DetectBatch, type QueueTimings } from './detectQueue.ts';
import { openTeamDb, type TeamDb } from './openTeamDb.ts';
import { listenTeam, notifyTeam } from './teamEvents.ts';
import { teamImageRepository, type TeamImageRecord } from './teamImageRepository.ts';
import { teamMapRepository } from './teamMapRepository.ts';
import { teamRunRepository, type TeamRun } from './teamRunRepository.ts';
import { teamWriteTransaction } from './teamTransaction.ts';

/** One image's result: its persons and the raw stride-4 maps of every pass (what the team's map cache keeps). */
export interface Inferred {
  poses: Pose[];
  passes: DecodePass[];
  /** The image's size in pixels (its passes' geometry). */
  width: number;
  height: number;
}

/** What runs a model on one image: the inference engine (default), or a benchmark's labelled stand-in. */
export interface PoseInferer {
  infer(file: string, imageId: number, settings: DetectSettings): Promise<Inferred>;
  /** Stops the image in flight at once (a cancel); the inferer is not used again. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface TeamWorkerOptions {
  url: string;
  /** The shared folder holding the project's images (their relative paths resolve inside it). */
  root: string;
  /** This worker's name in the predictions it stores (default host:pid). */
  name: string;
  timings: QueueTimings;
  signal?: AbortSignal;
  /** Return once no batch is waiting, claimed or due for a retry (benchmarks, tests); default: run until stopped. */
  exitWhenIdle?: boolean;
  /** A local copy of the runs' model to use instead of the path the run names (it must have the same content). */
  modelOverride?: string;
  /** Makes the inferer for a run's model (default: PoseEngine in its own process, the engine of `detect`). */
  inferer?: (modelPath: string) => Promise<PoseInferer>;
  /** Store each image's maps with its prediction (default true; false: the benchmark's baseline, poses only). */
  storeMaps?: boolean;
  log?: (line: string) => void;
}

export interface TeamWorkerResult {
  batches: number;
  stored: number;
  failed: number;
  /** Bytes of maps this worker stored (float16 .npy). */
  mapBytes: number;
}

/** This worker cannot run a run's model (missing, other content, does not load): it stops, saying why. */
export class WorkerModelError extends Error {
  override name = 'WorkerModelError';
}

/** The worker was asked to stop in the middle of a batch. */
class WorkerStopped extends Error {
  override name = 'WorkerStopped';
}

/** The inference engine as a PoseInferer (its own process per model; a stopped one is never reused). */
export async function engineInferer(modelPath: string): Promise<PoseInferer> {
  const engine = await PoseEngine.start(modelPath);
  return {
    infer: async (file, imageId, settings) => {
      const r = await engine.infer(file, imageId, settings); // the maps come back with the poses (no cache folder)
      return { poses: r.poses, passes: r.passes, width: r.width, height: r.height };
    },
    stop: () => engine.stop(),
    close: () => engine.close(),
  };
}

/**
 * A detection worker (`simplepose worker --team URL`): claims batches from the queue one at a time, runs each
 * image of the batch that has no row in its run yet, and stores the prediction (or the image's failure) with
 * ON CONFLICT DO NOTHING, so an image gets one row per run whichever workers die, retry or race; its maps go in
 * the same transaction (teamMapRepository). Progress is
 * announced after every image; a cancel (seen by LISTEN, and checked before each image) stops the image in flight;
 * `signal` stops the worker after the image in flight, its batch handed back to the queue at once.
 */
export async function runTeamWorker(o: TeamWorkerOptions): Promise<TeamWorkerResult> {
  const team = await openTeamDb(o.url, { max: 3 });
  let boss: PgBoss | null = null;
  let listener: { close(): Promise<void> } | null = null;
  const state: WorkerState = { team, o, files: new ProjectFiles(o.root), inferers: new Map(), current: null };
  const result: TeamWorkerResult = { batches: 0, stored: 0, failed: 0, mapBytes: 0 };
  try {
    boss = await startBoss(o.url, o.timings);
    listener = await listenTeam(o.url, (e) => {
      if (e.kind === 'progress' && e.status === 'cancelled' && state.current?.runId === e.runId)
        void stopCurrent(state);
    });
    while (!o.signal?.aborted) {
      const [job] = await boss.fetch<DetectBatch>(DETECT_QUEUE, { batchSize: 1 });
      if (!job) {
        if (o.exitWhenIdle && (await boss.getQueueSize(DETECT_QUEUE, { before: 'completed' })) === 0) break;
        await sleep(o.timings.pollSeconds * 1000, o.signal);
        continue;
      }
      try {
        await runBatch(state, job.data, result);
        await boss.complete(DETECT_QUEUE, job.id);
        result.batches++;
      } catch (e) {
        // Stopped (Ctrl-C, SIGTERM): the batch goes back to the queue now (a retry), not after its expiry.
        if (!(e instanceof WorkerStopped)) o.log?.(`batch of run ${job.data.runId} failed: ${(e as Error).message}`);
        await boss.fail(DETECT_QUEUE, job.id, { message: (e as Error).message }).catch(() => undefined);
        // This machine cannot run the run's model: its batches go to the others rather than failing here in turn.
        if (e instanceof WorkerModelError) throw e;
      }
    }
    return result;
  } finally {
    for (const inf of state.inferers.values()) await (await inf).close().catch(() => undefined);
    await listener?.close().catch(() => undefined);
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await team.close();
  }
}

interface WorkerState {
  team: TeamDb;
  o: TeamWorkerOptions;
  files: ProjectFiles;
  /** One inferer per model hash. */
  inferers: Map<string, Promise<PoseInferer>>;
  current: { runId: number; hash: string } | null;
}

async function stopCurrent(s: WorkerState): Promise<void> {
  const cur = s.current;
  if (!cur) return;
  const inf = s.inferers.get(cur.hash);
  s.inferers.delete(cur.hash);
  await (await inf)?.stop();
}

async function infererFor(s: WorkerState, run: TeamRun): Promise<PoseInferer> {
  let inf = s.inferers.get(run.modelHash);
  if (!inf) {
    const file = s.o.modelOverride ?? run.modelPath;
    inf = (async () => {
      const hash = await hashModelFile(file).catch((e: Error) => {
        throw new WorkerModelError(`run ${run.id}'s model cannot be read on this machine: ${e.message}`);
      });
      if (hash !== run.modelHash)
        throw new WorkerModelError(
          `the model at ${file} is not the one run ${run.id} uses (content differs from ${run.modelPath}); give this worker a copy of that model (--model)`,
        );
      return (s.o.inferer ?? engineInferer)(file).catch((e: Error) => {
        throw new WorkerModelError(`run ${run.id}'s model does not load on this machine: ${e.message}`);
      });
    })();
    s.inferers.set(run.modelHash, inf);
    inf.catch(() => s.inferers.delete(run.modelHash));
  }
  return inf;
}

/** An image of a batch, inferred, or its failure (an unreadable file, a model error: stored as the image's row). */
type Prepared = { image: TeamImageRecord; outcome: Inferred | { error: string } };

/** Runs the model on one image; never rejects (a failure is the image's outcome). Sends the image at once. */
async function prepare(s: WorkerState, run: TeamRun, inferer: PoseInferer, image: TeamImageRecord): Promise<Prepared> {
  try {
    return { image, outcome: await inferer.infer(s.files.resolve(image.relPath), image.id, run.settings) };
  } catch (e) {
    return { image, outcome: { error: (e as Error).message } };
  }
}

/**
 * The batch's images not stored yet, in order. The next image is sent to the model before this one's prediction
 * and maps are stored (as local detection runs ahead of its store), so the ~90 ms of CPU a store of maps takes is
 * hidden behind the model. The run's status is read before each image (a cancel: the batch ends); a stop (signal)
 * or a failed store kills the image running ahead, the batch going back to the queue.
 */
async function runBatch(s: WorkerState, batch: DetectBatch, r: TeamWorkerResult): Promise<void> {
  const { pool } = s.team;
  const run = await teamRunRepository.get(pool, batch.runId);
  if (run?.status !== 'running') return; // cancelled or gone: nothing to do, the job is done
  const inferer = await infererFor(s, run);
  const done = await teamRunRepository.predicted(pool, run.id, batch.imageIds);
  const images: TeamImageRecord[] = [];
  for (const id of batch.imageIds) {
    const image = done.has(id) ? undefined : await teamImageRepository.get(pool, id);
    if (image) images.push(image); // one removed from the project since is skipped
  }
  s.current = { runId: run.id, hash: run.modelHash };
  let ahead: Promise<Prepared> | null = null;
  try {
    for (let i = 0; i < images.length; i++) {
      if (s.o.signal?.aborted) throw new WorkerStopped('the worker was stopped: its batch went back to the queue');
      if ((await teamRunRepository.status(pool, run.id)) !== 'running') return;
      const { image, outcome } = await (ahead ?? prepare(s, run, inferer, images[i]));
      ahead = i + 1 < images.length ? prepare(s, run, inferer, images[i + 1]) : null;
      // a failure because the run was cancelled meanwhile (its model stopped) is not the image's
      if ('error' in outcome && (await teamRunRepository.status(pool, run.id)) !== 'running') return;
      const stored = await storeOutcome(s, run, image.id, image.contentHash, outcome);
      if (stored) r.stored++;
      if (stored && 'error' in outcome) r.failed++;
      if (stored) r.mapBytes += stored.mapBytes;
    }
  } finally {
    if (ahead) {
      // left behind by a stop, a cancel or a failed store: the model is stopped (its process killed), not stored
      await stopCurrent(s);
      await ahead;
    }
    s.current = null;
  }
}

/**
 * One image's row and its maps (one transaction: a worker killed in between leaves neither, and a retried batch
 * skips the image, so it never gets a second set), its list score, the run's progress announced and the run closed
 * when it was the last. Null when nothing was stored (cancelled, or another worker stored the image first).
 */
async function storeOutcome(
  s: WorkerState,
  run: TeamRun,
  imageId: number,
  contentHash: string,
  outcome: Inferred | { error: string },
): Promise<{ mapBytes: number } | null> {
  return teamWriteTransaction(s.team.pool, 'storing a prediction', async (c) => {
    await teamRunRepository.lock(c, run.id); // so the last two stores of a run cannot both miss closing it
    if ((await teamRunRepository.status(c, run.id)) !== 'running') return null; // cancelled: nothing after it
    const now = Date.now();
    const row = 'poses' in outcome ? { poses: outcome.poses } : outcome;
    const stored = await teamRunRepository.store(c, {
      runId: run.id,
      imageId,
      contentHash,
      worker: s.o.name,
      now,
      ...row,
    });
    if (!stored) return null;
    let mapBytes = 0;
    if ('poses' in outcome) {
      if (s.o.storeMaps !== false)
        mapBytes = await teamMapRepository.store(c, {
          imageId,
          runId: run.id,
          contentHash,
          image: { width: outcome.width, height: outcome.height },
          passes: outcome.passes,
          now,
        });
      const scores = outcome.poses.map((p) => p.score);
      await teamImageRepository.setLatestScore(
        c,
        imageId,
        scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      );
    }
    await teamRunRepository.completeIfDone(c, run.id, now);
    const p = await teamRunRepository.progress(c, run.id);
    if (p) await notifyTeam(c, { kind: 'progress', ...p });
    return { mapBytes };
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    const wake = () => {
      clearTimeout(t);
      resolve();
    };
    signal?.addEventListener('abort', wake, { once: true });
  });
}
