import { ApiError } from '../../contract/apiErrors.ts';
import { ImageStatus as ImageStatusSchema } from '../../contract/apiPayloads.ts';
import type { PoseRequest, PoseResponse } from '../../contract/poseApi.ts';
import { EMPTY_HISTORY } from '../../core/edit/editHistory.ts';
import type { ImageStatus } from '../db/imageRepository.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamAnnotationStore, type TeamEditRecord } from './teamAnnotationStore.ts';
import { notifyTeam } from './teamEvents.ts';
import { teamImageRepository, type TeamImageRecord } from './teamImageRepository.ts';
import type { TeamClient } from './teamTransaction.ts';
import { teamWriteTransaction } from './teamTransaction.ts';
import type { TeamUser } from './teamUserRepository.ts';

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
      const a = await teamAnnotationStore.load(pool, imageId);
      // The team history is who-changed-what (editHistory); undo is the editor's own, saved as a new edit.
      return { state: a.state, revision: a.revision, history: EMPTY_HISTORY };
    },

    /**
     * Saves `do` steps made on `revision`, one revision each, in one transaction (the image's row locked first).
     * An undo or redo of the stored history is not a team operation: the editor sends the inverse as a new edit.
     */
    async saveEdits(r: PoseRequest<'saveEdits'>): Promise<PoseResponse<'saveEdits'>> {
      const out = await teamWriteTransaction(pool, 'the edit', async (c) => {
        const image = await visible(c, r.imageId, true);
        let revision = r.revision;
        for (const st of r.steps) {
          if (st.kind !== 'do')
            throw new ApiError('unprocessable', `a team project saves undo and redo as new edits, not as "${st.kind}"`);
          const saved = await teamAnnotationStore.save(c, {
            imageId: r.imageId,
            revision,
            diff: st.diff,
            label: st.label,
            userId: user.id,
            now: Date.now(),
          });
          revision = saved.revision;
        }
        // as the local project: an edited image is being worked on
        if (image.status === 'unreviewed') await teamImageRepository.setStatus(c, r.imageId, 'in_progress');
        await notifyTeam(c, { kind: 'annotation', imageId: r.imageId, revision, userId: user.id, userName: user.name });
        const { state } = await teamAnnotationStore.load(c, r.imageId);
        return { state, revision };
      });
      // `current` always: the team history is not the editor's (cursor and length say nothing it could check), so
      // the editor takes the saved state as it is, other people's changes included, without asking again.
      return { revision: out.revision, cursor: 0, length: 0, current: { ...out, history: EMPTY_HISTORY } };
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
