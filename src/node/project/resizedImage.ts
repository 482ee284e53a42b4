import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import type { ImageSize } from '../../core/edit/diffChecks.ts';
import { resizeScale, scaledAnnotationDiff } from '../../core/edit/scaleAnnotation.ts';
import { annotationStore } from './annotationStore.ts';

/** What a scan did with the annotation of an image whose file now has another size. */
export type Refit =
  | { kind: 'rescaled'; relPath: string; from: ImageSize; to: ImageSize }
  | { kind: 'needsReview'; relPath: string; reason: string };

const size = (s: ImageSize) => `${s.width}×${s.height}`;

/**
 * The scan's rule for an annotated image whose file was replaced by one of another size (call it in the scan's
 * transaction, after the row has the new size). A resized copy (resizeScale) gets its annotation scaled as one
 * undoable edit; any other picture keeps its annotation as it is, gets a review note saying why, and an accepted
 * image goes back to in_progress: the export leaves it out (naming it) until someone has looked. Null: nothing to
 * do (no persons).
 */
export function refitAnnotation(
  db: ProjectDb,
  imageId: number,
  relPath: string,
  from: ImageSize,
  to: ImageSize,
): Refit | null {
  const images = imageRepository(db);
  const store = annotationStore(db);
  const row = images.get(imageId);
  if (row?.cocoJson) {
    // an imported record describes the file: its size is the file's (the export writes this record)
    const record = { ...JSON.parse(row.cocoJson), width: to.width, height: to.height };
    images.setCocoRecord(imageId, JSON.stringify(record), row.sortKey ?? 0);
  }
  const state = store.stored(imageId);
  if (!state || state.order.length === 0) {
    images.setReviewNote(imageId, null);
    return null;
  }
  const scale = resizeScale(from, to);
  const diff = scale && scaledAnnotationDiff(state, scale);
  if (diff) {
    store.apply(imageId, diff, `fit to the resized file (${size(from)} → ${size(to)})`, { imported: true });
    images.setReviewNote(imageId, null);
    return {
      kind: 'rescaled',
      relPath,
      from: { width: from.width, height: from.height },
      to: { width: to.width, height: to.height },
    };
  }
  const reason = scale
    ? `the file was resized from ${size(from)} to ${size(to)}, and a person's mask cannot be scaled: check the annotation`
    : `the file changed from ${size(from)} to ${size(to)} (another aspect ratio: another picture or a crop); its annotation was made for the old one: check it, fix or delete persons, then set its status`;
  images.setReviewNote(imageId, reason);
  images.setStatus(imageId, 'in_progress', 'accepted');
  return { kind: 'needsReview', relPath, reason };
}
