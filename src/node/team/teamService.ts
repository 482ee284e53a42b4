import { ApiError } from '../../contract/apiErrors.ts';
import { ImageStatus as ImageStatusSchema } from '../../contract/apiPayloads.ts';
import type { PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import { EDIT_HISTORY_READ_MAX } from '../../contract/poseApi.ts';
import type { ImageStatus } from '../db/imageRepository.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore, type TeamEditRecord } from './teamAnnotationStore.ts';
import { notifyTeam } from './teamEvents.ts';
import { saveTeamStep, teamAnnotationView, teamHistoryWindow } from './teamUndo.ts';
import { teamImageRepository, type TeamImageRecord } from './teamImageRepository.ts';
import type { TeamClient } from './teamTransaction.ts';
import { teamWriteTransaction } from './teamTransaction.ts';
import type { TeamUser } from './teamUserRepository.ts';
import { datasetFieldsOf } from '../project/cocoExport.ts';
import { isDecision, reviewNoteRefusal } from '../project/reviewNoteRefusal.ts';
import { teamDatasetMeta } from './teamExport.ts';
import { teamMetaRepository } from './teamMetaRepository.ts';

/** Review outcomes: the reviewers' (and admins') to set, and not an annotator's to undo. */
const REVIEWED: readonly ImageStatus[] = ['accepted', 'rejected', 'no_person'];
/**
 * The statuses each role may set. Annotators work on their images (in progress, skipped, back to unreviewed);
 * the review outcomes are the reviewers'. A reviewer sends an image back by setting it in progress again.
 */
export const STATUSES_OF_ROLE: Record<TeamUser['role'], readonly ImageStatus[]> = {
  admin: ImageStatusSchema.options,
  reviewer: ImageStatusSchema.options,
  annotator: ImageStatusSchema.options.filter((s) => !REVIEWED.includes(s)),
};

/**
 * The team project as one user sees it: the contract's methods for images, annotations and statuses with the
 * role's rules (an annotator sees and edits only the images assigned to them; review outcomes are the reviewers'),
 * every edit recorded with who and when, and revision-checked saves (a stale edit re-based or refused as the
 * local project does).
 */
export function teamService(team: TeamDb, user: TeamUser) {
  const { pool } = team;
  const scope = user.role === 'annotator' ? user.id : null;

  /** The image if this user may see it: an annotator's other images are refused, by name. */
  async function visible(c: TeamClient, imageId: number, forUpdate = false): Promise<TeamImageRecord> {
    const image = await teamImageRepository.get(c, imageId, forUpdate);
    if (!image) throw new ApiError('not_found', `no image ${imageId} in this team project`);
    if (scope !== null && !(await teamImageRepository.isAssigned(c, imageId, user.id)))
      throw new ApiError(
        'forbidden',
        `image ${imageId} is not assigned to ${user.name}: annotators see only their own images`,
      );
    return image;
  }

  return {
    user,

    async listImages(r: PoseRequest<'listImages'>): Promise<PoseResponse<'listImages'>> {
      return teamImageRepository.page(pool, {
        assignedTo: scope,
        status: r.status,
        minScore: r.minScore,
        maxScore: r.maxScore,
        ids: r.ids,
        positionOf: r.positionOf,
        offset: r.offset ?? 0,
        limit: Math.min(r.limit ?? 200, 2000),
      });
    },

    async getAnnotation({ imageId }: PoseRequest<'getAnnotation'>): Promise<PoseResponse<'getAnnotation'>> {
      await visible(pool, imageId);
      // The history is this user's own: their edits of the image, undone and redone as new edits (teamUndo.ts).
      return teamAnnotationView(pool, imageId, user.id);
    },

    /** Entries `from`..`to` of this user's history at `revision` (409 with the current annotation if stale). */
    async getEditHistory(r: PoseRequest<'getEditHistory'>): Promise<PoseResponse<'getEditHistory'>> {
      await visible(pool, r.imageId);
      const a = await teamAnnotationStore.load(pool, r.imageId);
      if (a.revision !== r.revision)
        throw new ApiError(
          'conflict',
          `the annotation changed since revision ${r.revision} (now ${a.revision}); reload it`,
          await teamAnnotationView(pool, r.imageId, user.id),
        );
      const to = Math.min(r.to, r.from + EDIT_HISTORY_READ_MAX - 1);
      const { entries } = await teamHistoryWindow(pool, r.imageId, user.id, a.state, r.from, to);
      return { entries };
    },

    /**
     * Saves the steps made on `revision` in order, one revision each, in one transaction (the image's row locked
     * first): new edits, and undos and redos of this user's own edits (teamUndo.ts).
     */
    async saveEdits(r: PoseRequest<'saveEdits'>): Promise<PoseResponse<'saveEdits'>> {
      const out = await teamWriteTransaction(pool, 'the edit', async (c) => {
        const image = await visible(c, r.imageId, true);
        let revision = r.revision;
        let exact = true;
        for (const step of r.steps) {
          const saved = await saveTeamStep(c, { imageId: r.imageId, userId: user.id, revision, step, now: Date.now() });
          revision = saved.revision;
          exact &&= saved.exact;
        }
        // as the local project: an edited image is being worked on
        if (image.status === 'unreviewed') await teamImageRepository.setStatus(c, r.imageId, 'in_progress');
        await notifyTeam(c, { kind: 'annotation', imageId: r.imageId, revision, userId: user.id, userName: user.name });
        return { exact, view: await teamAnnotationView(c, r.imageId, user.id) };
      });
      // Saved just as the editor made the steps: it replays them on its history (and can take the next undo at
      // once, before this answer). Else `current`: the saved state may hold other people's changes and re-based
      // steps, so the editor takes it (and this user's history as saved) as it is, without asking again.
      const { cursor, length } = out.view.history;
      const answer = { revision: out.view.revision, cursor, length };
      return out.exact ? answer : { ...answer, current: out.view };
    },

    async setStatus(r: PoseRequest<'setStatus'>): Promise<PoseResponse<'setStatus'>> {
      if (!STATUSES_OF_ROLE[user.role].includes(r.status))
        throw new ApiError('forbidden', `"${r.status}" is a reviewer's decision: ${user.name} is an ${user.role}`);
      return teamWriteTransaction(pool, 'the status', async (c) => {
        const image = await visible(c, r.imageId, true);
        if (r.ifStatus !== undefined && image.status !== r.ifStatus) return { ok: true as const, status: image.status };
        if (user.role === 'annotator' && REVIEWED.includes(image.status) && image.status !== r.status)
          throw new ApiError(
            'forbidden',
            `image ${r.imageId} was reviewed (${image.status}): only a reviewer may change that`,
          );
        // as the local project: a decision on an image that waits for a look (its file changed size) ends the
        // wait once its persons fit the picture it now has, and is refused (by the same rule) before that
        if (isDecision(r.status) && image.reviewNote) {
          const { categories } = datasetFieldsOf(teamDatasetMeta(await teamMetaRepository.all(c)), false);
          const refusal = reviewNoteRefusal(image, (await teamAnnotationStore.load(c, r.imageId)).state, categories);
          if (refusal) throw refusal;
          await teamImageRepository.setReviewNote(c, r.imageId, null);
        }
        await teamImageRepository.setStatus(c, r.imageId, r.status);
        return { ok: true as const, status: r.status };
      });
    },

    /** Who changed the image's annotation, what and when (oldest first). */
    async editHistory(imageId: number): Promise<TeamEditRecord[]> {
      await visible(pool, imageId);
      return teamAnnotationStore.edits(pool, imageId);
    },

    /**
     * Checks that this user may have the image open (null: none), refused by name as any access would be; who has
     * which image open is the team server's to hold and announce (server/teamPresence.ts).
     */
    async editing(imageId: number | null): Promise<void> {
      if (imageId !== null) await visible(pool, imageId);
    },
  };
}

export type TeamService = ReturnType<typeof teamService>;
