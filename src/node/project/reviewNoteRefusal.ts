import { ApiError } from '../../contract/apiErrors.ts';
import type { CocoImage } from '../../core/coco/cocoTypes.ts';
import type { AnnotationState } from '../../core/edit/poseRecords.ts';
import type { ImageRecord } from '../db/imageRepository.ts';
import { imageExportProblems } from './cocoImportPersons.ts';

/** The statuses that decide an image (a review outcome, or skipped): they end an image's wait for a look. */
export const isDecision = (status: string): boolean => status !== 'unreviewed' && status !== 'in_progress';

/**
 * The rule of both stores for a decision on an image with a review note (its file changed to one of another size
 * since it was annotated, resizedImage.ts): refused (422, naming the first person that does not fit and why) while
 * its stored annotation does not fit the picture it has now; null when it fits (the caller then clears the note).
 * `categories`: the project's (datasetFieldsOf), which the export checks category ids against.
 */
export function reviewNoteRefusal(
  row: Pick<ImageRecord, 'relPath' | 'width' | 'height' | 'cocoJson' | 'reviewNote'>,
  state: AnnotationState | undefined,
  categories: unknown[],
): ApiError | null {
  if (!row.reviewNote) return null;
  const record = row.cocoJson
    ? (JSON.parse(row.cocoJson) as CocoImage)
    : { id: 1, file_name: row.relPath, width: row.width, height: row.height };
  const problems = state ? imageExportProblems(record, state, categories) : [];
  if (!problems.length) return null;
  return new ApiError(
    'unprocessable',
    `${row.relPath}: ${row.reviewNote}. Its annotation still does not fit the ${row.width}×${row.height} picture (${problems[0].path}: ${problems[0].message}); fix or delete those persons first`,
  );
}
