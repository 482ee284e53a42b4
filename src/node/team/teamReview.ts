import { ApiError } from '../../contract/apiErrors.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { parseNpy } from '../../core/tensor/parseNpy.ts';
import { chosenRun } from '../project/chooseRun.ts';
import { hardnessQueue, uncertaintyQueue } from '../project/reviewQueue.ts';
import { checkedThreshold, reviewSettingsOf } from '../project/reviewSettingsService.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore } from './teamAnnotationStore.ts';
import { notifyTeam } from './teamEvents.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { mapsFit, teamMapRepository } from './teamMapRepository.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';
import { requireAdmin, scopeOf } from './teamRights.ts';
import { teamRunRepository } from './teamRunRepository.ts';
import { teamReadTransaction, teamWriteTransaction, type TeamClient } from './teamTransaction.ts';
import type { TeamUser } from './teamUserRepository.ts';

/** Where the team project keeps its person score threshold (team_meta, JSON: a number, or null for the default). */
export const REVIEW_THRESHOLD_KEY = 'review_person_score_threshold';

/** The run a team method is about: `runId` (which must exist) or the latest finished run (chooseRun's rule). */
export async function teamRunOf(c: TeamClient, runId: number | undefined, none: () => ApiError): Promise<number> {
  const exists = runId !== undefined && (await teamRunRepository.get(c, runId)) !== undefined;
  return chosenRun(runId, exists, await teamRunRepository.latestFinished(c), none);
}

async function storedThreshold(c: TeamClient): Promise<number | null> {
  const v = (await teamMetaRepository.all(c)).get(REVIEW_THRESHOLD_KEY);
  return v === undefined ? null : (JSON.parse(v) as number | null);
}

/**
 * The review methods of a team project, with the local project's semantics: the review settings (one per project,
 * kept in the team database; a change is an admin's and reaches every open client as an event), the review queue
 * (the local ordering, on the images this user sees), and the files detection failed on (that this user sees).
 */
export function teamReviewMethods(
  team: TeamDb,
  user: TeamUser,
): Pick<PoseApi, 'getReviewSettings' | 'setReviewSettings' | 'reviewQueue' | 'listProblems'> {
  const { pool } = team;
  return {
    async getReviewSettings() {
      return reviewSettingsOf(await storedThreshold(pool));
    },
    async setReviewSettings({ personScoreThreshold }) {
      requireAdmin(user, "changing the project's review settings");
      const t = checkedThreshold(personScoreThreshold);
      await teamWriteTransaction(pool, 'the score threshold', async (c) => {
        await teamMetaRepository.set(c, REVIEW_THRESHOLD_KEY, JSON.stringify(t));
        await notifyTeam(c, { kind: 'reviewSettings', personScoreThreshold: t });
      });
      return reviewSettingsOf(t);
    },
    async reviewQueue({ by, runId, status }) {
      const { run, images, predicted, states } = await teamReadTransaction(pool, async (c) => {
        const run = await teamRunOf(c, runId, () => new ApiError('bad_request', 'no finished inference run yet'));
        const images = (await teamImageRepository.visible(c, scopeOf(user), status ?? 'unreviewed')).filter(
          (im) => !im.missing,
        );
        const hashes = new Map(images.map((im) => [im.id, im.contentHash]));
        const predicted = by === 'uncertainty' ? await teamRunRepository.predictionsOf(c, run, hashes) : new Map();
        const states = by === 'hardness' ? await teamAnnotationStore.all(c) : new Map();
        return { run, images, predicted, states };
      });
      if (by === 'uncertainty') return { images: uncertaintyQueue(images, predicted) };
      // the maps the workers stored (team_maps: the overlay pass, what hardness reads) when they are
      // of this run and of the image's present content; none: key −1 (last), as a local image without cached maps
      const scales = (await teamRunRepository.get(pool, run))?.settings.scales ?? [];
      const passes = async (im: (typeof images)[number]): Promise<DecodePass[] | null> => {
        const m = await teamMapRepository.get(pool, im.id);
        if (!m || !mapsFit(m, run, im.contentHash, scales)) return null;
        // the overlay pass: all of a one-pass .npy, the head of a several-pass one (imagePredictions overlayMapsNpy)
        const size = m.shape.reduce((a, b) => a * b, 1);
        const data = parseNpy(m.npy).data.subarray(0, size);
        return [{ multiplier: m.multiplier, maps: { shape: m.shape, data }, flippedMaps: null }];
      };
      return { images: await hardnessQueue(images, (im) => states.get(im.id) ?? null, passes) };
    },
    async listProblems() {
      const { images, failed } = await teamReadTransaction(pool, async (c) => ({
        images: await teamImageRepository.visible(c, scopeOf(user)),
        failed: await teamRunRepository.failures(c),
      }));
      const pathOf = new Map(images.map((im) => [im.id, im.relPath]));
      const files = failed
        .filter((f) => pathOf.has(f.imageId))
        .map((f) => ({
          relPath: pathOf.get(f.imageId)!,
          reason: f.error.slice(0, 10_000),
          stage: 'detection' as const,
        }));
      return { files: files.slice(0, 10_000) };
    },
  };
}
