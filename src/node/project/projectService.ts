import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { ProjectFiles, type ExchangePolicy } from '../fs/projectPaths.ts';
import { BUNDLED_MODEL_PATH } from '../inference/bundledModel.ts';
import type { ProjectTaskRunner } from '../workers/projectTasks.ts';
import { inProcessTasks } from '../workers/projectTasks.ts';
import { WorkerTasks } from '../workers/workerTasks.ts';
import { projectCacheDir } from './mapCache.ts';
import { annotationMethods } from './annotationService.ts';
import { projectDetectSetup, type ProjectDetectSetup } from './detectSetup.ts';
import { detectionMethods } from './detectionService.ts';
import { evaluationMethods } from './evaluationService.ts';
import { exchangeMethods } from './exchangeService.ts';
import { imageMethods } from './imageService.ts';
import { modelMethods } from './modelService.ts';
import { ProblemFiles } from './problemFiles.ts';
import { reviewSettingsMethods } from './reviewSettingsService.ts';
import { trainingMethods } from './trainingService.ts';

export interface ProjectServiceOptions {
  /** The app's bundled model: detection uses it while the project names no other (default: resources/models). */
  modelPath?: string;
  /** Which COCO files exportCoco/importCoco (and checkpoints importModel) may name (default: the project folder). */
  exchange?: ExchangePolicy;
  /**
   * Where COCO import, export and evaluation run: by default a worker thread with its own connection (`WorkerTasks`),
   * so the thread that serves the API (Electron's main process, the web server) never stalls on them; an in-memory
   * database runs them in this thread. The service closes it at shutdown.
   */
  tasks?: ProjectTaskRunner;
  /** Files the folder scan could not read (listProblems reports them). */
  unreadable?: { relPath: string; reason: string }[];
  /** The Python a checkpoint import runs (default SIMPLEPOSE_PYTHON or /usr/bin/python3). */
  python?: string;
  /** The folder holding `training/` (the exporter); default: this checkout. */
  trainingRoot?: string;
}

/** The service plus the binary media every transport serves beside the JSON API. */
export type ProjectService = PoseApi & {
  events: EventEmitter;
  /** The real path of an image's file, refused (403) when it leads outside the project folder. */
  imagePath(imageId: number): string;
  thumbnail(imageId: number): Promise<Buffer>;
  /** Float16 .npy of the overlay maps (see imageMapsNpy); a 404 ApiError when none are cached. */
  maps(imageId: number): Promise<Uint8Array>;
  /** Cancels every running job (their inference workers are killed), waits for them and for running tasks. */
  shutdown(): Promise<void>;
};

/** A background job of the service (a detection, a checkpoint import): cancelJob and shutdown reach it here. */
export interface ServiceJob {
  controller: AbortController;
  finished: Promise<unknown>;
}

/** What each concern of the service works with. */
export interface ServiceContext {
  db: ProjectDb;
  root: string;
  files: ProjectFiles;
  cacheDir: string;
  exchange: ExchangePolicy;
  events: EventEmitter;
  options: ProjectServiceOptions;
  tasks: ProjectTaskRunner;
  /** The project's detection setup: the model in use, its settings, the run the app shows. */
  setup: ProjectDetectSetup;
  /** Files the app could not use (the scan's unreadable ones, failed detections). */
  problems: ProblemFiles;
  jobs: Map<string, ServiceJob>;
}

/**
 * The project's API (the contract's PoseApi) over its database and folder, for every transport, one concern per
 * module: images (imageService), annotations (annotationService), detection jobs (detectionService), models and
 * detection settings (modelService), review settings (reviewSettingsService), COCO exchange (exchangeService) and
 * evaluation (evaluationService). Long jobs run in the background and report through `events` (jobProgress,
 * imageDetected, jobFinished, modelImport, annotationChanged).
 */
export function createProjectService(db: ProjectDb, root: string, options: ProjectServiceOptions = {}): ProjectService {
  const onDisk = db.name !== ':memory:' && db.name !== '';
  const c: ServiceContext = {
    db,
    root,
    files: new ProjectFiles(root),
    cacheDir: projectCacheDir(root),
    exchange: options.exchange ?? { kind: 'folder', dir: root },
    events: new EventEmitter(),
    options,
    tasks: options.tasks ?? (onDisk ? new WorkerTasks(db.name) : inProcessTasks(db)),
    setup: projectDetectSetup(db, root, path.resolve(options.modelPath ?? BUNDLED_MODEL_PATH)),
    problems: new ProblemFiles(options.unreadable ?? []),
    jobs: new Map(),
  };
  return {
    events: c.events,
    ...imageMethods(c),
    ...annotationMethods(c),
    ...detectionMethods(c),
    ...modelMethods(c),
    ...reviewSettingsMethods(c),
    ...exchangeMethods(c),
    ...evaluationMethods(c),
    ...trainingMethods(c),
    async shutdown() {
      for (const job of c.jobs.values()) job.controller.abort();
      await Promise.all([...c.jobs.values()].map((j) => j.finished));
      await c.tasks.close();
    },
  };
}
