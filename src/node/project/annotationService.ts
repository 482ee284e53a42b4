import { ApiError } from '../../contract/apiErrors.ts';
import { EDIT_HISTORY_READ_MAX } from '../../contract/poseApi.ts';
import { annotationStore } from './annotationStore.ts';
import { requireImage } from './imageService.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { writeTransaction } from '../db/writeTransaction.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * The service's annotations: the view (state, revision, a window of its history), saves of EditHistory steps and
 * history pages, through the store; every saved change is announced (`annotationChanged`) to the other windows.
 * Every save names the revision its steps were made on; a stale `do` is re-based or refused with 409 and the current
 * annotation (AnnotationStore.save). Refusals are ApiErrors with their code, never a bare 500. Viewing never
 * changes a review status: a saved edit of an "unreviewed" image makes it "in progress", in the save's transaction.
 */
export function annotationMethods(
  c: ServiceContext,
): Pick<ProjectService, 'getAnnotation' | 'saveEdits' | 'getEditHistory'> {
  const store = annotationStore(c.db);
  const images = imageRepository(c.db);
  const changed = (imageId: number, revision: number) => c.events.emit('annotationChanged', { imageId, revision });
  return {
    async getAnnotation({ imageId }) {
      requireImage(c.db, imageId);
      return store.view(imageId);
    },
    async saveEdits({ imageId, revision, steps }) {
      requireImage(c.db, imageId);
      const r = writeTransaction(c.db, 'the edit', () => {
        const saved = store.save(imageId, steps, { baseRevision: revision });
        if (saved.saved) images.setStatus(imageId, 'in_progress', 'unreviewed');
        return saved;
      });
      if (r.saved) changed(imageId, r.revision);
      return {
        revision: r.revision,
        cursor: r.cursor,
        length: r.length,
        ...(r.rebased ? { current: store.view(imageId) } : {}),
      };
    },
    async getEditHistory({ imageId, revision, from, to }) {
      requireImage(c.db, imageId);
      if (to < from || to - from >= EDIT_HISTORY_READ_MAX)
        throw new ApiError(
          'bad_request',
          `entries ${from}..${to}: ask for 1 to ${EDIT_HISTORY_READ_MAX} consecutive entries`,
        );
      return { entries: store.entries(imageId, revision, from, to) };
    },
  };
}
