import type { RecordDiff } from '../../core/edit/recordDiff.ts';
import { annotationStore } from './annotationStore.ts';
import { requireImage } from './imageService.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/**
 * The service's annotations: read, edit, undo and redo through the store; every saved change is announced
 * (`annotationChanged`) to the other windows. Every edit names the revision it was made on; a stale one is re-based
 * or refused with 409 and the current annotation (AnnotationStore.apply). Refusals are ApiErrors with their code.
 */
export function annotationMethods(
  c: ServiceContext,
): Pick<ProjectService, 'getAnnotation' | 'applyEdit' | 'undo' | 'redo'> {
  const store = annotationStore(c.db);
  const changed = (imageId: number, revision: number) => c.events.emit('annotationChanged', { imageId, revision });
  return {
    async getAnnotation({ imageId }) {
      requireImage(c.db, imageId);
      return store.view(imageId);
    },
    async applyEdit({ imageId, diff, label, group, revision }) {
      requireImage(c.db, imageId);
      const { saved, ...r } = store.apply(imageId, diff as RecordDiff, label, { group, baseRevision: revision });
      if (saved) changed(imageId, r.revision);
      return r;
    },
    async undo({ imageId, revision }) {
      requireImage(c.db, imageId);
      const r = store.undo(imageId, { baseRevision: revision });
      if (r) changed(imageId, r.revision);
      return r;
    },
    async redo({ imageId, revision }) {
      requireImage(c.db, imageId);
      const r = store.redo(imageId, { baseRevision: revision });
      if (r) changed(imageId, r.revision);
      return r;
    },
  };
}
