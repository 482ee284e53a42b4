// Detection the user can follow, in the engine under Node over a real project: each image's prediction reaches
// the list and the open image as soon as that image is done (not at the end of the job), "Run detection" completes
// what the project's model and settings lack, re-run starts over, and unreadable files are listed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyModel } from '../support/processes.ts';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { openProjectFolder } from '../../src/node/project/openProjectFolder.ts';
import { photoProject, studio } from './studioHarness.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';
import type { PoseResponse } from '../../src/contract/poseApi.ts';

let project: OpenProject;
const quick = { scales: [0.25], flip: false, mode: 'fast' as const };
beforeEach(async () => {
  project = await photoProject(4, 96, 64);
  // models come from the project folder (or the bundled ones): modelSource
  const model = copyModel(path.join(MODEL_FIXTURES, 'tiny.onnx'), project.root, 'tiny');
  await project.service.setDetectSetup({ settings: quick, modelPath: model });
});
afterEach(() => project.close());

describe('live detection in the engine', () => {
  it('the open image shows its prediction and maps while the job is still running; rows get their scores', async () => {
    // The bundled model on sample images: it finds people there (a score to show), and takes long enough per image
    // that the job is still on the next images when the open one is shown.
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-live-'));
    mkdirSync(path.join(dir, 'images'));
    for (const f of ['000001.jpg', '000002.jpg', '000003.jpg', '000004.jpg'])
      copyFileSync(path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images', f), path.join(dir, 'images', f));
    const sample = await openProjectFolder(dir);
    await sample.service.setDetectSetup({ settings: { scales: [1], flip: false, mode: 'fast' } });
    const { engine, client } = studio(sample);
    await engine.start();
    await engine.openIndex(1);
    expect(engine.images.current.get()?.maps).toBeNull();
    // Hold the job back after the open image is done: whatever shows then came from that image's own event.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const seenDuringJob: { job: unknown; shown: number; score: unknown }[] = [];
    client.on('imageDetected', (e) => {
      if (e.imageId !== 2) return;
      void (async () => {
        await expect.poll(() => engine.images.current.get()?.maps !== null).toBe(true);
        seenDuringJob.push({
          job: engine.jobs.job.get()?.status,
          shown: engine.images.current.get()!.predictions.length,
          score: engine.list.rowAt(1)?.score,
        });
        release();
      })();
    });
    await engine.jobs.start();
    await held;
    const stored = (await client.api.getPredictions({ imageId: 2 })) as PoseResponse<'getPredictions'>;
    expect(stored.poses.length).toBeGreaterThan(0);
    expect(seenDuringJob).toEqual([{ job: 'running', shown: stored.poses.length, score: expect.any(Number) }]);
    await expect.poll(() => engine.jobs.job.get()?.status, { timeout: 60_000 }).toBe('done');
    await sample.close();
  }, 120_000);

  it('Run detection completes what the project lacks; re-run all starts a new run over everything', async () => {
    const { engine } = studio(project);
    await engine.start();
    await engine.setup.refresh();
    expect(engine.setup.setup.get()?.toDetect).toBe(4);
    await engine.jobs.start();
    await expect.poll(() => engine.jobs.job.get()?.status, { timeout: 30_000 }).toBe('done');
    await expect.poll(() => engine.setup.setup.get()?.toDetect).toBe(0);
    const runs = () => project.db.prepare('SELECT run_id, COUNT(*) AS n FROM predictions GROUP BY run_id').all();
    expect(runs()).toEqual([{ run_id: 1, n: 4 }]);
    await engine.jobs.start(); // nothing to do: the same run, no new prediction (the model still loads first)
    await expect.poll(() => engine.jobs.job.get()?.status, { timeout: 30_000 }).toBe('done');
    expect(runs()).toEqual([{ run_id: 1, n: 4 }]);
    await engine.jobs.start(true);
    await expect.poll(() => engine.jobs.job.get()?.status, { timeout: 30_000 }).toBe('done');
    expect(runs()).toEqual([
      { run_id: 1, n: 4 },
      { run_id: 2, n: 4 },
    ]);
  });

  it('files the scan could not read are listed with their reasons', async () => {
    writeFileSync(path.join(project.root, 'photos', 'zz-broken.png'), 'not a png');
    const reopened = await openProjectFolder(project.root);
    try {
      const { engine } = studio(reopened);
      await engine.start();
      await expect.poll(() => engine.setup.problems.get().length).toBe(1);
      expect(engine.setup.problems.get()[0]).toMatchObject({ relPath: 'photos/zz-broken.png', stage: 'scan' });
      expect(engine.setup.problems.get()[0].reason).not.toMatch(/\n\s+at /);
    } finally {
      await reopened.close();
    }
  });
});
