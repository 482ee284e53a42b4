// npm run bench:eval — COCO keypoint evaluation of 5,000 images × 20 detections (synthetic GT of 1–8 persons per
// image, detections = jittered GT + false positives), median of 5 runs.
import { evaluateKeypoints } from '../src/core/eval/cocoEval.ts';
import type { CocoDataset, CocoKeypointResult } from '../src/core/coco/cocoTypes.ts';
import { fmt, machineLine, median } from './benchStats.ts';

let s = 11;
const rnd = () => {
  s = (s * 1103515245 + 12345) % 2 ** 31;
  return s / 2 ** 31;
};
const N_IMAGES = 5000,
  DETS = 20;
const gt: CocoDataset = { images: [], annotations: [], categories: [{ id: 1, name: 'person' }] };
const results: CocoKeypointResult[] = [];
let annId = 1;
for (let img = 1; img <= N_IMAGES; img++) {
  gt.images.push({ id: img, file_name: `${img}.jpg`, width: 640, height: 480 });
  const persons = 1 + Math.floor(rnd() * 8);
  const kps: number[][] = [];
  for (let p = 0; p < persons; p++) {
    const cx = 60 + rnd() * 520,
      cy = 60 + rnd() * 360,
      size = 30 + rnd() * 200;
    const kp: number[] = [];
    let n = 0;
    for (let j = 0; j < 17; j++) {
      const v = rnd() < 0.8 ? 2 : 0;
      if (v) n++;
      kp.push(v ? cx + (rnd() - 0.5) * size : 0, v ? cy + (rnd() - 0.5) * size * 2 : 0, v);
    }
    kps.push(kp);
    gt.annotations.push({
      id: annId++,
      image_id: img,
      category_id: 1,
      keypoints: kp,
      num_keypoints: n,
      bbox: [cx - size / 2, cy - size, size, 2 * size],
      area: size * size * 1.5,
      iscrowd: 0,
    });
  }
  for (let d = 0; d < DETS; d++) {
    const base = kps[d % kps.length];
    const keypoints = base.map((v, i) => (i % 3 === 2 ? 1 : v + (rnd() - 0.5) * (d < kps.length ? 6 : 80)));
    results.push({ image_id: img, category_id: 1, keypoints, score: rnd() });
  }
}
const times: number[] = [];
let stats: ReturnType<typeof evaluateKeypoints> | undefined;
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  stats = evaluateKeypoints(gt, results);
  times.push(performance.now() - t);
}
console.log(`machine: ${machineLine()}`);
console.log(
  JSON.stringify({
    images: N_IMAGES,
    detections: results.length,
    gt_persons: gt.annotations.length,
    median_ms: Number(fmt(median(times), 1)),
    AP: stats!.AP,
  }),
);
