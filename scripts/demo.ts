// npm run demo: runs the bundled model on the bundled sample project through the real inference engine from the
// command line, writes the results next to the project, and prints what it found and its OKS AP against the
// project's ground truth. The review app itself is `npm start`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoseEngine } from '../src/node/inference/poseEngine.ts';
import { parseCocoGt } from '../src/core/coco/cocoJson.ts';
import { evaluateKeypoints } from '../src/core/eval/cocoEval.ts';
import { writeFileAtomic } from '../src/node/fs/writeFileAtomic.ts';
import type { CocoKeypointResult } from '../src/core/coco/cocoTypes.ts';
import { buildState } from '../src/node/build/rendererBuild.ts';
import { demoIntro } from './demoIntro.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const project = path.join(root, 'resources', 'sample-project');
const model = path.join(root, 'resources', 'models', 'imhn-synth-tiny.onnx');
console.log(`SimplePose Studio demo — ${demoIntro(buildState(root))}`);
console.log(`  project: ${path.relative(root, project)}\n  model:   ${path.relative(root, model)}`);
if (!existsSync(model)) {
  console.error('the bundled model is missing (resources/models)');
  process.exit(1);
}
const gt = parseCocoGt(readFileSync(path.join(project, 'annotations.json'), 'utf8'));
const engine = await PoseEngine.start(model, { log: (l) => console.log(`  ${l}`) });
const results: CocoKeypointResult[] = [];
for (const im of gt.images) {
  const r = await engine.infer(path.join(project, 'images', im.file_name), im.id, {
    scales: [1],
    flip: true,
    mode: 'fast',
  });
  const truth = gt.annotations.filter((a) => a.image_id === im.id).length;
  console.log(
    `  ${im.file_name}: ${r.poses.length} person(s) found, ${truth} in the ground truth (${(r.timingsMs.network + r.timingsMs.postprocess + r.timingsMs.preprocess).toFixed(0)} ms)`,
  );
  results.push(...r.decoded.results);
}
await engine.close();
const out = path.join(root, '.tmp', 'sample-project-results.json');
await writeFileAtomic(out, `${JSON.stringify(results)}\n`).catch(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.dirname(out), { recursive: true });
  await writeFileAtomic(out, `${JSON.stringify(results)}\n`);
});
const s = evaluateKeypoints(gt, results);
console.log(
  `\nOKS AP ${s.AP.toFixed(3)} (AP50 ${s.AP50.toFixed(3)}, AR ${s.AR.toFixed(3)}) on the ${gt.images.length} sample images; results in ${path.relative(root, out)}`,
);
