// npm run bench:model -- --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N]
//   [--threshold T] [--thresholds 0.5,0.9,…] [--out results.json]
// Accuracy of a model through the real pipeline (PoseEngine: decode, cv2-exact pre-processing, ONNX Runtime,
// fast decoder) on a COCO keypoints set, evaluated with the project's pycocotools-exact evaluator. Also counts the
// predicted persons at the app's default score threshold on the images whose annotations list no person ("quiet
// on real photos"), and the AP of the detections above that threshold; `--thresholds` adds the same figures for
// each threshold of a list (one inference, one line per threshold: how the default was checked).
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
    thresholds: { type: 'string' },
    out: { type: 'string' },
  },
});
if (!values.model || !values.coco || !values.images) {
  console.error('usage: --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N] [--threshold T]');
  process.exit(2);
}
const threshold = Number(values.threshold);
const sweep = values.thresholds ? values.thresholds.split(',').map(Number) : [];
if (![threshold, ...sweep].every((t) => Number.isFinite(t))) {
  console.error(`--threshold and --thresholds take numbers (got ${values.threshold}, ${values.thresholds ?? ''})`);
  process.exit(2);
}
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
const withPeople = new Set(gt.annotations.map((a) => a.image_id));
const free = images.filter((i) => !withPeople.has(i.id));
const perFreeAll = free.map((i) => results.filter((r) => r.image_id === i.id).length);

/** What a reviewer sees at score threshold t: AP of the persons shown, and how many appear on person-free images. */
function atThreshold(t: number) {
  const shown = results.filter((r) => r.score >= t);
  const statsShown = evaluateKeypoints(gt, shown, { imageIds: ids });
  const perFree = free.map((i) => shown.filter((r) => r.image_id === i.id).length);
  return {
    shown: { detections: shown.length, AP: statsShown.AP, AP50: statsShown.AP50, AR: statsShown.AR },
    person_free: free.length
      ? {
          images: free.length,
          max_persons_shown: Math.max(...perFree),
          mean_persons_shown: perFree.reduce((a, b) => a + b, 0) / free.length,
          median_persons_shown: median(perFree),
          images_over_1_shown: perFree.filter((n) => n > 1).length,
          median_persons_all_scores: median(perFreeAll),
          max_persons_all_scores: Math.max(...perFreeAll),
        }
      : null,
  };
}

if (values.out) writeFileSync(values.out, JSON.stringify(results));
console.log(
  `machine: ${machineLine()}; model ${values.model}; ${images.length} images; scales ${values.scales}${values.flip ? ' + flip' : ''}; ${((performance.now() - t0) / images.length).toFixed(0)} ms/image`,
);
for (const t of sweep) {
  const s = atThreshold(t);
  const f = s.person_free;
  console.log(
    `threshold ${t.toFixed(2)}: AP ${s.shown.AP.toFixed(3)} AP50 ${s.shown.AP50.toFixed(3)} AR ${s.shown.AR.toFixed(3)}, ${s.shown.detections} persons shown` +
      (f
        ? `; on ${f.images} person-free images ${f.mean_persons_shown.toFixed(2)} per image (median ${f.median_persons_shown}, max ${f.max_persons_shown}, ${f.images_over_1_shown} with > 1)`
        : ''),
  );
}
console.log(
  JSON.stringify({
    images: images.length,
    detections: results.length,
    ...stats,
    threshold,
    ...atThreshold(threshold),
    ...(sweep.length ? { sweep: sweep.map((t) => ({ threshold: t, ...atThreshold(t) })) } : {}),
  }),
);
