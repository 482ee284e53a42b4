// npm run bench:model -- --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N]
// Accuracy of a model through the real pipeline (PoseEngine: decode, cv2-exact pre-processing, ONNX Runtime,
// fast decoder) on a COCO keypoints set, evaluated with the project's pycocotools-exact evaluator.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { evaluateKeypoints } from '../src/core/eval/cocoEval.ts';
import { parseCocoGt } from '../src/core/coco/cocoJson.ts';
import type { CocoKeypointResult } from '../src/core/coco/cocoTypes.ts';
import { machineLine } from './benchStats.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    coco: { type: 'string' },
    images: { type: 'string' },
    scales: { type: 'string', default: '1' },
    flip: { type: 'boolean', default: false },
    limit: { type: 'string' },
    mode: { type: 'string', default: 'fast' },
  },
});
if (!values.model || !values.coco || !values.images) {
  console.error('usage: --model M.onnx --coco ANN.json --images DIR [--scales 1] [--flip] [--limit N]');
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
const stats = evaluateKeypoints(gt, results, { imageIds: images.map((i) => i.id) });
console.log(
  `machine: ${machineLine()}; model ${values.model}; ${images.length} images; scales ${values.scales}${values.flip ? ' + flip' : ''}; ${((performance.now() - t0) / images.length).toFixed(0)} ms/image`,
);
console.log(JSON.stringify({ images: images.length, detections: results.length, ...stats }));
