// npm run bench:infer — the Node inference pipeline on a 640×480 photo, single scale + flip, fast mode, CPU:
// pipeline (decode JPEG, pre-process, network, assignment) vs a bare session.run on the same tensor, interleaved in
// one process; CPU time and peak RSS per photo. One child process per model so that peak memory is the model's own.
// Models: random-weight official-size (4-stack, 129 M) and small (2-stack, 16 M) IMHNs made by
// `/usr/bin/python3 -m training.make_bench_models` (run automatically when missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPoseModel } from '../src/node/inference/poseModel.ts';
import { inferImage } from '../src/node/inference/inferImage.ts';
import { decodeImageBgr } from '../src/node/images/decodeImage.ts';
import { preprocess } from '../src/core/image/preprocess.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PHOTO = path.resolve(root, '..', 'shared', 'data', 'coco-mini', 'train2017', '000000054718.jpg');
const modelPath = (name: string) => path.join(root, '.tmp', 'bench-models', `${name}.onnx`);

if (process.argv[2] === '--child') {
  const name = process.argv[3],
    reps = Number(process.argv[4]);
  const model = await loadPoseModel(modelPath(name), { provider: 'cpu' });
  const img = await decodeImageBgr(PHOTO);
  const tensor = preprocess(img, 1, true, model.card.input.rules);
  const opts = { scales: [1], flip: true, mode: 'fast' as const };
  await model.run(tensor);
  await inferImage(model, PHOTO, 1, opts); // warm-up
  const bare: number[] = [],
    pipe: number[] = [],
    cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    await model.run(tensor);
    bare.push(performance.now() - t);
    const c0 = process.cpuUsage();
    t = performance.now();
    await inferImage(model, PHOTO, 1, opts);
    pipe.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(
    JSON.stringify({
      model: name,
      input: `${tensor.batch}x${tensor.paddedH}x${tensor.paddedW}x3`,
      reps,
      bare_ms: median(bare),
      pipeline_ms: median(pipe),
      overhead_pct: (median(pipe) / median(bare) - 1) * 100,
      cpu_ms_per_photo: median(cpu),
      peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

if (!existsSync(modelPath('official')) || !existsSync(modelPath('small'))) {
  console.error('making random-weight benchmark models (python3 -m training.make_bench_models)…');
  const r = spawnSync('/usr/bin/python3', ['-m', 'training.make_bench_models'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('cannot make the benchmark models: Debian python3-torch and python3-onnx are needed');
    process.exit(1);
  }
}
console.log(
  `machine: ${machineLine()}; photo 640×480 (${path.basename(PHOTO)}), single scale + flip, fast mode, CPU provider`,
);
for (const [name, reps] of [
  ['small', 9],
  ['official', 5],
] as const) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, String(reps)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  console.log(
    `${name.padEnd(9)} bare ${fmt(j.bare_ms, 0)} ms, pipeline ${fmt(j.pipeline_ms, 0)} ms (+${fmt(j.overhead_pct, 1)} %), CPU ${fmt(j.cpu_ms_per_photo, 0)} ms/photo, peak RSS ${fmt(j.peak_rss_mib, 0)} MiB`,
  );
  console.log(JSON.stringify(j));
}
