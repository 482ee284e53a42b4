import { createHash } from 'node:crypto';
import type { CocoDataset, CocoKeypointResult } from '../../core/coco/cocoTypes.ts';
import { evaluateKeypoints, type CocoStats } from '../../core/eval/cocoEval.ts';
import { PoseEngine } from '../inference/poseEngine.ts';
import type { DetectSettings } from '../jobs/detectSettings.ts';

/** The held-out images a model is scored on: their ground truth (COCO) and where each image file is. */
export interface HeldOutSet {
  gt: CocoDataset;
  /** The real path of a GT image's file (confined to the project by the caller). */
  imagePath: (fileName: string) => string;
}

/** Persons with labelled joints in a held-out set (what AP is measured on). */
export function heldOutPersons(gt: CocoDataset): number {
  return gt.annotations.filter((a) => !a.iscrowd && a.num_keypoints > 0).length;
}

/**
 * The identity of a held-out set: its file names and their ground truth. A score stored under it holds while the
 * reviewed labels of those images stay the same; an edit gives a new key, and the models are scored again.
 */
export function heldOutKey(gt: CocoDataset): string {
  const h = createHash('sha256');
  const byImage = new Map<number, unknown[]>();
  for (const a of gt.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a.keypoints]);
  for (const im of [...gt.images].sort((a, b) => (a.file_name < b.file_name ? -1 : 1)))
    h.update(JSON.stringify([im.file_name, byImage.get(im.id) ?? []]));
  return h.digest('hex');
}

/**
 * A model's COCO keypoint numbers (pycocotools-exact, core/eval) on a held-out set, through the app's own pipeline
 * (the same settings detection uses): one inference worker for the model, every image in turn, its persons as
 * results. An image that fails counts as one without detections (its persons missed), and is named in `failed`.
 * `onImage` after each image (progress).
 */
export async function scoreModel(
  modelPath: string,
  set: HeldOutSet,
  settings: DetectSettings,
  signal?: AbortSignal,
  onImage?: () => void,
): Promise<{ stats: CocoStats; failed: string[]; card: unknown }> {
  const engine = await PoseEngine.start(modelPath, { signal, imageTimeLimitMs: 120_000 });
  const results: CocoKeypointResult[] = [];
  const failed: string[] = [];
  try {
    for (const im of set.gt.images) {
      if (signal?.aborted) throw new Error('cancelled');
      try {
        const r = await engine.infer(set.imagePath(im.file_name), im.id, settings);
        for (const pose of r.poses)
          results.push({
            image_id: im.id,
            category_id: 1,
            score: pose.score,
            keypoints: pose.joints.flatMap((j) => (j ? [j.x, j.y, 1] : [0, 0, 0])),
          });
      } catch (e) {
        if (signal?.aborted) throw e;
        failed.push(`${im.file_name}: ${(e as Error).message}`);
      }
      onImage?.();
    }
  } finally {
    await engine.close();
  }
  return { stats: evaluateKeypoints(set.gt, results), failed, card: engine.card };
}
