import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseEvent, PoseResponse } from '../../contract/poseApi.ts';
import { comparisonRepository, type ComparisonRecord } from '../db/comparisonRepository.ts';
import { modelRepository, type ModelRecord } from '../db/modelRepository.ts';
import { trainingRepository, type TrainingRecord } from '../db/trainingRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import { hashModelFile } from '../jobs/detectJob.ts';
import { heldOutKey, heldOutPersons, scoreModel, type HeldOutSet } from '../training/heldOutScore.ts';
import { ownerAlive, ownerHere, releaseHere } from '../training/processOwner.ts';
import { exportCoco } from './cocoExchange.ts';
import { modelFile, readDetectSetup } from './detectSetup.ts';
import type { ServiceContext } from './projectService.ts';

type Listed = PoseResponse<'listComparisons'>['comparisons'][number];
type Result = NonNullable<Listed['result']>;
type Compared = Result['models'][number];
/** A model as kept in a result: its place in the project, not whether it detects (that is read when listed). */
type Kept = Omit<Compared, 'inUse'>;
type Emit = (e: Omit<PoseEvent<'compareProgress'>, 'jobId' | 'comparisonId' | 'trainingId'>) => void;
type Job = PoseResponse<'compareModels'>;

/** How often the images run are written to the project (the events go out after every image). */
const PROGRESS_WRITE_MS = 1000;
const runningCompare = new WeakMap<ServiceContext, Job>();

/**
 * compareModels as a job: checks at once what can be checked (the training, its held-out images), records the
 * comparison, then runs each model of the project on the held-out images in the background (`compareProgress`
 * after each image; `cancelJob` stops it), each model's score kept as it is measured, the result kept at the end.
 */
export async function startCompareJob(c: ServiceContext, trainingId: number | undefined): Promise<Job> {
  const t = trainingToCompare(c, trainingId);
  const heldOut = heldOutOf(c, t);
  if (!heldOut.gt.images.length)
    throw new ApiError('conflict', `none of training ${t.id}'s held-out images is established ground truth any more`);
  const running = runningCompare.get(c);
  if (running?.trainingId === t.id) return running; // the same question: its answer is on its way
  if (running)
    throw new ApiError(
      'conflict',
      `the models are being compared on training ${running.trainingId}'s held-out images (job ${running.jobId}): wait for it or cancel it`,
    );
  const models = modelsToCompare(c);
  const jobId = randomUUID();
  const owner = ownerHere(jobId);
  const total = models.length * heldOut.gt.images.length;
  const comparisonId = writeTransaction(c.db, 'recording the comparison', () =>
    comparisonRepository(c.db).create(t.id, total, owner, Date.now()),
  );
  const job: Job = { jobId, comparisonId, trainingId: t.id };
  const release = () => {
    if (runningCompare.get(c)?.jobId === jobId) runningCompare.delete(c);
    c.jobs.delete(jobId);
    releaseHere(jobId);
  };
  const emit: Emit = (e) => {
    if (e.stage !== 'running') release(); // a comparison asked for on its last event is a new one
    c.events.emit('compareProgress', { ...job, ...e });
  };
  const controller = new AbortController();
  runningCompare.set(c, job);
  const finished = new Promise((resolve) => setImmediate(resolve)) // the caller knows the job id before any event
    .then(() => runComparison(c, job, heldOut, models, controller.signal, emit))
    .finally(release);
  c.jobs.set(jobId, { controller, finished });
  return job;
}

/** The comparisons kept in the project, as they stand (one whose process is gone: failed, saying so). */
export function listComparisons(c: ServiceContext): PoseResponse<'listComparisons'> {
  const inUse = c.setup.inUse();
  const detects = (m: Kept) => (m.bundled ? inUse.file === c.setup.bundledModel : inUse.row?.id === m.modelId);
  const comparisons = comparisonRepository(c.db)
    .all()
    .map((r): Listed => {
      const result = r.result as (Omit<Result, 'models'> & { models: Kept[] }) | null;
      const shown = {
        ...r,
        result: result && { ...result, models: result.models.map((m) => ({ ...m, inUse: detects(m) })) },
      };
      const { owner: _, ...listed } = shown;
      return r.status === 'running' && !(r.owner && ownerAlive(r.owner)) ? interrupted(listed) : listed;
    });
  return { comparisons, runningJobId: runningCompare.get(c)?.jobId ?? null };
}

const interrupted = (r: Omit<ComparisonRecord, 'owner'> & Listed): Listed => ({
  ...r,
  status: 'failed',
  message: `interrupted after ${r.done} of ${r.total} image runs (the app that ran it was closed or killed): compare again — the models measured are kept`,
});

function trainingToCompare(c: ServiceContext, trainingId: number | undefined): TrainingRecord {
  const repo = trainingRepository(c.db);
  const t = trainingId === undefined ? repo.latestDone() : repo.get(trainingId);
  if (!t)
    throw trainingId === undefined
      ? new ApiError('conflict', 'no finished training yet: models are compared on the images a training held out')
      : new ApiError('not_found', `no training ${trainingId} in this project`);
  if (!t.split?.val.length)
    throw new ApiError(
      'conflict',
      `training ${t.id} (${t.status}) stopped before it held out any images: compare on a training that got further`,
    );
  return t;
}

/** The held-out images of a training as they are labelled now (an image no longer established drops out). */
function heldOutOf(c: ServiceContext, t: TrainingRecord): HeldOutSet {
  const names = new Set(t.split?.val ?? []);
  const all = exportCoco(c.db, {});
  const images = all.images.filter((im) => names.has(im.file_name));
  const ids = new Set(images.map((im) => im.id));
  const gt = { ...all, images, annotations: all.annotations.filter((a) => ids.has(a.image_id)) };
  return { gt, imagePath: (f) => c.files.resolve(f) };
}

interface ModelEntry {
  file: string;
  row: ModelRecord | undefined;
}

/** The bundled model, then every registered one (at most 200 in all). */
function modelsToCompare(c: ServiceContext): ModelEntry[] {
  const bundled = c.setup.bundledModel;
  return [
    { file: bundled, row: modelRepository(c.db).byPath(bundled) },
    ...modelRepository(c.db)
      .registered()
      .map((row) => ({ file: modelFile(c.root, row.path), row }))
      .filter((e) => e.file !== bundled),
  ].slice(0, 200);
}

async function runComparison(
  c: ServiceContext,
  job: Job,
  heldOut: HeldOutSet,
  entries: ModelEntry[],
  signal: AbortSignal,
  emit: Emit,
): Promise<void> {
  const repo = comparisonRepository(c.db);
  const key = heldOutKey(heldOut.gt);
  const images = heldOut.gt.images.length;
  const total = entries.length * images;
  let done = 0,
    written = 0;
  const end = (stage: 'done' | 'cancelled' | 'failed', message: string, result?: Result) => {
    try {
      writeTransaction(c.db, 'recording the comparison', () =>
        repo.finish(job.comparisonId, stage, { done, result, message }, Date.now()),
      );
    } catch (e) {
      // not kept (a full disk, a lock held past its time): said, and the kept scores make the next one quick
      return emit({ stage: 'failed', done, total, message: `the comparison was not kept: ${(e as Error).message}` });
    }
    emit({ stage, done, total, message });
  };
  const step = (model: string) => {
    emit({ stage: 'running', done, total, model, message: `${model}: ${done} of ${total} image runs` });
    if (Date.now() - written < PROGRESS_WRITE_MS) return;
    written = Date.now();
    try {
      writeTransaction(c.db, 'recording the comparison', () => repo.progress(job.comparisonId, done, Date.now()));
    } catch {
      // the row's progress is for other windows; the events carry it, and the end is written (or said) anyway
    }
  };
  try {
    const models: Kept[] = [];
    for (const e of entries) {
      const name = path.basename(e.file, '.onnx');
      const onImage = () => {
        done++;
        step(name);
      };
      models.push(await scoreEntry(c, e, heldOut, key, signal, onImage));
      done = models.length * images; // a kept score, or a model that failed early, counts its images as run
      step(name);
      if (signal.aborted) break;
    }
    if (signal.aborted)
      return end('cancelled', `cancelled after ${models.length} of ${entries.length} models (their numbers are kept)`);
    const result = { trainingId: job.trainingId, heldOut: { images, persons: heldOutPersons(heldOut.gt) }, models };
    return end('done', `${entries.length} models on ${images} held-out images`, result as Result);
  } catch (e) {
    return end(signal.aborted ? 'cancelled' : 'failed', (e as Error).message.slice(0, 2000));
  }
}

/** One model's numbers on the held-out set: kept ones, or measured now and kept; a model that cannot run says why. */
async function scoreEntry(
  c: ServiceContext,
  { file, row }: ModelEntry,
  heldOut: HeldOutSet,
  key: string,
  signal: AbortSignal,
  onImage: () => void,
): Promise<Kept> {
  const bundled = file === c.setup.bundledModel;
  const shown = { modelId: bundled ? null : (row?.id ?? null), name: path.basename(file, '.onnx'), bundled };
  const repo = trainingRepository(c.db);
  const cached = row && repo.score(row.id, key);
  if (cached) return { ...shown, stats: cached as Compared['stats'] & object };
  let measured: Awaited<ReturnType<typeof scoreModel>>;
  try {
    measured = await scoreModel(file, heldOut, readDetectSetup(c.db).settings, signal, onImage);
  } catch (e) {
    if (signal.aborted) return { ...shown, stats: null, error: 'cancelled' };
    return { ...shown, stats: null, error: (e as Error).message.slice(0, 2000) };
  }
  const { stats, card } = measured;
  try {
    const hash = await hashModelFile(file);
    writeTransaction(c.db, 'keeping the model score', () => {
      const id = row?.id ?? modelRepository(c.db).record(file, hash, JSON.stringify(card), Date.now());
      repo.putScore(id, key, heldOut.gt.images.length, heldOutPersons(heldOut.gt), stats, Date.now());
    });
  } catch {
    // measured but not kept (a full disk, a lock held past its time): shown now, measured again next time
  }
  return { ...shown, stats };
}
