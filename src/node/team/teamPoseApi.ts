import type PgBoss from 'pg-boss';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { modelFacts } from '../../core/model/modelFacts.ts';
import { DEFAULT_PERSON_SCORE_THRESHOLD } from '../../core/review/personScoreThreshold.ts';
import { ProjectFiles } from '../fs/projectPaths.ts';
import { thumbnail } from '../images/thumbnails.ts';
import { DEFAULT_DETECT_SETTINGS } from '../jobs/detectSettings.ts';
import { projectCacheDir } from '../project/mapCache.ts';
import { readRawCard } from '../project/detectSetup.ts';
import { DEFAULT_QUEUE_TIMINGS } from './detectQueue.ts';
import type { TeamDb } from './openTeamDb.ts';
import { TEAM_NAME_KEY } from './pushProject.ts';
import { cancelTeamRun, startTeamDetection } from './teamDetection.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { teamRunRepository } from './teamRunRepository.ts';
import { teamService } from './teamService.ts';
import type { TeamUser } from './teamUserRepository.ts';

export interface TeamApiOptions {
  /** The shared folder the project's relative image paths resolve in (on the server's machine). */
  imagesRoot: string;
  /** The model a detection started from the app runs (a path every worker can read). */
  modelPath: string;
  /** The queue detection runs go to; null: detection is started with `simplepose team detect` only. */
  boss: PgBoss | null;
}

/** The contract's API plus the media a transport serves, for one user of a team project. */
export type TeamPoseApi = PoseApi & {
  imagePath(imageId: number): Promise<string>;
  thumbnail(imageId: number): Promise<Buffer>;
  maps(imageId: number): Promise<Uint8Array>;
};

const JOB_PREFIX = 'team-run-';
const notYet = (what: string) =>
  new ApiError(
    'bad_request',
    `${what} is not available in a team project yet: use the local project (or the team CLI)`,
  );

/**
 * The same contract as a local project (POSE_API), answered from the team database for `user`: images,
 * annotations, statuses and predictions with the role's rules (teamService), detection started on the team's queue.
 * What the team store does not hold yet (cached maps, evaluation, review queue, imports, model registration) is
 * refused with a message saying so, or answered as empty where the app only reads it (problems, review queue).
 */
export function teamPoseApi(team: TeamDb, user: TeamUser, o: TeamApiOptions): TeamPoseApi {
  const s = teamService(team, user);
  const files = new ProjectFiles(o.imagesRoot);
  const modelInfo = () => ({
    id: null,
    path: o.modelPath,
    name: path.basename(o.modelPath).replace(/\.onnx$/i, ''),
    exists: true,
    bundled: false,
    facts: modelFacts(parseCard(readRawCard(o.modelPath))),
  });
  const latestRun = () => teamRunRepository.latest(team.pool);
  const imageOf = async (imageId: number) => {
    await s.getAnnotation({ imageId }); // visibility
    const image = await teamImageRepository.get(team.pool, imageId);
    if (!image) throw new ApiError('not_found', `no image ${imageId} in this team project`);
    return image;
  };
  const adminOnly = (what: string) => {
    if (user.role !== 'admin')
      throw new ApiError('forbidden', `${what} is for admins: ${user.name} is an ${user.role}`);
  };

  return {
    async projectInfo() {
      const list = await s.listImages({ limit: 1 });
      const counts = await teamImageRepository.counts(team.pool, user.role === 'annotator' ? user.id : null);
      const meta = await teamMetaRepository.all(team.pool);
      const run = await latestRun();
      return {
        root: o.imagesRoot,
        name: meta.get(TEAM_NAME_KEY) ?? 'team project',
        images: list.total,
        counts,
        model: { path: o.modelPath, name: modelInfo().name, exists: true },
        lastRun: run && { id: run.runId, status: run.status, provider: null, predictions: run.done },
      };
    },
    listImages: (r) => s.listImages(r),
    getReviewSettings: async () => ({ personScoreThreshold: DEFAULT_PERSON_SCORE_THRESHOLD, isDefault: true }),
    setReviewSettings: async () => {
      throw notYet('changing the review settings');
    },
    async getPredictions({ imageId }) {
      await imageOf(imageId);
      const p = await teamRunRepository.latestPoses(team.pool, imageId);
      return { runId: p?.runId ?? null, poses: p?.poses ?? [], maps: null };
    },
    getAnnotation: (r) => s.getAnnotation(r),
    saveEdits: (r) => s.saveEdits(r),
    async getEditHistory({ imageId, revision }) {
      const a = await s.getAnnotation({ imageId });
      if (a.revision !== revision)
        throw new ApiError(
          'conflict',
          `the annotation changed since revision ${revision} (now ${a.revision}); reload it`,
          a,
        );
      return { entries: [] };
    },
    setStatus: (r) => s.setStatus(r),
    async startDetect(r) {
      adminOnly('starting detection');
      if (!o.boss) throw notYet('starting detection from the app (no queue on this server)');
      if (r.modelPath !== undefined) throw notYet('choosing another model from the app');
      const runId = await startTeamDetection(team, o.boss, {
        modelPath: o.modelPath,
        settings: r.settings ?? DEFAULT_DETECT_SETTINGS,
        batchSize: 8,
        timings: DEFAULT_QUEUE_TIMINGS,
      });
      return { jobId: `${JOB_PREFIX}${runId}` };
    },
    async cancelJob({ jobId }) {
      adminOnly('cancelling detection');
      const digits = jobId.startsWith(JOB_PREFIX) ? jobId.slice(JOB_PREFIX.length) : '';
      const id = /^[1-9][0-9]{0,14}$/.test(digits) ? Number(digits) : Number.NaN; // a run id startDetect gave
      if (!Number.isSafeInteger(id)) throw new ApiError('not_found', `no job ${jobId}`);
      return { ok: await cancelTeamRun(team, id) };
    },
    exportCoco: async () => {
      throw notYet('exporting from the app (use simplepose team export)');
    },
    importCoco: async () => {
      throw notYet('importing COCO');
    },
    reviewQueue: async () => ({ images: [] }),
    evaluate: async () => {
      throw notYet('evaluation');
    },
    async getDetectSetup() {
      const run = await latestRun();
      return {
        settings: DEFAULT_DETECT_SETTINGS,
        model: modelInfo(),
        models: [modelInfo()],
        currentRunId: run?.runId ?? null,
        toDetect: 0,
        photos: true,
        python: '/usr/bin/python3',
      };
    },
    setDetectSetup: async () => {
      throw notYet('changing the detection setup');
    },
    importModel: async () => {
      throw notYet('importing a checkpoint');
    },
    listProblems: async () => ({ files: [] }),
    /** Checked only: who has an image open is held by the team server (its streams), which answers this itself. */
    async editingImage({ imageId }) {
      await s.editing(imageId);
      return { editors: [] };
    },
    startTrain: async () => {
      throw notYet('training (train from a local project: simplepose train)');
    },
    listTrainings: async () => ({ trainings: [], runningJobId: null }),
    compareModels: async () => {
      throw notYet('comparing models');
    },
    compareRuns: async () => {
      throw notYet('comparing runs');
    },
    async imagePath(imageId) {
      return files.resolve((await imageOf(imageId)).relPath);
    },
    async thumbnail(imageId) {
      const image = await imageOf(imageId);
      return thumbnail(
        files.resolve(image.relPath),
        image.contentHash,
        path.join(projectCacheDir(o.imagesRoot), 'thumbs'),
      );
    },
    maps: async () => {
      throw new ApiError('not_found', 'no cached maps in a team project yet');
    },
  };
}

function parseCard(raw: string | null): unknown {
  try {
    return raw === null ? null : JSON.parse(raw);
  } catch {
    return null;
  }
}
