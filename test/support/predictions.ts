// Predictions written straight into a project (a finished run of a stand-in model), for tests and benchmarks that
// need a known set of predicted persons — up to the 144 of a crowded photo — without running a network.
import type { Pose } from '../../src/core/codec/assign/toPoses.ts';
import type { ProjectDb } from '../../src/node/db/openProjectDb.ts';
import { modelRepository } from '../../src/node/db/modelRepository.ts';
import { runRepository } from '../../src/node/db/runRepository.ts';
import { imageRepository } from '../../src/node/db/imageRepository.ts';
import { writeTransaction } from '../../src/node/db/writeTransaction.ts';

/** Records a finished run whose predictions are `poses` per image id; returns the run's id. */
export function insertRun(db: ProjectDb, poses: ReadonlyMap<number, Pose[]>, modelHash = 'test-model'): number {
  return writeTransaction(db, 'a test run', () => {
    const runs = runRepository(db);
    const modelId = modelRepository(db).record(`${modelHash}.onnx`, modelHash, '{}', 0);
    const run = runs.create({ modelId, scales: [1], flip: true, mode: 'fast', provider: 'cpu', now: 0 });
    const images = imageRepository(db);
    // made from the content each image has now (migration 009)
    for (const [imageId, list] of poses) runs.addPrediction(run, imageId, images.get(imageId)!.contentHash, list, 0);
    runs.markDone(run, 0);
    return run;
  });
}

/**
 * `n` standing persons in a grid over a `width` × `height` image, each with all 17 joints and a person score
 * spread evenly from `maxScore` down to `minScore` (the highest first in the grid), joint scores around 0.5–1.1
 * (the decoder's peaks can pass 1).
 */
export function gridPoses(n: number, width: number, height: number, minScore = -0.5, maxScore = 0.99): Pose[] {
  const cols = Math.ceil(Math.sqrt((n * width) / height)),
    rows = Math.ceil(n / cols);
  const cw = width / cols,
    ch = height / rows;
  return Array.from({ length: n }, (_, i) => {
    const cx = cw * ((i % cols) + 0.5),
      cy = ch * (Math.floor(i / cols) + 0.5);
    const joints = Array.from({ length: 17 }, (_, k) => ({
      x: cx + (k % 2 ? 0.18 : -0.18) * cw + 0.01 * i,
      y: cy - 0.4 * ch + (0.8 * ch * k) / 16,
      score: 0.5 + ((k * 7 + i) % 13) / 20,
    }));
    const score = n === 1 ? maxScore : maxScore - ((maxScore - minScore) * i) / (n - 1);
    return { score, joints, neck: null };
  });
}
