// Attack on issue 10: a worker that died on every image was started again for each image without limit, the
// message never said how it died ("stopped unexpectedly"), and no progress event followed a failed image, so a
// failure on the last image never reached the UI. Here the real worker process is killed (SIGKILL, as the kernel's
// OOM killer would) while it holds each image.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from '../project/syncImages.ts';
import { DetectFailedError, MAX_CONSECUTIVE_WORKER_FAILURES, runDetectJob, type DetectProgress } from './detectJob.ts';
import { MAX_CONSECUTIVE_CRASHES, PoseEngine } from '../inference/poseEngine.ts';
import { MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';

const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const settings = { scales: [1], flip: true, mode: 'fast' as const };

async function folder(n: number, size: number): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-crash-'));
  for (let i = 0; i < n; i++)
    writeFileSync(
      path.join(root, `img${i}.png`),
      await sharp({ create: { width: size, height: size, channels: 3, background: { r: 30 * i, g: 80, b: 140 } } })
        .png()
        .toBuffer(),
    );
  return root;
}

/**
 * Kills the engine's worker whenever one holds an image (until stopped); counts the kills. A worker killed while it
 * holds none (the one PoseEngine.start made, before the job sends it anything) is no image's failure and is replaced
 * without counting: killing it made this test flaky under load (4 kills for 3 failed images).
 */
function killer(engine: PoseEngine): { stop(): void; kills: () => number } {
  let kills = 0;
  let last: number | null = null;
  const timer = setInterval(() => {
    const pid = engine.workerPid;
    if (pid === null || pid === last || engine.inFlight === 0) return;
    last = pid;
    try {
      process.kill(pid, 'SIGKILL');
      kills++;
    } catch {
      // gone already
    }
  }, 2);
  return { stop: () => clearInterval(timer), kills: () => kills };
}

describe('detection when the inference worker keeps dying', () => {
  it(`stops after ${MAX_CONSECUTIVE_WORKER_FAILURES} images in a row with one message naming the signal; progress follows every failure`, async () => {
    const root = await folder(6, 640);
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const engine = await PoseEngine.start(MODEL, { provider: 'cpu' });
    const k = killer(engine);
    const seen: DetectProgress[] = [];
    const logs: string[] = [];
    const job = runDetectJob(db, {
      modelPath: MODEL,
      engine,
      root,
      settings,
      onProgress: (p) => seen.push(p),
      log: (l) => logs.push(l),
    });
    const error = await job.then(
      () => null,
      (e: Error) => e,
    );
    k.stop();
    expect(error).toBeInstanceOf(DetectFailedError);
    expect(error!.message).toMatch(
      new RegExp(
        `^detection stopped: the inference worker failed on ${MAX_CONSECUTIVE_WORKER_FAILURES} images in a row \\(img0\\.png: the inference worker stopped unexpectedly \\(killed by SIGKILL\\); `,
      ),
    );
    expect(seen.map((p) => p.failed)).toEqual([1, 2, 3]); // an event after each failed image
    expect(seen.at(-1)).toMatchObject({ done: 0, total: 6, lastImage: 'img2.png' });
    expect(k.kills()).toBe(MAX_CONSECUTIVE_WORKER_FAILURES); // not one worker per image of the whole folder
    const run = db.prepare('SELECT status FROM inference_runs').pluck().get();
    expect(run).toBe('failed');
    db.close();
  }, 120_000);

  it(`the engine itself starts no worker after ${MAX_CONSECUTIVE_CRASHES} crashes in a row: the images waiting fail unrun; a later infer starts one`, async () => {
    // Reproduces the flaky 4th kill of the test above: the job learns of the 3rd crash a few event-loop turns after
    // the engine, which had already started a fresh worker (the model loaded) for the images sent ahead.
    const root = await folder(6, 640);
    const engine = await PoseEngine.start(MODEL, { provider: 'cpu' });
    const k = killer(engine);
    const all = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => engine.infer(path.join(root, `img${i}.png`), i + 1, settings)),
    );
    k.stop();
    const why = all.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'));
    expect(why.slice(0, MAX_CONSECUTIVE_CRASHES).every((m) => /killed by SIGKILL/.test(m))).toBe(true);
    for (const m of why.slice(MAX_CONSECUTIVE_CRASHES))
      expect(m).toMatch(
        new RegExp(`^not run: the inference worker failed on ${MAX_CONSECUTIVE_CRASHES} images in a row`),
      );
    await new Promise((r) => setTimeout(r, 200)); // a worker started late would be killed (and counted) here
    expect(k.kills()).toBe(MAX_CONSECUTIVE_CRASHES);
    const again = await engine.infer(path.join(root, 'img0.png'), 1, settings);
    expect(again.poses).toBeDefined();
    await engine.close();
  }, 120_000);
});
