import type { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseEvent, PoseRequest } from '../../contract/poseApi.ts';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { importSource, type ExchangePolicy } from '../fs/projectPaths.ts';
import { ImportCancelledError, importCheckpoint } from '../models/checkpointImport.ts';
import { PROJECT_MODELS_DIR, readDetectSetup, registerModelFile, writeDetectSetup } from './detectSetup.ts';
import type { ServiceJob } from './projectService.ts';

export interface ModelImportContext {
  db: ProjectDb;
  root: string;
  exchange: ExchangePolicy;
  python: string;
  trainingRoot: string;
  bundledModel: string;
  events: EventEmitter;
  /** The service's running jobs (cancelJob and shutdown reach an import through it). */
  jobs: Map<string, ServiceJob>;
}

const CHECKPOINT_EXTENSIONS = ['.pth', '.pt', '.tar'];

/**
 * importModel: checks the request at once (the file, through the exchange policy), then runs the import in the
 * background — exporter, test run, registration, the model put in use — reporting `modelImport` events.
 */
export function startModelImport(ctx: ModelImportContext, { checkpoint, name }: PoseRequest<'importModel'>) {
  const file = importSource(checkpoint, ctx.exchange);
  if (!CHECKPOINT_EXTENSIONS.includes(path.extname(file).toLowerCase()))
    throw new ApiError(
      'bad_request',
      `${checkpoint}: not a PyTorch checkpoint (expected a ${CHECKPOINT_EXTENSIONS.join(' / ')} file of the official IMHN family, e.g. PoseNet_52_epoch.pth)`,
    );
  const jobId = randomUUID();
  const controller = new AbortController();
  const emit = (e: Omit<PoseEvent<'modelImport'>, 'jobId'>) => ctx.events.emit('modelImport', { jobId, ...e });
  // Started after this call has answered, so that the caller knows the job id before its first event.
  const finished = new Promise((resolve) => setImmediate(resolve))
    .then(() =>
      importCheckpoint({
        python: ctx.python,
        trainingRoot: ctx.trainingRoot,
        checkpoint: file,
        outDir: path.join(ctx.root, PROJECT_MODELS_DIR),
        name: name?.trim() || path.basename(file, path.extname(file)),
        signal: controller.signal,
        onProgress: (stage, fraction, message) => emit({ stage, fraction, message }),
      }),
    )
    .then(async (onnx) => {
      const modelId = await registerModelFile(ctx.db, ctx.root, onnx, ctx.bundledModel);
      writeDetectSetup(ctx.db, { ...readDetectSetup(ctx.db), modelId });
      emit({
        stage: 'done',
        fraction: 1,
        message: `imported ${path.basename(file)} as ${path.basename(onnx)}; detection now uses it`,
        ...(modelId === null ? {} : { modelId }),
      });
    })
    .catch((e: Error) =>
      emit(
        e instanceof ImportCancelledError || controller.signal.aborted
          ? { stage: 'cancelled', fraction: 0, message: 'the import was cancelled; nothing was added' }
          : { stage: 'failed', fraction: 0, message: e.message },
      ),
    )
    .finally(() => ctx.jobs.delete(jobId));
  ctx.jobs.set(jobId, { controller, finished });
  return { jobId };
}
