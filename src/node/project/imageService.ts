import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProjectDb } from '../db/openProjectDb.ts';
import { imageRepository } from '../db/imageRepository.ts';
import { runRepository } from '../db/runRepository.ts';
import { readTransaction, writeTransaction } from '../db/writeTransaction.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { thumbnail } from '../images/thumbnails.ts';
import { imageMapsNpy, imagePredictions } from './imagePredictions.ts';
import { reviewQueue } from './reviewQueue.ts';
import { chooseRun } from './chooseRun.ts';
import { annotationStore } from './annotationStore.ts';
import { isDecision, reviewNoteRefusal } from './reviewNoteRefusal.ts';
import { datasetFields } from './cocoExchange.ts';
import { changedImageFiles } from './changedImageFiles.ts';
import type { ProjectService, ServiceContext } from './projectService.ts';

/** Refuses an image id the project does not have (404). */
export function requireImage(db: ProjectDb, imageId: number): void {
  if (!imageRepository(db).exists(imageId)) throw new ApiError('not_found', `no image ${imageId} in this project`);
}

/** Clears an image's review note (refitAnnotation) when its persons fit its picture; refuses (422) when not. */
function settleReviewNote(db: ProjectDb, imageId: number): void {
  const row = imageRepository(db).get(imageId);
  if (!row?.reviewNote) return;
  const refusal = reviewNoteRefusal(row, annotationStore(db).stored(imageId), datasetFields(db, false).categories);
  if (refusal) throw refusal;
  imageRepository(db).setReviewNote(imageId, null);
}

/**
 * Refuses (422) a decision that makes an image ground truth while its picture is not the one the project read:
 * its file gone (the scan marked it missing) or changed on disk since (changedImageFiles) — the reviewer saw
 * another picture, or none. Rejecting and skipping are never refused: they establish nothing.
 */
function requirePictureAsRead(db: ProjectDb, root: string, imageId: number): void {
  const row = imageRepository(db).get(imageId)!;
  const why = row.missing
    ? 'its file is missing from the project folder: restore it (then open the project again), or reject or skip the image'
    : changedImageFiles(root, [row]).get(imageId);
  if (why) throw new ApiError('unprocessable', `${row.relPath}: ${why}`);
}

/**
 * The service's images: the project summary, the list, review statuses, media, the model's view of an image (from the
 * run of the project's model and settings when it has the image) and the files the app could not use.
 */
export function imageMethods(
  c: ServiceContext,
): Pick<
  ProjectService,
  | 'projectInfo'
  | 'listImages'
  | 'setStatus'
  | 'getPredictions'
  | 'reviewQueue'
  | 'listProblems'
  | 'editingImage'
  | 'imagePath'
  | 'thumbnail'
  | 'maps'
> {
  const images = imageRepository(c.db);
  const imageRow = (imageId: number) => {
    const image = images.get(imageId);
    if (!image) throw new ApiError('not_found', `no image ${imageId} in this project`);
    return image;
  };
  return {
    async projectInfo() {
      const counts = images.statusCounts();
      const run = runRepository(c.db).latest();
      const modelPath = c.setup.resolve().modelPath; // the project's model in use (Settings), else the bundled one
      return {
        root: c.root,
        name: path.basename(c.root),
        images: Object.values(counts).reduce((a, b) => a + b, 0),
        counts,
        model: {
          path: modelPath,
          name: path.basename(modelPath).replace(/\.onnx$/, ''),
          exists: existsSync(modelPath),
        },
        lastRun: run ?? null,
      };
    },
    // `positionOf`: where that image is in the filtered list (the app resumes at the image it left, whatever the
    // filter), read in the same snapshot as the page.
    async listImages({ positionOf, ...filter }) {
      return readTransaction(c.db, () => ({
        ...images.list(filter),
        ...(positionOf === undefined ? {} : { position: images.position(filter, positionOf) }),
      }));
    },
    // `ifStatus`: change only from that status (one statement, so a concurrent review is never overwritten).
    async setStatus({ imageId, status, ifStatus }) {
      requireImage(c.db, imageId);
      if (status === 'accepted' || status === 'no_person') requirePictureAsRead(c.db, c.root, imageId);
      const now = writeTransaction(c.db, 'the review status', () => {
        // A decision on an image that waited for a look (its file changed size) ends the wait — once its persons
        // fit the picture it now has; before that it could not export.
        if (isDecision(status)) settleReviewNote(c.db, imageId);
        return images.setStatus(imageId, status, ifStatus);
      });
      return { ok: true as const, status: now ?? status };
    },
    async getPredictions({ imageId }) {
      requireImage(c.db, imageId);
      return imagePredictions(c.db, c.cacheDir, imageId, c.setup.currentRun());
    },
    async maps(imageId) {
      requireImage(c.db, imageId);
      const npy = await imageMapsNpy(c.db, c.cacheDir, imageId, c.setup.currentRun());
      if (!npy) throw new ApiError('not_found', `no cached maps for image ${imageId}: run detection on it first`);
      return npy;
    },
    async reviewQueue({ by, runId, status }) {
      // by default the run the app shows (the model in use, e.g. a retrained one, once its run is finished)
      const current = c.setup.currentRun();
      const shown = current !== null && runRepository(c.db).get(current)?.status === 'done' ? current : undefined;
      const run = chooseRun(c.db, runId ?? shown, () => new ApiError('bad_request', 'no finished inference run yet'));
      return { images: await reviewQueue(c.db, run, by, c.cacheDir, status ?? 'unreviewed') };
    },
    async listProblems() {
      return { files: c.problems.list() };
    },
    /** Nobody else can have an image of a local project open (other windows of this app are the same person). */
    async editingImage({ imageId }) {
      if (imageId !== null) imageRow(imageId);
      return { editors: [] };
    },
    imagePath(imageId) {
      return c.files.resolve(imageRow(imageId).relPath);
    },
    async thumbnail(imageId) {
      const image = imageRow(imageId);
      return thumbnail(c.files.resolve(image.relPath), image.contentHash, path.join(c.cacheDir, 'thumbs'));
    },
  };
}
