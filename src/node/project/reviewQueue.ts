import type { ProjectDb } from '../db/openProjectDb.ts';
import type { Pose } from '../../core/codec/assign/toPoses.ts';
import { isLabelled, type AnnotationState } from '../../core/edit/poseRecords.ts';
import { imageHardness } from '../../core/eval/imageHardness.ts';
import type { DecodePass } from '../../core/codec/decodeCase.ts';
import { MapCache, mapCacheKey, runMapSettings } from './mapCache.ts';
import { imageRepository, type ImageRecord, type ImageStatus } from '../db/imageRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import { annotationStore } from './annotationStore.ts';
import { ApiError } from '../../contract/apiErrors.ts';

export interface QueueEntry {
  imageId: number;
  key: number;
}

/** An image of the queue: the facts the ordering reads (either store's rows). */
export type QueueImage = Pick<ImageRecord, 'id' | 'width' | 'height' | 'contentHash'>;

/**
 * The order in which to review a run's images (PRODUCT.md: review queue by model uncertainty and focal-L2
 * hardness), most in need first:
 * - 'uncertainty': the lowest joint score over the image's predicted persons (no person found = 0);
 * - 'hardness': focal L2 of the cached maps against the image's current annotation (the corrected poses),
 *   highest first; images without cached maps or annotation come last.
 */
export async function reviewQueue(
  db: ProjectDb,
  runId: number,
  by: 'uncertainty' | 'hardness',
  cacheDir: string,
  status: ImageStatus = 'unreviewed',
): Promise<QueueEntry[]> {
  const images = imageRepository(db).withStatus(status);
  if (by === 'uncertainty') return uncertaintyQueue(images, runRepository(db).predictionsOf(runId));
  const run = runMapSettings(db, runId);
  if (!run) throw new ApiError('not_found', `no run ${runId} in this project`);
  const cache = new MapCache(db, cacheDir);
  const store = annotationStore(db);
  return hardnessQueue(
    images,
    (im) => store.stored(im.id) ?? null,
    // the maps the decoder read (a single pass flip-averaged, several combined), as a one-pass input without flip
    async (im) => {
      const pass = await cache.overlay(mapCacheKey(im.contentHash, run), im);
      return pass && [{ ...pass, flippedMaps: null }];
    },
  );
}

/** The uncertainty order (reviewQueue) of `images` given a run's predictions (image id → poses): a pure step. */
export function uncertaintyQueue(images: QueueImage[], predicted: ReadonlyMap<number, Pose[]>): QueueEntry[] {
  return images
    .map((im) => {
      const scores = (predicted.get(im.id) ?? []).flatMap((p) =>
        p.joints.filter((j) => j !== null).map((j) => j.score),
      );
      return { imageId: im.id, key: scores.length ? Math.min(...scores) : 0 };
    })
    .sort((a, b) => a.key - b.key || a.imageId - b.imageId);
}

/**
 * The hardness order (reviewQueue) of `images`, whatever store holds them: `annotation` the image's stored
 * annotation (null: none), `maps` the run's cached passes of it (null: none cached; key −1, last).
 */
export async function hardnessQueue<I extends QueueImage>(
  images: I[],
  annotation: (im: I) => AnnotationState | null,
  maps: (im: I) => Promise<DecodePass[] | null>,
): Promise<QueueEntry[]> {
  const out: QueueEntry[] = [];
  for (const im of images) {
    const a = annotation(im);
    const passes = a ? await maps(im) : null;
    if (!passes || !a) {
      out.push({ imageId: im.id, key: -1 });
      continue;
    }
    const persons = a.order
      .map((id) => a.persons[id])
      .filter((p) => !p.crowd)
      .map((p) => p.joints.map((j) => (isLabelled(j) ? { x: j.x, y: j.y } : null))); // v = 0: not labelled
    out.push({ imageId: im.id, key: imageHardness(im.width, im.height, passes, persons) });
  }
  return out.sort((a, b) => b.key - a.key || a.imageId - b.imageId);
}
