// Issue 12 end to end, in Debian's Chromium against web mode: detection the user can follow (each image's
// prediction in the list and on the canvas while the job runs; "Run detection" completes only what the project's
// model and settings lack, "Re-run all" is explicit; unreadable files listed with their reasons; the synthetic-only
// model on photos said once), the evaluation panel on the sample project, and Settings → Import a checkpoint with
// the project's real exporter. Every step is checked in the database through the API too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { projectCacheDir } from '../../src/node/project/mapCache.ts';
import { PROJECT_ROOT, SHARED_ROOT } from '../support/fixturePaths.ts';

const MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const VAL = path.join(SHARED_ROOT, 'data', 'coco-mini', 'val2017');
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs', 'screenshots') : null;
const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

type Served = { project: OpenProject; server: Awaited<ReturnType<typeof startServer>>; page: Page };
let browser: Browser, photos: Served, sample: Served;
const errors: string[] = [];

async function serve(folder: string): Promise<Served> {
  const project = await openProjectFolder(folder, { modelPath: MODEL });
  const server = await startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.studio?.snapshot().current !== null);
  return { project, server, page };
}
const snap = (s: Served) =>
  s.page.evaluate(() => {
    const x = window.studio!.snapshot();
    return JSON.parse(
      JSON.stringify({
        index: x.index,
        loading: x.loading,
        job: x.job,
        setup: x.setup && { toDetect: x.setup.toDetect, model: x.setup.model.name, currentRunId: x.setup.currentRunId },
        problems: x.problems,
        importJob: x.importJob,
        current: x.current && {
          id: x.current.row.id,
          predictions: x.current.predictions.length,
          maps: x.current.maps !== null,
        },
        message: x.message,
      }),
    ) as {
      index: number;
      loading: boolean;
      job: { jobId: string; status: string; done: number; total: number } | null;
      setup: { toDetect: number; model: string; currentRunId: number | null } | null;
      problems: { relPath: string; reason: string; stage: string }[];
      importJob: { stage: string; message: string } | null;
      current: { id: number; predictions: number; maps: boolean } | null;
      message: string | null;
    };
  });
const shot = async (s: Served, name: string) => {
  if (SCREENSHOTS) await s.page.screenshot({ path: path.join(SCREENSHOTS, name) });
};
const predictionRows = (s: Served) =>
  s.project.db.prepare('SELECT run_id, image_id, created_at FROM predictions ORDER BY run_id, image_id').all() as {
    run_id: number;
    image_id: number;
    created_at: number;
  }[];

beforeAll(async () => {
  ensureBuild(PROJECT_ROOT, () => undefined);
  browser = await launchBrowser();
  // Real photos (COCO val2017) in nested folders, and one file that is not an image.
  const photoDir = mkdtempSync(path.join(tmpdir(), 'sp-e2e12-'));
  mkdirSync(path.join(photoDir, 'street', 'day'), { recursive: true });
  const jpgs = readdirSync(VAL)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, 5);
  for (const [i, f] of jpgs.entries())
    copyFileSync(path.join(VAL, f), path.join(photoDir, i < 3 ? 'street/day' : '', f));
  writeFileSync(path.join(photoDir, 'street', 'notes.jpg'), 'these are notes, not a photo');
  const pre = await openProjectFolder(photoDir, { modelPath: MODEL });
  // Three photos were detected earlier (as `simplepose detect` would with the project's settings).
  await pre.service.setDetectSetup({ settings: { scales: [0.5], flip: true, mode: 'fast' } });
  const three = pre.db.prepare("UPDATE images SET missing = 1 WHERE rel_path NOT LIKE 'street/day/%'");
  three.run();
  await runDetectJob(pre.db, {
    modelPath: MODEL,
    root: pre.root,
    settings: { scales: [0.5], flip: true, mode: 'fast' },
    cacheDir: projectCacheDir(pre.root),
  });
  pre.db.prepare('UPDATE images SET missing = 0').run();
  await pre.close();
  photos = await serve(photoDir);
  // The sample project (synthetic people, with its ground truth) for the evaluation panel: its images folder.
  const sampleDir = mkdtempSync(path.join(tmpdir(), 'sp-e2e12-sample-'));
  const src = path.join(PROJECT_ROOT, 'resources', 'sample-project', 'images');
  for (const f of readdirSync(src).sort().slice(0, 8)) copyFileSync(path.join(src, f), path.join(sampleDir, f));
  copyFileSync(path.join(src, '..', 'annotations.json'), path.join(sampleDir, 'annotations.json'));
  sample = await serve(sampleDir);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  for (const s of [photos, sample]) {
    await s?.server.close();
    await s?.project.close();
  }
});

describe('detection the user can follow', () => {
  it('says once that the synthetic-only model is on photos, with what to do instead', async () => {
    const notice = photos.page.locator('[data-testid=model-notice]');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(
      /imhn-synth-tiny was trained on synthetic people only \(AP 0\.000 on coco mini val2017.*\): on these photos its skeletons will be poor\. For photos, import the official checkpoint \(Settings → Import a checkpoint/,
    );
    await notice.getByRole('button', { name: 'Got it' }).click();
    expect(await notice.count()).toBe(0);
    await photos.page.reload();
    await photos.page.waitForFunction(() => window.studio?.snapshot().setup !== null);
    expect(await photos.page.locator('[data-testid=model-notice]').count()).toBe(0);
    // the sample project is synthetic: no notice there
    expect(await sample.page.locator('[data-testid=model-notice]').count()).toBe(0);
  });

  it('lists the file that could not be read, with the reason', async () => {
    const link = photos.page.locator('[data-testid=problems-link]');
    await expect.poll(() => link.textContent()).toBe('⚠ 1 file could not be used: why?');
    await link.click();
    const rows = photos.page.locator('[data-testid=problems] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/^street\/notes\.jpgreading the folder.+/);
    await photos.page.keyboard.press('Escape');
  });

  it('Run detection takes only the two photos without a prediction; each shows while the job runs', async () => {
    const before = predictionRows(photos);
    expect(before.map((r) => r.run_id)).toEqual([1, 1, 1]);
    const button = photos.page.locator('[data-testid=run-detection]');
    expect(await button.textContent()).toBe('Run detection (2)');
    // Open one of the two photos still without a prediction: it must show its own as soon as it is done.
    const target = (await photos.project.service.listImages({})).images.find(
      (im) => !before.some((r) => r.image_id === im.id) && !im.missing,
    )!;
    const images = (await photos.project.service.listImages({})).images;
    const index = images.findIndex((im) => im.id === target.id);
    const other = images.find((im) => im.id !== target.id && !im.missing && !before.some((r) => r.image_id === im.id))!;
    await photos.page.evaluate((i) => window.studio!.openIndex(i), index);
    expect((await snap(photos)).current).toMatchObject({ id: target.id, maps: false });
    // The other photo is held: its file is a FIFO until the open photo has shown its prediction, so the job is still
    // on it then whatever the machine's load (a race of timings before: the other photo was sometimes done first).
    const otherFile = path.join(photos.project.root, other.relPath);
    const otherBytes = readFileSync(otherFile);
    rmSync(otherFile);
    expect(spawnSync('mkfifo', [otherFile]).status).toBe(0);
    const release = async () => {
      await writeFile(otherFile, otherBytes); // waits for the worker to open and read it
      rmSync(otherFile);
      writeFileSync(otherFile, otherBytes);
    };
    await button.click();
    // The open photo's maps and the row's score arrive while the job is still on the other photo.
    let whileRunning = false;
    try {
      await expect
        .poll(
          async () => {
            const s = await snap(photos);
            if (s.current?.maps && s.job?.status === 'running') whileRunning = true;
            return s.current?.maps;
          },
          { timeout: 60_000, interval: 50 },
        )
        .toBe(true);
    } finally {
      await release();
    }
    await expect
      .poll(async () => photos.page.locator('[data-testid=job]').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('done');
    const after = predictionRows(photos);
    expect(after.map((r) => r.run_id)).toEqual([1, 1, 1, 1, 1]);
    // the three earlier predictions are untouched
    expect(after.filter((r) => before.some((b) => b.image_id === r.image_id))).toEqual(before);
    expect(await photos.page.locator('[data-testid=job]').textContent()).toContain('5/5');
    // the setup is read again once the job has ended (a request of its own: polled)
    await expect.poll(() => button.textContent()).toBe('Detection up to date');
    expect(await button.isDisabled()).toBe(true);
    // Each row shows its score (the list follows every image as it is done).
    expect(await photos.page.locator('.image-row .score').count()).toBeGreaterThan(0);
    // The open photo is the first of the two in file order, which detection also follows: the other was running.
    expect(whileRunning).toBe(true);
  });

  it('Re-run all is an explicit choice: a dialog says what it does, then a new run over every photo', async () => {
    await photos.page.getByRole('button', { name: 'Re-run all…' }).click();
    const dialog = photos.page.getByRole('dialog', { name: 'Re-run detection on all images' });
    expect(await dialog.textContent()).toMatch(
      /new run of imhn-synth-tiny \(scales 0\.5, flip, fast decoder\) over all 5 images\. The predictions of earlier runs stay/,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(predictionRows(photos).every((r) => r.run_id === 1)).toBe(true);
    await photos.page.getByRole('button', { name: 'Re-run all…' }).click();
    const previous = (await snap(photos)).job?.jobId; // the last job's 'done' shows until the new one has started
    await photos.page.getByRole('button', { name: 'Re-run all', exact: true }).click();
    await expect
      .poll(
        async () => {
          const job = (await snap(photos)).job;
          return job?.jobId !== previous && job?.status;
        },
        { timeout: 90_000 },
      )
      .toBe('done');
    const rows = predictionRows(photos);
    expect(rows.filter((r) => r.run_id === 1)).toHaveLength(5);
    expect(rows.filter((r) => r.run_id === 2)).toHaveLength(5);
    await expect.poll(async () => (await snap(photos)).setup?.currentRunId).toBe(2);
  });
});

describe('the evaluation panel (sample project)', () => {
  it('AP … AR of a run against the reviewed images, the curve, per-joint bars, per-image OKS: sortable, a click opens', async () => {
    const s = sample;
    const imported = await s.project.service.importCoco({ path: path.join(s.project.root, 'annotations.json') });
    expect(imported.images).toBe(24); // the file holds all 24; 8 of them are in this folder
    for (let id = 1; id <= 6; id++) await s.project.service.setStatus({ imageId: id, status: 'accepted' });
    await s.page.locator('[data-testid=run-detection]').click();
    await expect.poll(async () => (await snap(s)).job?.status, { timeout: 120_000 }).toBe('done');
    await s.page.getByRole('button', { name: 'Evaluate' }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Evaluation' });
    await dialog.locator('[data-testid=eval-stats]').waitFor();
    const api = await s.project.service.evaluate({});
    for (const k of ['AP', 'AP50', 'AP75', 'APm', 'APl', 'AR'] as const)
      expect(await dialog.locator(`[data-stat=${k}]`).textContent()).toBe(
        api.overall[k] < 0 ? 'n/a' : api.overall[k].toFixed(3),
      );
    expect(api.images).toBe(6);
    expect(await dialog.locator('[data-testid=pr-curve] polyline').count()).toBe(3);
    expect(await dialog.locator('[data-testid=joint-plot] rect.joint-bar').count()).toBe(17);
    const rows = dialog.locator('[data-testid=per-image] tbody tr');
    expect(await rows.count()).toBe(6);
    // sorted by OKS, lowest first (the images to look at); a click on the header turns it round
    const oksOf = async () =>
      (await rows.evaluateAll((trs) => trs.map((tr) => tr.children[1].textContent ?? ''))).map((t) =>
        t === '—' ? Number.NaN : Number(t),
      );
    const up = (await oksOf()).filter((x) => !Number.isNaN(x));
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await dialog.getByRole('columnheader', { name: /^OKS/ }).click();
    const down = (await oksOf()).filter((x) => !Number.isNaN(x));
    expect(down).toEqual([...up].sort((a, b) => b - a));
    await shot(s, 'evaluation.png');
    const worst = await rows.first().getAttribute('data-image-id');
    await rows.first().click();
    await expect.poll(async () => (await snap(s)).current?.id).toBe(Number(worst));
    expect(await s.page.getByRole('dialog', { name: 'Evaluation' }).count()).toBe(0);
  });

  it('compare runs: per reviewed image which run agrees better with the labels, the largest gaps first; a click opens', async () => {
    const s = sample;
    // A second run with other settings (one scale, no flip): every image again, as a run of its own.
    await s.project.service.startDetect({ settings: { scales: [0.5], flip: false, mode: 'fast' } });
    const run2 = async () => (await s.project.service.evaluate({})).runs.find((r) => r.id === 2)?.status;
    await expect.poll(run2, { timeout: 150_000, interval: 500 }).toBe('done');
    const [runA, runB] = [2, 1];
    await s.page.getByRole('button', { name: 'Evaluate' }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Evaluation' });
    await dialog.locator('[data-testid=eval-stats]').waitFor();
    await dialog.getByLabel('Run', { exact: true }).selectOption(String(runA));
    await dialog.getByLabel('Compare with run').selectOption(String(runB));
    const api = await s.project.service.compareRuns({ runA, runB });
    expect(api.images).toHaveLength(6);
    await expect
      .poll(() => dialog.locator('[data-testid=compare-summary]').textContent())
      .toBe(
        `run ${runA} agrees better on ${api.summary.a}, run ${runB} on ${api.summary.b}, the same on ${api.summary.same} of 6 reviewed images`,
      );
    const rows = dialog.locator('[data-testid=compare-runs] tbody tr');
    expect(await rows.count()).toBe(6);
    const gaps = await rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const oks = (i: number) => (tr.children[i].textContent === '—' ? 0 : Number(tr.children[i].textContent));
        return Math.abs(oks(1) - oks(2));
      }),
    );
    // largest first (the shown values are rounded to 3 decimals: a step may be off by that much)
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThanOrEqual(gaps[i - 1] + 0.0011);
    const first = await rows.first().getAttribute('data-image-id');
    const row = api.images.find((r) => r.imageId === Number(first))!;
    expect(await rows.first().locator('td').nth(3).textContent()).toBe(
      row.better === 'same' ? 'same' : `run ${row.better === 'a' ? runA : runB}`,
    );
    await shot(s, 'compare-runs.png');
    await rows.first().click();
    await expect.poll(async () => (await snap(s)).current?.id).toBe(Number(first));
  }, 240_000);

  it('with nothing reviewed it says what to do', async () => {
    const s = photos;
    await s.page.getByRole('button', { name: 'Evaluate' }).click();
    await expect
      .poll(() => s.page.locator('[data-testid=evaluation-error]').textContent())
      .toMatch(/^The evaluation failed: no reviewed images yet: accept images \(Enter\) or mark them "no person"/);
    await s.page.keyboard.press('Escape');
  });
});

describe('Settings → Import a checkpoint', () => {
  it('runs the project exporter as a job with progress, registers the model and card, and uses it', async () => {
    const s = photos;
    const ckpt = path.join(s.project.root, 'PoseNet_tiny.pth');
    const made = spawnSync('/usr/bin/python3', ['-m', 'training.make_test_model', '--checkpoint', ckpt], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    await s.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Settings' });
    expect(await dialog.locator('[data-testid=model-facts]').textContent()).toMatch(
      /imhn-synth-tiny \(bundled with the app\)Trained on: synthetic people only \(simplepose synth, 6,000 images\)/,
    );
    await dialog.getByLabel('Checkpoint file').fill(ckpt);
    await dialog.getByRole('button', { name: 'Import checkpoint' }).click();
    const job = dialog.locator('[data-testid=import-job]');
    const stages = new Set<string>();
    await expect
      .poll(
        async () => {
          const stage = (await job.getAttribute('data-stage')) ?? '';
          stages.add(stage);
          return stage;
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe('done');
    expect(stages.has('exporting') || stages.has('verifying') || stages.has('loading')).toBe(true);
    expect(await job.textContent()).toMatch(
      /done: imported PoseNet_tiny\.pth as PoseNet_tiny\.onnx; detection now uses it/,
    );
    await expect.poll(() => dialog.getByLabel('Model', { exact: true }).inputValue()).toMatch(/^id:\d+$/);
    expect(await dialog.locator('[data-testid=model-facts]').textContent()).toMatch(
      /PoseNet_tiny.*Trained on: not stated in its card \(exported from PoseNet_tiny\.pth\)1\.1 M parameters/,
    );
    await shot(s, 'model-import.png');
    const setup = await s.project.service.getDetectSetup({});
    expect(setup.model).toMatchObject({ name: 'PoseNet_tiny', bundled: false, exists: true });
    expect(setup.toDetect).toBe(5); // a new model: every photo lacks its prediction
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => s.page.locator('[data-testid=model-status]').textContent())
      .toMatch(/^model: PoseNet_tiny · provider/);
    await expect.poll(() => s.page.locator('[data-testid=run-detection]').textContent()).toBe('Run detection (5)');
    expect(errors).toEqual([]);
  });

  it('a Python without PyTorch: the failure says exactly what is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-e2e12-nopy-'));
    copyFileSync(path.join(VAL, readdirSync(VAL).find((f) => f.endsWith('.jpg'))!), path.join(dir, 'a.jpg'));
    writeFileSync(path.join(dir, 'model.pth'), 'never read: the check comes first');
    const project = await openProjectFolder(dir, { modelPath: MODEL, python: '/nonexistent/python3' });
    const server = await startServer({
      service: project.service,
      root: project.root,
      staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => window.studio?.snapshot().setup !== null);
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      await page.getByLabel('Checkpoint file').fill(path.join(dir, 'model.pth'));
      await page.getByRole('button', { name: 'Import checkpoint' }).click();
      const job = page.locator('[data-testid=import-job]');
      await expect.poll(() => job.getAttribute('data-stage'), { timeout: 30_000 }).toBe('failed');
      expect(await job.textContent()).toMatch(
        /failed: Python was not found at "\/nonexistent\/python3": .*install PyTorch for it \(Debian\/Ubuntu: sudo apt-get install python3-torch/,
      );
    } finally {
      await page.close();
      await server.close();
      await project.close();
    }
  });
});
