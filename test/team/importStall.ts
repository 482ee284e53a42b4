// What the import-stall test and bench (bench/teamImportStallBench.ts) share: a huge valid COCO keypoints file, made
// up, and a client that polls a cheap call while some work runs.
import type { CocoDataset } from '../../src/core/coco/cocoTypes.ts';
import { COCO_KEYPOINTS, COCO_SKELETON_1BASED } from '../../src/core/skeleton/poseMeta.ts';

/**
 * `images` images (640×480, files that are not in the folder: reported missing, nothing hashed) with `persons`
 * persons each, every joint labelled (one in five occluded): what a large dataset's GT file looks like to an import.
 */
export function hugeCoco(images: number, persons: number): CocoDataset {
  const records = Array.from({ length: images }, (_, i) => ({
    id: i + 1,
    file_name: `huge/f${i % 100}/img${i}.jpg`,
    width: 640,
    height: 480,
  }));
  const annotations = records.flatMap((im) =>
    Array.from({ length: persons }, (_, p) => ({
      id: (im.id - 1) * persons + p + 1,
      image_id: im.id,
      category_id: 1,
      keypoints: COCO_KEYPOINTS.flatMap((_, k) => [20 + p * 100 + k * 2.5, 30 + k * 20.25, k % 5 ? 2 : 1]),
      num_keypoints: COCO_KEYPOINTS.length,
      bbox: [20 + p * 100, 30, 40, 324],
      area: 12960,
      iscrowd: 0 as const,
    })),
  );
  const categories = [
    {
      id: 1,
      name: 'person',
      supercategory: 'person',
      keypoints: [...COCO_KEYPOINTS],
      skeleton: COCO_SKELETON_1BASED.map((e) => [...e]),
    },
  ];
  return { info: { description: 'a huge made-up dataset' }, images: records, annotations, categories };
}

/**
 * Calls `poll` one call after another (`gapMs` between them) until `work` settles: each call's latency (ms), and
 * the work's seconds. A call that fails stops it.
 */
export async function pollWhile(
  poll: () => Promise<void>,
  work: () => Promise<unknown>,
  gapMs = 10,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let done = false;
  const t0 = performance.now();
  const running = work().finally(() => {
    done = true;
  });
  while (!done) {
    const t = performance.now();
    await poll();
    latencies.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await running;
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}
