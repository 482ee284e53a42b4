// The project's detection setup through the service: what "Run detection" uses, that it completes only what the
// current model and settings lack, that each image's prediction is announced as soon as it is stored, that another
// run never takes over what the app shows, and the problems list.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { openProjectFolder, type OpenProject } from './openProjectFolder.ts';
import { runDetectJob } from '../jobs/detectJob.ts';
import { projectCacheDir } from './mapCache.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';
import type { PoseEvent } from '../../contract/poseApi.ts';

const TINY = path.join(MODEL_FIXTURES, 'tiny.onnx');
/** These tests name a model of the test fixtures, as the CLI may (its policy); the app's confinement of model files
 * is test/integrity/modelPathConfinement.test.ts. */
const FIXTURE_MODELS_ALLOWED = { kind: 'any' } as const;
const BUNDLED = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const SAMPLE = path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images');
const quick = { scales: [0.25], flip: false, mode: 'fast' as const };
const opened: OpenProject[] = [];
afterAll(async () => {
  for (const p of opened) await p.close();
});

async function project(n: number, extra: (dir: string) => void = () => undefined): Promise<OpenProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-setup-'));
  mkdirSync(path.join(dir, 'photos'));
  for (const f of ['000001.jpg', '000002.jpg', '000003.jpg'].slice(0, n))
    copyFileSync(path.join(SAMPLE, f), path.join(dir, 'photos', f));
  extra(dir);
  const p = await openProjectFolder(dir, { modelPath: BUNDLED, exchange: FIXTURE_MODELS_ALLOWED });
  opened.push(p);
  return p;
}

/** Runs detection through the service and collects its events until it finishes. */
async function detect(p: OpenProject, request: Parameters<OpenProject['service']['startDetect']>[0] = {}) {
  const detected: PoseEvent<'imageDetected'>[] = [];
  const onImage = (e: PoseEvent<'imageDetected'>) => detected.push(e);
  p.service.events.on('imageDetected', onImage);
  const finished = once(p.service.events, 'jobFinished');
  const { jobId } = await p.service.startDetect(request);
  const [end] = (await finished) as [PoseEvent<'jobFinished'>];
  p.service.events.off('imageDetected', onImage);
  return { jobId, end, detected };
}

describe('the detection setup', () => {
  it('a new project: the bundled model, scale 1 + flip + fast; its card facts; photos or synthetic', async () => {
    const p = await project(1);
    const s = await p.service.getDetectSetup({});
    expect(s.settings).toEqual({ scales: [1], flip: true, mode: 'fast' });
    expect(s.model).toMatchObject({ path: BUNDLED, bundled: true, exists: true, id: null });
    expect(s.model.facts.syntheticOnly).toBe(true);
    expect(s.model.facts.accuracy.some((a) => a.on.startsWith('coco mini val2017') && a.AP === 0)).toBe(true);
    expect(s).toMatchObject({ currentRunId: null, toDetect: 1, photos: true });
    // the sample project (a synth annotations.json at its top) is not photos
    const synth = await project(1, (dir) =>
      copyFileSync(path.join(SAMPLE, '..', 'annotations.json'), path.join(dir, 'annotations.json')),
    );
    expect((await synth.service.getDetectSetup({})).photos).toBe(false);
  });

  it('is kept in the project: a chosen ONNX file is registered with its card and used by Run detection', async () => {
    const p = await project(2);
    const s = await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    expect(s.model).toMatchObject({ path: TINY, bundled: false, name: 'tiny' });
    expect(s.model.facts.trainedOn).toMatch(/^not stated in its card/);
    expect(s.models.map((m) => m.name)).toEqual(['imhn-synth-tiny', 'tiny']);
    const again = await openProjectFolder(p.root, { modelPath: BUNDLED }); // another process, the same file
    expect((await again.service.getDetectSetup({})).model.path).toBe(TINY);
    await again.close();
    const { end, detected } = await detect(p); // no model or settings in the request: the project's
    expect(end.status).toBe('done');
    const run = p.db
      .prepare('SELECT r.scales, r.flip, m.path FROM inference_runs r JOIN models m ON m.id = r.model_id')
      .get();
    expect(run).toEqual({ scales: '[0.25]', flip: 0, path: TINY });
    expect(detected).toHaveLength(2);
    expect((await p.service.getDetectSetup({})).toDetect).toBe(0);
    await expect(p.service.setDetectSetup({ settings: quick, modelId: 999 })).rejects.toThrow(/no model 999/);
    await expect(p.service.setDetectSetup({ settings: { ...quick, scales: [9] } })).rejects.toThrow(/scales must be/);
    await expect(
      p.service.setDetectSetup({ settings: quick, modelPath: path.join(p.root, 'nope.onnx') }),
    ).rejects.toThrow(/nope\.onnx: no such file/);
  });

  it('an ONNX file whose card is not JSON is refused by name (422, its text not echoed); nothing is registered', async () => {
    const p = await project(1);
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-badcard-'));
    copyFileSync(TINY, path.join(dir, 'm.onnx'));
    writeFileSync(path.join(dir, 'm.card.json'), 'root:x:0:0:secret');
    const before = await p.service.getDetectSetup({});
    const r = await p.service.setDetectSetup({ settings: quick, modelPath: path.join(dir, 'm.onnx') }).catch((e) => e);
    expect(r).toMatchObject({
      code: 'unprocessable',
      message: `${path.join(dir, 'm.card.json')}: the model card is not valid JSON`,
    });
    expect(r.message).not.toMatch(/secret/);
    expect(await p.service.getDetectSetup({})).toEqual(before);
  });

  it('each image is announced as soon as its prediction is stored, before the job ends, with its score', async () => {
    const p = await project(3);
    await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    const order: string[] = [];
    p.service.events.on('imageDetected', (e: PoseEvent<'imageDetected'>) => order.push(`image ${e.imageId}`));
    p.service.events.on('jobFinished', () => order.push('finished'));
    const checked: boolean[] = [];
    p.service.events.on('imageDetected', (e: PoseEvent<'imageDetected'>) => {
      // stored when announced: getPredictions already has it
      void p.service.getPredictions({ imageId: e.imageId }).then((r) => checked.push(r.runId === e.runId));
    });
    const { detected } = await detect(p);
    expect(order).toEqual(['image 1', 'image 2', 'image 3', 'finished']);
    expect(checked).toEqual([true, true, true]);
    for (const e of detected) expect(e.persons === 0 ? e.score === null : typeof e.score === 'number').toBe(true);
  });

  it('Run detection takes only images without a prediction of the current model and settings; rerun takes all', async () => {
    const p = await project(2);
    await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    expect((await detect(p)).detected).toHaveLength(2);
    copyFileSync(path.join(SAMPLE, '000003.jpg'), path.join(p.root, 'photos', 'new.jpg'));
    const reopened = await openProjectFolder(p.root, { modelPath: BUNDLED }); // the scan finds the new image
    opened.push(reopened);
    expect((await reopened.service.getDetectSetup({})).toDetect).toBe(1);
    const second = await detect(reopened);
    expect(second.detected.map((e) => e.imageId)).toEqual([3]);
    const changed = await reopened.service.setDetectSetup({ settings: { ...quick, flip: true } });
    expect(changed.toDetect).toBe(3); // other settings: another run
    const all = await detect(reopened, { rerun: true });
    expect(all.detected).toHaveLength(3);
  });

  it('another run (a detect with other flags) does not replace what the app shows', async () => {
    const p = await project(1);
    await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    await detect(p);
    const mine = (await p.service.getPredictions({ imageId: 1 })).runId;
    // `simplepose detect --scales 0.5` writes a newer run with other settings
    const other = await runDetectJob(p.db, {
      modelPath: TINY,
      root: p.root,
      settings: { ...quick, scales: [0.5] },
      cacheDir: projectCacheDir(p.root),
    });
    expect(other.runId).toBeGreaterThan(mine!);
    expect((await p.service.getPredictions({ imageId: 1 })).runId).toBe(mine);
  });

  it('lists files the scan could not read and images whose detection failed, with the reasons', async () => {
    const p = await project(1, (dir) => writeFileSync(path.join(dir, 'photos', 'broken.jpg'), 'not a jpeg'));
    await p.service.setDetectSetup({ settings: quick, modelPath: TINY });
    const before = await p.service.listProblems({});
    expect(before.files).toEqual([{ relPath: 'photos/broken.jpg', reason: expect.any(String), stage: 'scan' }]);
    rmSync(path.join(p.root, 'photos', '000001.jpg'));
    writeFileSync(path.join(p.root, 'photos', '000001.jpg'), 'gone bad'); // changed after the scan
    const { detected } = await detect(p);
    expect(detected[0].error).toBeDefined();
    const after = await p.service.listProblems({});
    expect(after.files.map((f) => [f.relPath, f.stage])).toEqual([
      ['photos/broken.jpg', 'scan'],
      ['photos/000001.jpg', 'detection'],
    ]);
  });
});
