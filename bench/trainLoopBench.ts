// npm run bench:train-loop [-- --minutes 5 --threads 1 --runs 1 --json OUT.json]
//
// The retraining loop on this machine, through the app's own service: the bundled model (resources/models: only
// its ONNX ships, so the trainer first recovers a trainable checkpoint from it, training/recover_onnx.py) fine-tuned
// for a fixed CPU budget on the reviewed sample images (resources/sample-project: 24 synthetic images with their
// ground truth, imported = established), a fifth held out by image (the split's seed = the run's index). Per run:
// held-out AP of the bundled model (the baseline, measured in the same process on the same images) and of the
// trained one (compareModels), the Train job's wall time and the re-prediction of every image with the new model.
// Never trains on ../shared/data/coco-mini/val2017.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PoseEvent } from '../src/contract/poseApi.ts';
import { openProjectFolder } from '../src/node/project/openProjectFolder.ts';
import { fmt, machineLine, median } from './benchStats.ts';
import { compareModels } from '../test/support/trainProject.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SAMPLE = path.join(ROOT, 'resources', 'sample-project');
const BUNDLED = path.join(ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const minutes = Number(values.minutes),
  threads = Number(values.threads),
  runs = Number(values.runs);

async function oneRun(seed: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-bench-train-'));
  mkdirSync(path.join(dir, 'images'));
  for (const f of readdirSync(path.join(SAMPLE, 'images')))
    copyFileSync(path.join(SAMPLE, 'images', f), path.join(dir, 'images', f));
  copyFileSync(path.join(SAMPLE, 'annotations.json'), path.join(dir, 'images', 'annotations.json'));
  const p = await openProjectFolder(path.join(dir, 'images'), { modelPath: BUNDLED });
  try {
    await p.service.importCoco({ path: path.join(dir, 'images', 'annotations.json') });
    const t0 = performance.now();
    const { jobId } = await p.service.startTrain({ minutes, threads, seed });
    const events: PoseEvent<'trainProgress'>[] = [];
    await new Promise<void>((resolve) =>
      p.service.events.on('trainProgress', (e: PoseEvent<'trainProgress'>) => {
        if (e.jobId !== jobId) return;
        events.push(e);
        if (e.loss === undefined) process.stderr.write(`  [seed ${seed}] ${e.stage}: ${e.message}\n`);
        if (['done', 'failed', 'cancelled'].includes(e.stage)) resolve();
      }),
    );
    const trainS = (performance.now() - t0) / 1000;
    const last = events.at(-1)!;
    if (last.stage !== 'done') throw new Error(`training ${last.stage}: ${last.message}`);
    const t1 = performance.now();
    const cmp = await compareModels(p);
    const compareS = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    const { jobId: detectId } = await p.service.startDetect({});
    await new Promise<void>((resolve) =>
      p.service.events.on('jobFinished', (e: PoseEvent<'jobFinished'>) => e.jobId === detectId && resolve()),
    );
    const detectS = (performance.now() - t2) / 1000;
    const [before, after] = cmp.models;
    const losses = events.filter((e) => e.loss !== undefined);
    return {
      seed,
      steps: last.step,
      heldOut: cmp.heldOut,
      before: before.stats!,
      after: after.stats!,
      firstLoss: losses[0]?.loss ?? null,
      lastLoss: losses.at(-1)?.loss ?? null,
      trainS,
      compareS,
      detectS,
      loopS: trainS + detectS,
    };
  } finally {
    await p.close();
  }
}

const results: Awaited<ReturnType<typeof oneRun>>[] = [];
for (let i = 0; i < runs; i++) results.push(await oneRun(i));
const m = (f: (r: (typeof results)[number]) => number) => median(results.map(f));
console.log(`machine: ${machineLine()}; ${minutes} min of training on ${threads} thread(s), ${runs} run(s)`);
for (const r of results)
  console.log(
    `seed ${r.seed}: ${r.steps} steps, held-out ${r.heldOut.images} images / ${r.heldOut.persons} persons: AP ${fmt(r.before.AP, 3)} → ${fmt(r.after.AP, 3)} (AP50 ${fmt(r.before.AP50, 3)} → ${fmt(r.after.AP50, 3)}, AR ${fmt(r.before.AR, 3)} → ${fmt(r.after.AR, 3)}); loss ${fmt(r.firstLoss ?? 0, 1)} → ${fmt(r.lastLoss ?? 0, 1)}; train job ${fmt(r.trainS, 0)} s, re-predict ${fmt(r.detectS, 1)} s, loop ${fmt(r.loopS, 0)} s`,
  );
console.log(
  `median: AP ${fmt(
    m((r) => r.before.AP),
    3,
  )} → ${fmt(
    m((r) => r.after.AP),
    3,
  )} (after/before ${fmt(
    m((r) => r.after.AP / Math.max(r.before.AP, 1e-9)),
    2,
  )}×), loop ${fmt(
    m((r) => r.loopS),
    0,
  )} s`,
);
if (values.json)
  writeFileSync(values.json, JSON.stringify({ machine: machineLine(), minutes, threads, results }, null, 1));
