// npm run bench:model -- --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N]
//   [--threshold T] [--out results.json]
// Accuracy of a model through the real pipeline (PoseEngine: decode, cv2-exact pre-processing, ONNX Runtime,
// fast decoder) on a COCO keypoints set, evaluated with the project's pycocotools-exact evaluator. Also counts the
// predicted persons at the app's default score threshold on the images whose annotations list no person ("quiet
// on real photos"), and the AP of the detections above that threshold.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseCocoGt } from '../src/core/coco/cocoJson.ts';
import type { CocoKeypointResult } from '../src/core/coco/cocoTypes.ts';
import { evaluateKeypoints } from '../src/core/eval/cocoEval.ts';
import { DEFAULT_PERSON_SCORE_THRESHOLD } from '../src/core/review/personScoreThreshold.ts';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { machineLine, median } from './benchStats.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    coco: { type: 'string' },
    images: { type: 'string' },
    scales: { type: 'string', default: '1' },
    flip: { type: 'boolean', default: false },
    limit: { type: 'string' },
    mode: { type: 'string', default: 'fast' },
    threshold: { type: 'string', default: String(DEFAULT_PERSON_SCORE_THRESHOLD) },
    out: { type: 'string' },
  },
});
if (!values.model || !values.coco || !values.images) {
  console.error('usage: --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N] [--threshold T]');
  process.exit(2);
}
const threshold = Number(values.threshold);
const gt = parseCocoGt(readFileSync(values.coco, 'utf8'));
const images = gt.images.slice(0, values.limit ? Number(values.limit) : undefined);
const engine = await PoseEngine.start(values.model, { provider: 'cpu' });
const results: CocoKeypointResult[] = [];
const t0 = performance.now();
for (const im of images) {
  const r = await engine.infer(path.join(values.images, im.file_name), im.id, {
    scales: values.scales.split(',').map(Number),
    flip: values.flip,
    mode: values.mode as 'fast',
  });
  results.push(...r.decoded.results);
}
await engine.close();
const ids = images.map((i) => i.id);
const stats = evaluateKeypoints(gt, results, { imageIds: ids });
const shown = results.filter((r) => r.score >= threshold);
const statsShown = evaluateKeypoints(gt, shown, { imageIds: ids });
const withPeople = new Set(gt.annotations.map((a) => a.image_id));
const free = images.filter((i) => !withPeople.has(i.id));
const perFree = free.map((i) => shown.filter((r) => r.image_id === i.id).length);
const perFreeAll = free.map((i) => results.filter((r) => r.image_id === i.id).length);
if (values.out) writeFileSync(values.out, JSON.stringify(results));
console.log(
  `machine: ${machineLine()}; model ${values.model}; ${images.length} images; scales ${values.scales}${values.flip ? ' + flip' : ''}; ${((performance.now() - t0) / images.length).toFixed(0)} ms/image`,
);
console.log(
  JSON.stringify({
    images: images.length,
    detections: results.length,
    ...stats,
    threshold,
    shown: { detections: shown.length, AP: statsShown.AP, AP50: statsShown.AP50, AR: statsShown.AR },
    person_free: free.length
      ? {
          images: free.length,
          max_persons_shown: Math.max(...perFree),
          mean_persons_shown: perFree.reduce((a, b) => a + b, 0) / free.length,
          images_over_1_shown: perFree.filter((n) => n > 1).length,
          median_persons_all_scores: median(perFreeAll),
          max_persons_all_scores: Math.max(...perFreeAll),
        }
      : null,
  }),
);
