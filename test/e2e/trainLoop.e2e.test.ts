// Issue 16 in Debian's Chromium against web mode: Train… fine-tunes the model in use (here the test fixture's tiny
// IMHN, so that a few steps take seconds) on the project's established ground truth, the dialog's plot draws the
// training loss of every step and the validation AP, the models are compared on the held-out images, and "Use for
// detection" switches the project's model; each step checked through the API too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';
import { compareModels, tmpBase, trainFolder, trainProject } from '../support/trainProject.ts';

const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs', 'screenshots') : null;
const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

let browser: Browser, page: Page, project: OpenProject, server: Awaited<ReturnType<typeof startServer>>;
const errors: string[] = [];

beforeAll(async () => {
  ensureBuild(PROJECT_ROOT, () => undefined);
  browser = await launchBrowser();
  project = await trainProject(trainFolder(tmpBase(), 8, 10), { modelPath: MODEL });
  server = await startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.studio?.snapshot().current !== null);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await project?.close();
});

const training = () =>
  page.evaluate(() => JSON.parse(JSON.stringify(window.studio!.snapshot().training))) as Promise<{
    job: { stage: string; step: number; steps: number | null; message: string; modelId?: number } | null;
    points: { step: number; loss?: number; valLoss?: number; valAP?: number }[];
    comparison: { models: { name: string; inUse: boolean; stats: { AP: number } | null }[] } | null;
    comparing: { jobId: string | null; done: number; total: number } | null;
  }>;
/** Every state of the running comparison the page went through (sampled every 2 ms in the page). */
const watchComparing = () =>
  page.evaluate(() => {
    const w = window as unknown as { seenComparing: unknown[] };
    w.seenComparing = [];
    setInterval(() => {
      const c = window.studio!.snapshot().training.comparing;
      if (c) w.seenComparing.push(JSON.parse(JSON.stringify(c)));
    }, 2);
  });
const seenComparing = () =>
  page.evaluate(() => (window as unknown as { seenComparing: unknown[] }).seenComparing) as Promise<
    { jobId: string | null; done: number; total: number }[]
  >;

describe('Train in the review app', () => {
  it('trains, plots its loss and validation AP live, compares the models and switches the one that detects', async () => {
    await page.getByTestId('open-train').click();
    await watchComparing();
    await page.getByTestId('train-steps').fill('4');
    await page.getByTestId('train-start').click();
    // while it runs: the status line and the plot follow it
    await expect.poll(async () => (await training()).job?.stage, { timeout: 120_000 }).toBe('training');
    await expect.poll(async () => (await training()).job?.stage, { timeout: 300_000 }).toBe('done');
    const t = await training();
    expect(t.job!.message).toMatch(
      /^trained 4 steps, validation AP \d\.\d{3}; registered as trained-1: compare it with the others and choose the model that detects$/,
    );
    expect(t.points.filter((p) => p.loss !== undefined).map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(t.points.some((p) => p.valLoss !== undefined)).toBe(true);
    expect(t.points.some((p) => p.valAP !== undefined)).toBe(true);
    const plot = page.getByTestId('train-plot');
    expect(await plot.locator('[data-series=loss]').getAttribute('data-points')).toBe('4');
    expect(Number(await plot.locator('[data-series=valAP]').getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await plot.locator('[data-series=valAP] circle').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('train-status').getAttribute('data-stage')).toBe('done');
    // the job panel (status bar) says it too
    expect(await page.getByTestId('train-job').textContent()).toMatch(/^training done: step 4\/4 · loss \d+\.\d{3}$/);

    // the comparison comes after a training: both models on the same held-out images; the new one is not put in
    // use unasked (a few steps can make a model worse): the user chooses
    await expect.poll(() => page.getByTestId('compared-model').count(), { timeout: 120_000 }).toBe(2);
    const rows = page.getByTestId('compared-model');
    expect(await rows.nth(0).textContent()).toMatch(/^tiny \(bundled\)\d\.\d{3}.*detects$/);
    expect(await rows.nth(1).getAttribute('data-in-use')).toBe('false');
    expect((await project.service.getDetectSetup({})).model.bundled).toBe(true);
    // it ran as a job: the dialog followed its progress (image runs of both models), the request never held it
    const seen = (await seenComparing()).filter((c) => c.jobId !== null && c.total > 0);
    expect(seen.length, 'progress shown').toBeGreaterThan(0);
    expect(seen.every((c) => c.total === seen[0].total && c.done <= c.total)).toBe(true);
    expect(seen[0].total % 2).toBe(0); // 2 models × the held-out images

    // kept: a reloaded window finds the comparison without running it again
    const kept = (await project.service.listComparisons({})).comparisons.length;
    await page.reload();
    await page.waitForFunction(() => window.studio?.snapshot().current !== null);
    await page.getByTestId('open-train').click();
    await expect.poll(() => page.getByTestId('compared-model').count(), { timeout: 30_000 }).toBe(2);
    expect((await project.service.listComparisons({})).comparisons.length).toBe(kept);
    await rows.nth(1).getByRole('button', { name: 'Use for detection' }).click();
    await expect.poll(() => rows.nth(1).getAttribute('data-in-use')).toBe('true');
    expect(await rows.nth(1).textContent()).toMatch(/^trained-1\d\.\d{3}.*detects$/);
    const api = await compareModels(project);
    expect(api.models.map((m) => m.stats!.AP.toFixed(3))).toEqual(
      (await training()).comparison!.models.map((m) => m.stats!.AP.toFixed(3)),
    );
    expect((await project.service.getDetectSetup({})).model.name).toBe('trained-1');
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'train-dialog.png') });

    // the user chooses which model detects
    await rows.nth(0).getByRole('button', { name: 'Use for detection' }).click();
    await expect.poll(async () => (await project.service.getDetectSetup({})).model.bundled).toBe(true);
    await expect.poll(() => rows.nth(0).getAttribute('data-in-use')).toBe('true');
    expect(errors).toEqual([]);
  }, 600_000);
});
