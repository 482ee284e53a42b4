import type { Pose } from '../../core/codec/assign/toPoses.ts';
import type { CocoKeypointResult } from '../../core/coco/cocoTypes.ts';
import type { ImageRecord } from '../db/imageRepository.ts';
import { cocoImageIds, type ExportOptions, inExportScope } from './cocoExport.ts';

/**
 * A run's predictions (image id → poses) as a COCO results file, whatever store holds them: `all` every image of
 * the project in project order (it numbers the image ids as the GT export does), written for the images of
 * ExportOptions. Scores are the decoder's own (the person score 1 − 1/total), never rescaled.
 */
export function buildCocoResults(
  all: ImageRecord[],
  predicted: ReadonlyMap<number, Pose[]>,
  o: ExportOptions,
): CocoKeypointResult[] {
  const ids = cocoImageIds(all);
  return (
    all
      // the images the GT export of these options writes: never one it leaves out for a look (its review note)
      .filter((im) => im.reviewNote === null && inExportScope(im, o))
      .flatMap((im) =>
        (predicted.get(im.id) ?? []).map((pose) => ({
          image_id: ids.get(im.id)!,
          category_id: 1,
          score: pose.score,
          keypoints: pose.joints.flatMap((j) => (j ? [j.x, j.y, 1] : [0, 0, 0])),
        })),
      )
  );
}
