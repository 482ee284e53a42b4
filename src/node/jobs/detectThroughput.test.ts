// Issue 13: the app's detection job ran at 0.5 images/s where the network alone ran at 0.8 (the bundled model, scale
// 1 + flip, 512×384 photos): the stages around the network ran one after another with it, and storing the maps as
// float16 cost more than the network. The job must now run at ≥ 0.8× the bare network's throughput (the benchmark,
// bench:detect, holds it to 0.9); both are measured here, interleaved, so a loaded machine slows both alike.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from '../project/syncImages.ts';
import { runDetectJob } from './detectJob.ts';
import { loadPoseModel } from '../inference/poseModel.ts';
import { decodeImageBgr } from '../images/decodeImage.ts';
import { type NetworkInput, preprocess } from '../../core/image/preprocess.ts';
import { PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';

const MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const IMAGES = path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images');
const settings = { scales: [0.5], flip: true, mode: 'fast' as const };
const COUNT = 12;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

describe('detection throughput', () => {
  it('the job runs at ≥ 0.8× the bare network (same images, same batch), rounds interleaved', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-throughput-'));
    const files = readdirSync(IMAGES).sort().slice(0, COUNT);
    for (const f of files) copyFileSync(path.join(IMAGES, f), path.join(root, f));
    const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
    await syncImages(db, root);
    const model = await loadPoseModel(MODEL, { provider: 'cpu' });
    const inputs: NetworkInput[] = [];
    for (const f of files)
      inputs.push(preprocess(await decodeImageBgr(path.join(root, f)), 0.5, true, model.card.input.rules));
    await model.run(inputs[0]);
    const bare = async () => {
      const t0 = performance.now();
      for (const input of inputs) await model.run(input);
      return COUNT / ((performance.now() - t0) / 1000);
    };
    const job = async () => {
      let rate = 0;
      const r = await runDetectJob(db, {
        modelPath: MODEL,
        root,
        settings,
        provider: 'cpu',
        cacheDir: path.join(root, '.cache'),
        rerun: true,
        onProgress: (p) => (rate = p.imagesPerSecond),
      });
      expect(r).toMatchObject({ status: 'done', done: COUNT, failed: 0 });
      return rate;
    };
    // Up to 3 attempts: other test files share the 2 cores and come and go within an attempt. The old serial job
    // cannot pass any (its stages add to the network's time: 0.6×).
    const attempts: string[] = [];
    for (let a = 0; a < 3; a++) {
      const bares = [await bare()];
      const jobs: number[] = [];
      for (let r = 0; r < 2; r++) {
        jobs.push(await job());
        bares.push(await bare());
      }
      const ratio = median(jobs) / median(bares);
      attempts.push(
        `${ratio.toFixed(2)} (jobs ${jobs.map((x) => x.toFixed(1))}, bare ${bares.map((x) => x.toFixed(1))})`,
      );
      if (ratio > 0.8) break;
    }
    await model.release();
    db.close();
    expect(Number(attempts.at(-1)!.split(' ')[0]), attempts.join('; ')).toBeGreaterThan(0.8);
  }, 300_000);
});
