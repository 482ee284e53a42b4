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
import { PoseEngine } from '../inference/poseEngine.ts';
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

/** Kills the engine's worker whenever one is running an image (until stopped); counts the kills. */
function killer(engine: PoseEngine): { stop(): void; kills: () => number } {
  let kills = 0;
  let last: number | null = null;
  const timer = setInterval(() => {
    const pid = engine.workerPid;
    if (pid === null || pid === last) return;
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
});
