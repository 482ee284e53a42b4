import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import { checkPayload, ContractError } from '../../contract/checkPayload.ts';
import type { PoseEvent, PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import type { CocoDataset } from '../../core/coco/cocoTypes.ts';
import { trainingRepository, type TrainingOptions, type TrainingRecord } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';
import { cardPathFor, modelFileProblem } from '../inference/poseModel.ts';
import { pythonProblem } from '../models/pythonProcess.ts';
import { runTrainer } from '../training/trainProcess.ts';
import { exportCoco } from './cocoExchange.ts';
import { DEFAULT_PYTHON, PACKAGE_ROOT } from '../inference/bundledModel.ts';
import { PROJECT_MODELS_DIR, storedModelPath } from './detectSetup.ts';
import type { ServiceContext } from './projectService.ts';
import { TrainWatch } from './trainWatch.ts';
import { trainerHolder, trainingElsewhere, waitForOtherTrainer } from './otherTrainer.ts';
import { ownerHere, releaseHere } from '../training/processOwner.ts';

type Emit = (e: Omit<PoseEvent<'trainProgress'>, 'jobId' | 'trainingId'>) => void;

/** The running Train job of each service (one at a time per project and process). */
const runningTrain = new WeakMap<ServiceContext, string>();
export const runningTrainJob = (c: ServiceContext): string | null => runningTrain.get(c) ?? null;

/** Defaults for what the request leaves out (a CPU-sized budget; the issue's bench uses minutes). */
function optionsOf(r: PoseRequest<'startTrain'>): TrainingOptions {
  return {
    steps: r.steps ?? null,
    minutes: r.minutes ?? (r.steps === undefined ? 10 : null),
    seed: r.seed ?? 0,
    valFraction: r.valFraction ?? 0.2,
    config: r.size ?? 'tiny',
    inputSize: r.inputSize ?? 256,
    batch: r.batch ?? 8,
    threads: r.threads ?? null,
  };
}

/**
 * startTrain: checks at once what can be checked (no other training running here, enough established ground truth,
 * the model to fine-tune), records the training (or takes up the interrupted one: same folder, split and options,
 * its checkpoint), then runs it in the background with `trainProgress` events.
 */
export async function startTrainJob(
  c: ServiceContext,
  r: PoseRequest<'startTrain'>,
): Promise<PoseResponse<'startTrain'>> {
  const running = runningTrain.get(c);
  if (running) throw new ApiError('conflict', `a training is running (job ${running}): cancel it or wait for it`);
  if (!r.fromScratch && r.size !== undefined)
    throw new ApiError(
      'bad_request',
      '`size` is for a new model (fromScratch: true); fine-tuning keeps the size of the model in use',
    );
  const repo = trainingRepository(c.db);
  const before = r.resume === false ? undefined : repo.latestUnfinished();
  const resumed = before !== undefined && existsSync(path.join(c.root, before.outDir, 'gt.json'));
  const differs = resumed && optionsDiffer(before, r);
  if (differs)
    throw new ApiError(
      'conflict',
      `training ${before!.id} stopped before its end and Train resumes it, but with ${differs}: leave those options out to resume it, or start a new training (resume: false, --no-resume)`,
    );
  const fresh = resumed ? null : newTrainingPlan(c, r);
  const jobId = randomUUID();
  const id = claimTrainer(c, jobId, { beforeId: before?.id ?? null, takesUp: r.resume !== false, resumed }, fresh);
  const release = () => {
    if (runningTrain.get(c) === jobId) runningTrain.delete(c);
    c.jobs.delete(jobId);
    releaseTrainer(c, jobId);
  };
  let t: TrainingRecord & { gt?: CocoDataset };
  try {
    const record = repo.get(id)!;
    t = resumed ? withBudget(record, r) : { ...record, gt: fresh!.gt };
    if (!resumed) mkdirSync(path.join(c.root, t.outDir), { recursive: true });
  } catch (e) {
    writeTransaction(c.db, 'recording the training', () =>
      repo.finish(id, 'failed', { message: (e as Error).message }, Date.now()),
    );
    release();
    throw e;
  }
  const controller = new AbortController();
  const emit: Emit = (e) => {
    // the last event says the job is over: a Train started on receiving it must not find this one still running
    if (e.stage === 'done' || e.stage === 'cancelled' || e.stage === 'failed') release();
    c.events.emit('trainProgress', { jobId, trainingId: t.id, ...e });
  };
  runningTrain.set(c, jobId);
  const finished = new Promise((resolve) => setImmediate(resolve)) // the caller knows the job id before any event
    .then(() => runTraining(c, t, resumed, r.use === true, controller.signal, emit))
    .finally(release);
  c.jobs.set(jobId, { controller, finished });
  return { jobId, trainingId: t.id, resumed };
}

/**
 * Job `jobId` becomes the project's trainer, in one IMMEDIATE transaction that first checks no other holds it (a
 * process alive: `trainerHolder`) nor runs a trainer, and records the training (a new one, or the interrupted one
 * taken up): two processes starting at the same moment cannot both pass. Held until the job ends (`releaseTrainer`)
 * or its process dies. The training's id.
 */
function claimTrainer(
  c: ServiceContext,
  jobId: string,
  { beforeId, takesUp, resumed }: { beforeId: number | null; takesUp: boolean; resumed: boolean },
  fresh: TrainingPlan | null,
): number {
  const repo = trainingRepository(c.db);
  const owner = ownerHere(jobId);
  try {
    return writeTransaction(c.db, "claiming the project's trainer", () => {
      const held = trainerHolder(repo.trainerClaim());
      if (held) throw new ApiError('conflict', held);
      const elsewhere = trainingElsewhere(repo.all(), resumed ? beforeId : null);
      if (elsewhere) throw new ApiError('conflict', elsewhere);
      if (takesUp && (repo.latestUnfinished()?.id ?? null) !== beforeId)
        throw new ApiError(
          'conflict',
          'the trainings of this project changed meanwhile (another window or process): try again',
        );
      const now = Date.now();
      const id = resumed
        ? beforeId!
        : repo.create({
            baseModel: fresh!.baseModel,
            options: fresh!.options,
            outDir: (n) => `${PROJECT_MODELS_DIR}/training-${n}`,
            now,
          });
      repo.claimTrainer(id, owner, now);
      return id;
    });
  } catch (e) {
    releaseHere(jobId);
    throw e;
  }
}

/** The claim of job `jobId` let go: at once in this process, then its row (a row left by a failed write is void). */
function releaseTrainer(c: ServiceContext, jobId: string): void {
  releaseHere(jobId);
  try {
    writeTransaction(c.db, "releasing the project's trainer", () => trainingRepository(c.db).releaseTrainer(jobId));
  } catch {
    // the row names this process's job, which no longer holds it: it counts for nothing, the next claim replaces it
  }
}

/** What of the request contradicts the interrupted training's options ('' when nothing; the budget may change). */
function optionsDiffer(t: TrainingRecord, r: PoseRequest<'startTrain'>): string {
  const o = t.options;
  const asked: [string, unknown, unknown][] = [
    ['fromScratch', r.fromScratch, t.baseModel === null],
    ['size', r.size, t.baseModel === null ? o.config : undefined],
    ['seed', r.seed, o.seed],
    ['valFraction', r.valFraction, o.valFraction],
    ['inputSize', r.inputSize, o.inputSize],
    ['batch', r.batch, o.batch],
  ];
  return asked
    .filter(([, want, had]) => want !== undefined && want !== had)
    .map(
      ([k, want, had]) => `${k} ${JSON.stringify(want)} (it has ${had === undefined ? 'none' : JSON.stringify(had)})`,
    )
    .join(', ');
}

/** An interrupted training taken up: its options, with a new budget when the request gives one. */
function withBudget(t: TrainingRecord, r: PoseRequest<'startTrain'>): TrainingRecord {
  if (r.steps === undefined && r.minutes === undefined) return t;
  // a new budget trains on, even past a model the trainer had finished
  return { ...t, exported: null, options: { ...t.options, steps: r.steps ?? null, minutes: r.minutes ?? null } };
}

interface TrainingPlan {
  gt: CocoDataset;
  baseModel: string | null;
  options: TrainingOptions;
}

/** A new training's ground truth, model and options, checked: enough labelled images, the model to fine-tune. */
function newTrainingPlan(c: ServiceContext, r: PoseRequest<'startTrain'>): TrainingPlan {
  const gt = exportCoco(c.db, {});
  const labelled = new Set(gt.annotations.filter((a) => !a.iscrowd && a.num_keypoints > 0).map((a) => a.image_id));
  if (labelled.size < 2)
    throw new ApiError(
      'conflict',
      `training needs at least 2 images of established ground truth with labelled people (accepted or imported; this project has ${labelled.size}): review and accept more images first`,
    );
  const init = r.fromScratch ? null : c.setup.inUse().file;
  const problem = init && modelFileProblem(init);
  if (problem) throw new ApiError('not_found', `the model to fine-tune: ${problem}`);
  return { gt, baseModel: init && storedModelPath(c.root, init), options: optionsOf(r) };
}

async function runTraining(
  c: ServiceContext,
  t: TrainingRecord & { gt?: CocoDataset },
  resumed: boolean,
  use: boolean,
  signal: AbortSignal,
  emit: Emit,
): Promise<void> {
  const repo = trainingRepository(c.db);
  const python = c.options.python ?? DEFAULT_PYTHON;
  const trainingRoot = c.options.trainingRoot ?? PACKAGE_ROOT;
  const outDir = path.join(c.root, t.outDir);
  const gtFile = path.join(outDir, 'gt.json');
  const watch = new TrainWatch(c, t, outDir, signal, emit);
  const stop = (status: 'failed' | 'cancelled', message: string) => {
    writeTransaction(c.db, 'recording the training', () => repo.finish(t.id, status, { message }, Date.now()));
    emit({ stage: status, step: watch.step, steps: watch.steps, message });
  };
  try {
    const exported = resumed && t.exported !== null ? path.resolve(c.root, t.exported) : null;
    if (exported && existsSync(exported) && existsSync(cardPathFor(exported))) {
      // its trainer had finished (the app was killed measuring or registering it): register that model, train no more
      watch.exported = exported;
      return await registered(watch, exported, use, emit);
    }
    emit({ stage: 'checking', step: t.step, steps: t.steps, message: `checking ${python} (PyTorch, the trainer)` });
    const problem = await pythonProblem(python, trainingRoot, 'training.finetune', 'training', signal);
    if (signal.aborted) return stop('cancelled', 'the training was cancelled before it started');
    if (problem) return stop('failed', problem);
    const other = await waitForOtherTrainer(t, signal);
    if (signal.aborted) return stop('cancelled', 'the training was cancelled before it started');
    // the training is another process's: said here, its row left to the process that runs it
    if (other) return emit({ stage: 'failed', step: t.step, steps: t.steps, message: other });
    if (t.gt) await writeFileAtomic(gtFile, JSON.stringify(t.gt));
    writeTransaction(c.db, 'recording the training', () => repo.claim(t.id, process.pid, Date.now()));
    const intro = resumed ? `resuming training ${t.id} from its checkpoint` : `preparing training ${t.id}`;
    emit({ stage: 'preparing', step: t.step, steps: t.steps, message: intro });
    const run = await runTrainer({
      python,
      trainingRoot,
      gtFile,
      imagesDir: c.files.rootReal,
      outDir,
      init: t.baseModel && path.resolve(c.root, t.baseModel),
      options: t.options,
      resume: resumed,
      signal,
      onEvent: (e) => watch.onEvent(e),
      onSpawn: (pid) => writeTransaction(c.db, 'recording the training', () => repo.claim(t.id, pid, Date.now())),
    });
    await watch.settled();
    if (run.code === 0 && watch.exported) return await registered(watch, watch.exported, use, emit);
    const kept = watch.checkpointStep > 0 ? `; Train resumes from its checkpoint at step ${watch.checkpointStep}` : '';
    if (run.aborted) return stop('cancelled', `cancelled at step ${watch.step}${kept || '; no checkpoint yet'}`);
    if (run.spawnError) return stop('failed', `the trainer could not start (${run.spawnError})`);
    if (run.signal) return stop('failed', `the trainer was stopped by ${run.signal} at step ${watch.step}${kept}`);
    const why = watch.failure ?? (run.why || `exit code ${run.code}`);
    return stop('failed', run.code === 3 ? `the training data: ${why}` : `the trainer failed: ${why}${kept}`);
  } catch (e) {
    return stop(signal.aborted ? 'cancelled' : 'failed', (e as Error).message);
  }
}

/** The trainer's model measured, registered (in use when `use`) and the job's `done` event. */
async function registered(watch: TrainWatch, onnx: string, use: boolean, emit: Emit): Promise<void> {
  const { modelId, name } = await watch.register(onnx, use);
  const ap = watch.finalAP === null ? '' : `, validation AP ${watch.finalAP.toFixed(3)}`;
  const then = use
    ? 'detection now uses it'
    : `registered as ${name}: compare it with the others and choose the model that detects`;
  emit({
    stage: 'done',
    step: watch.step,
    steps: watch.steps,
    message: `trained ${watch.step} steps${ap}; ${then}`,
    modelId,
  });
}

/** The CLI's request checked against the contract (the HTTP and IPC adapters check theirs): its problems, by key. */
export function trainRequestIssues(r: unknown): { key: string; message: string }[] {
  try {
    checkPayload('startTrain', 'request', r);
    return [];
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    return e.issues.map((i) => ({ key: i.path.replace(/^\$\.?/, ''), message: i.message }));
  }
}

/** For the CLI (which reaches the contract through the node layer): the request, its event, the sizes. */
export type TrainRequest = PoseRequest<'startTrain'>;
export type TrainEvent = PoseEvent<'trainProgress'>;
export { TRAIN_SIZES } from '../../contract/trainingApi.ts';
