import type PgBoss from 'pg-boss';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { modelFacts } from '../../core/model/modelFacts.ts';
import { type ExchangePolicy, ProjectFiles } from '../fs/projectPaths.ts';
import { thumbnail } from '../images/thumbnails.ts';
import { projectCacheDir } from '../project/mapCache.ts';
import { readRawCard } from '../project/detectSetup.ts';
import { DEFAULT_QUEUE_TIMINGS } from './detectQueue.ts';
import type { TeamDb } from './openTeamDb.ts';
import { TEAM_NAME_KEY } from './pushProject.ts';
import { cancelTeamRun, startTeamDetection } from './teamDetection.ts';
import {
  imagesLacking,
  modelHasher,
  readTeamDetectSettings,
  runsWithSetup,
  writeTeamDetectSettings,
} from './teamDetectSetup.ts';
import { teamEvaluationMethods } from './teamEvaluation.ts';
import { teamExchangeMethods } from './teamExchange.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { mapsFit, teamMapRepository } from './teamMapRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { teamReviewMethods } from './teamReview.ts';
import { requireAdmin } from './teamRights.ts';
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
  /** Where exports from the app may be written on the server's machine (web mode's rule); default: imagesRoot. */
  exchange?: ExchangePolicy;
}

/** The contract's API plus the media a transport serves, for one user of a team project. */
export type TeamPoseApi = PoseApi & {
  imagePath(imageId: number): Promise<string>;
  thumbnail(imageId: number): Promise<Buffer>;
  maps(imageId: number): Promise<Uint8Array>;
};

const JOB_PREFIX = 'team-run-';
const notYet = (what: string, instead: string) =>
  new ApiError('bad_request', `${what} is not available in a team project: ${instead}`);

/**
 * The same contract as a local project (POSE_API), answered from the team database for `user`: images,
 * annotations, statuses and predictions with the role's rules (teamService), review settings, queue and problems
 * (teamReview), COCO export and import (teamExchange), evaluation and run comparison (teamEvaluation), cached maps
 * written by the workers (teamMapRepository), detection started on the team's queue. What the team store does not
 * do (model registration, training) is refused with a message that names the way to do it.
 */
export function teamPoseApi(team: TeamDb, user: TeamUser, o: TeamApiOptions): TeamPoseApi {
  const s = teamService(team, user);
  const files = new ProjectFiles(o.imagesRoot);
  const modelInfo = () => ({
    id: null,
    path: o.modelPath,
    name: path.basename(o.modelPath).replace(/\.onnx$/i, ''),
    exists: existsSync(o.modelPath),
    bundled: false,
    facts: modelFacts(parseCard(readRawCard(o.modelPath))),
  });
  const latestRun = () => teamRunRepository.latest(team.pool);
  const modelHash = modelHasher(o.modelPath);
  const detectSetup = async () => {
    const settings = await readTeamDetectSettings(team.pool);
    const runs = await runsWithSetup(team.pool, await modelHash(), settings);
    return {
      settings,
      model: modelInfo(),
      models: [modelInfo()],
      currentRunId: runs[0] ?? null,
      toDetect: (await imagesLacking(team.pool, runs)).length,
      photos: true,
      python: '/usr/bin/python3',
    };
  };
  const imageOf = async (imageId: number) => {
    await s.getAnnotation({ imageId }); // visibility
    const image = await teamImageRepository.get(team.pool, imageId);
    if (!image) throw new ApiError('not_found', `no image ${imageId} in this team project`);
    return image;
  };
  /** A run's scales (mapsFit: a several-pass run's maps come with their passes). */
  const scalesOf = async (runId: number) => (await teamRunRepository.get(team.pool, runId))?.settings.scales ?? [];

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
        model: { path: o.modelPath, name: modelInfo().name, exists: existsSync(o.modelPath) },
        lastRun: run && { id: run.runId, status: run.status, provider: null, predictions: run.done },
      };
    },
    listImages: (r) => s.listImages(r),
    ...teamReviewMethods(team, user),
    ...teamEvaluationMethods(team, user),
    ...teamExchangeMethods(team, user, {
      imagesRoot: o.imagesRoot,
      exchange: o.exchange ?? { kind: 'folder', dir: o.imagesRoot },
    }),
    async getPredictions({ imageId }) {
      const image = await imageOf(imageId);
      const p = await teamRunRepository.latestPoses(team.pool, imageId);
      const m = p && (await teamMapRepository.info(team.pool, imageId));
      const fit = m && mapsFit(m, p.runId, image.contentHash, await scalesOf(p.runId));
      const maps =
        m && fit ? { multiplier: m.multiplier, shape: m.shape, ...(m.passes && { passes: m.passes }) } : null;
      return { runId: p?.runId ?? null, poses: p?.poses ?? [], maps };
    },
    getAnnotation: (r) => s.getAnnotation(r),
    saveEdits: (r) => s.saveEdits(r),
    getEditHistory: (r) => s.getEditHistory(r),
    setStatus: (r) => s.setStatus(r),
    async startDetect(r) {
      requireAdmin(user, 'starting detection');
      if (!o.boss)
        throw notYet('starting detection from the app without a queue', 'queue it with `simplepose team detect`');
      if (r.modelPath !== undefined)
        throw notYet('choosing another model from the app', 'start the team server with --model FILE.onnx');
      const settings = r.settings ?? (await readTeamDetectSettings(team.pool));
      // "Run detection" completes what this model and settings lack (nothing lacking: the job is their latest run);
      // "Re-run all" (rerun) detects every image in a new run
      const lacking = r.rerun ? undefined : await runsWithSetup(team.pool, await modelHash(), settings);
      const runId = await startTeamDetection(team, o.boss, {
        modelPath: o.modelPath,
        settings,
        batchSize: 8,
        timings: DEFAULT_QUEUE_TIMINGS,
        lacking,
      });
      return { jobId: `${JOB_PREFIX}${runId}` };
    },
    async cancelJob({ jobId }) {
      requireAdmin(user, 'cancelling detection');
      const digits = jobId.startsWith(JOB_PREFIX) ? jobId.slice(JOB_PREFIX.length) : '';
      const id = /^[1-9][0-9]{0,14}$/.test(digits) ? Number(digits) : Number.NaN; // a run id startDetect gave
      if (!Number.isSafeInteger(id)) throw new ApiError('not_found', `no job ${jobId}`);
      return { ok: await cancelTeamRun(team, id) };
    },
    getDetectSetup: () => detectSetup(),
    async setDetectSetup(r) {
      requireAdmin(user, 'changing the detection settings');
      if (r.modelPath !== undefined || (r.modelId !== undefined && r.modelId !== null))
        throw notYet(
          'choosing another model from the app',
          'start the team server with --model FILE.onnx, or queue a run with `simplepose team detect --model FILE`',
        );
      await writeTeamDetectSettings(team, r.settings);
      return detectSetup();
    },
    importModel: async () => {
      throw notYet(
        'importing a checkpoint',
        'export it to ONNX in a local project (Import checkpoint there) and serve that file with --model',
      );
    },
    /** Checked only: who has an image open is held by the team server (its streams), which answers this itself. */
    async editingImage({ imageId }) {
      await s.editing(imageId);
      return { editors: [] };
    },
    startTrain: async () => {
      throw notYet(
        'training',
        '`simplepose team export` the dataset, then train from a local project (simplepose train)',
      );
    },
    listTrainings: async () => ({ trainings: [], runningJobId: null }),
    compareModels: async () => {
      throw notYet('comparing models', 'compare them in the local project they were trained in');
    },
    listComparisons: async () => ({ comparisons: [], runningJobId: null }),
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
    async maps(imageId) {
      const image = await imageOf(imageId);
      const p = await teamRunRepository.latestPoses(team.pool, imageId);
      const m = p && (await teamMapRepository.get(team.pool, imageId));
      const npy = m && mapsFit(m, p.runId, image.contentHash, await scalesOf(p.runId)) ? m.npy : null;
      if (!npy) throw new ApiError('not_found', `no cached maps for image ${imageId}: run detection on it first`);
      return npy;
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
