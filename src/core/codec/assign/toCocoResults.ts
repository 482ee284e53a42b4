import type { Peak } from './peak.ts';
import type { PersonRow } from './assemblePersons.ts';
import { COCO_TO_IMHN } from '../../skeleton/poseMeta.ts';

import type { CocoKeypointResult } from '../../coco/cocoTypes.ts';

/** A COCO keypoints results record (image space pixels; 17 COCO keypoints as [x, y, v] triplets). */
export type CocoResult = CocoKeypointResult;

/**
 * evaluate.py's conversion (IMHN-REFERENCE §4.5): candidate xy per keypoint ((0, 0) when absent), reordered into
 * COCO order, v = 1 when x > 0 or y > 0, score = 1 − 1/total. No pixel offset is applied.
 */
export function toCocoResults(imageId: number, persons: PersonRow[], candidates: Peak[]): CocoResult[] {
  return persons.map((p) => {
    const keypoints: number[] = [];
    for (const imhn of COCO_TO_IMHN) {
      const id = p.ids[imhn];
      const x = id >= 0 ? candidates[id].x : 0;
      const y = id >= 0 ? candidates[id].y : 0;
      keypoints.push(x, y, x > 0 || y > 0 ? 1 : 0);
    }
    return { image_id: imageId, category_id: 1, keypoints, score: 1 - 1 / p.total };
  });
}
