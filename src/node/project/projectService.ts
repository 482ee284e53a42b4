import { EventEmitter } from 'node:events';
import type { ProjectDb } from '../db/openProjectDb.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { ProjectFiles, type ExchangePolicy } from '../fs/projectPaths.ts';
import type { ProjectTaskRunner } from '../workers/projectTasks.ts';
import { inProcessTasks } from '../workers/projectTasks.ts';
import { WorkerTasks } from '../workers/workerTasks.ts';
import { projectCacheDir } from './mapCache.ts';
import { annotationMethods } from './annotationService.ts';
import { detectionMethods } from './detectionService.ts';
import { evaluationMethods } from './evaluationService.ts';
import { exchangeMethods } from './exchangeService.ts';
import { imageMethods } from './imageService.ts';
import { reviewSettingsMethods } from './reviewSettingsService.ts';

export interface ProjectServiceOptions {
  /** The model detection uses by default (projectInfo reports it; the bundled model in the app). */
  modelPath?: string;
  /** Which COCO files exportCoco/importCoco may name (default: files inside the project folder). */
  exchange?: ExchangePolicy;
  /**
   * Where COCO import, export and evaluation run: by default a worker thread with its own connection (`WorkerTasks`),
   * so the thread that serves the API (Electron's main process, the web server) never stalls on them; an in-memory
   * database runs them in this thread. The service closes it at shutdown.
   */
  tasks?: ProjectTaskRunner;
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
}

/**
 * The project's API (the contract's PoseApi) over its database and folder, for every transport, one concern per
 * module: images (imageService), annotations (annotationService), detection jobs (detectionService), COCO exchange
 * (exchangeService) and evaluation (evaluationService). Long jobs run in the background and report through
 * `events` (jobProgress, jobFinished, annotationChanged).
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
  };
  const { stopAll, ...detection } = detectionMethods(c);
  return {
    events: c.events,
    ...imageMethods(c),
    ...annotationMethods(c),
    ...reviewSettingsMethods(c),
    ...detection,
    ...exchangeMethods(c),
    ...evaluationMethods(c),
    async shutdown() {
      await stopAll();
      await c.tasks.close();
    },
  };
}
