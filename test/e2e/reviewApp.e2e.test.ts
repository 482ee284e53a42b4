// The review app end to end, in Debian's Chromium against web mode: a project made from real COCO photos
// (../shared/data, copied to a temporary folder, since the server serves only files inside the project root) and
// the bundled model. Every step checks the database through the API, not only the DOM; the overlay test reads
// canvas pixels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from './launchBrowser.ts';
import { dragAtHandPace } from './dragPointer.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { COCO_TRAIN_IMAGES, PROJECT_ROOT } from '../support/fixturePaths.ts';
import { parseNpy } from '../../src/core/tensor/parseNpy.ts';
import { PassUpsampler, TILE_PX } from '../../src/core/codec/reference/passUpsampler.ts';
import { passGeometry } from '../../src/core/codec/passGeometry.ts';
import { colormapLut, lutIndex } from '../../src/core/geometry/colormap.ts';
import { validateCocoGt } from '../../src/core/coco/validateCoco.ts';
import { COCO_KEYPOINTS } from '../../src/core/skeleton/poseMeta.ts';

const MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs', 'screenshots') : null;
const missing = chromiumMissing();
if (missing) throw new Error(`end-to-end tests need Chromium: ${missing}`);

let browser: Browser, page: Page, project: OpenProject, server: Awaited<ReturnType<typeof startServer>>, folder: string;
const errors: string[] = [];

interface Snap {
  index: number;
  loading: boolean;
  viewport: { scale: number; offsetX: number; offsetY: number };
  current: {
    row: { id: number; width: number; height: number; status: string };
    state: {
      order: string[];
      persons: Record<string, { joints: ({ x: number; y: number; v: number; source: string } | null)[] }>;
    };
    predictions: unknown[];
    maps: unknown;
  } | null;
  selection: { personId: string | null; joint: number | null };
  placeMode: boolean;
  job: { status: string } | null;
  heatmap: { channel: number; visible: boolean; opacity: number };
}
const snap = () =>
  page.evaluate(() => {
    const s = window.studio!.snapshot();
    return JSON.parse(
      JSON.stringify({
        ...s,
        current: s.current && {
          ...s.current,
          image: null,
          maps: s.current.maps ? { w: s.current.maps.w, h: s.current.maps.h } : null,
        },
      }),
    ) as unknown;
  }) as Promise<Snap>;
const api = async (method: string, body: unknown) => {
  const r = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return r.json() as Promise<Record<string, unknown>>;
};
type Joint = { x: number; y: number; v: number; source: string } | null;
const annotation = async (imageId: number) =>
  (await api('getAnnotation', { imageId })) as unknown as {
    state: { persons: Record<string, { joints: Joint[] }> };
    history: { cursor: number; length: number };
  };
/** Waits until the image at list index `i` is open and shown (not just asked for). */
const opened = (i: number) =>
  expect
    .poll(async () => {
      const s = await snap();
      return s.index === i && !s.loading && s.current !== null;
    })
    .toBe(true);
const toScreen = (s: Snap, x: number, y: number): [number, number] => [
  x * s.viewport.scale + s.viewport.offsetX,
  y * s.viewport.scale + s.viewport.offsetY,
];
const canvasBox = async () => (await page.locator('[data-testid=canvas]').boundingBox())!;
const shot = async (name: string) => {
  if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name) });
};

beforeAll(async () => {
  ensureBuild(PROJECT_ROOT, () => undefined);
  folder = mkdtempSync(path.join(tmpdir(), 'sp-e2e-'));
  mkdirSync(path.join(folder, 'photos'));
  for (const f of readdirSync(COCO_TRAIN_IMAGES)
    .filter((x) => x.endsWith('.jpg'))
    .sort()
    .slice(0, 5))
    copyFileSync(path.join(COCO_TRAIN_IMAGES, f), path.join(folder, 'photos', f));
  project = await openProjectFolder(folder, { modelPath: MODEL });
  server = await startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.studio?.snapshot().current !== null);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  project?.close();
});

describe('the review app in a real browser (web mode)', () => {
  it('opens the project: list, first image, model', async () => {
    await expect.poll(() => page.locator('[data-testid=list-count]').textContent()).toBe('5 images');
    expect(await page.locator('.image-row').count()).toBe(5);
    expect(await page.locator('[data-testid=model-status]').textContent()).toContain('imhn-synth-tiny');
    expect(await page.locator('[data-testid=counter]').textContent()).toBe('1 / 5');
    const s = await snap();
    expect(s.current!.row.status).toBe('unreviewed'); // viewing is not reviewing
  });

  it('runs detection with progress and shows the predicted skeletons', async () => {
    await page.getByRole('button', { name: 'Run detection' }).click();
    await page.locator('[data-testid=job] progress').waitFor();
    await expect
      .poll(async () => page.locator('[data-testid=job]').getAttribute('data-status'), { timeout: 90_000 })
      .toBe('done');
    expect(await page.locator('[data-testid=job]').textContent()).toContain('5/5');
    await expect.poll(async () => (await snap()).current!.maps !== null).toBe(true);
    const preds = await Promise.all([1, 2, 3, 4, 5].map((imageId) => api('getPredictions', { imageId })));
    expect(preds.every((p) => p.runId === 1)).toBe(true);
    const s = await snap();
    expect(s.current!.predictions.length).toBe((preds[0].poses as unknown[]).length);
    // Dashed ghosts are drawn for the predictions until accepted: the skeleton layer has pixels iff there are joints.
    const predictedJoints = (preds[0].poses as { joints: unknown[] }[]).reduce(
      (n, p) => n + p.joints.filter((j) => j).length,
      0,
    );
    await page.waitForTimeout(100);
    const painted = await page.evaluate(() => {
      const layer = document.querySelectorAll('.konvajs-content canvas')[2] as HTMLCanvasElement;
      const d = layer.getContext('2d')!.getImageData(0, 0, layer.width, layer.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    expect(painted > 0).toBe(predictedJoints > 0);
    expect(preds.some((p) => (p.poses as unknown[]).length > 0)).toBe(true);
    await shot('review-predictions.png');
  }, 120_000);

  it("switches heatmap channels: overlay pixels are the decoder's full-resolution map through the colormap", async () => {
    const s = await snap();
    const { id, width: W, height: H } = s.current!.row;
    const maps = parseNpy(
      new Uint8Array(
        await (await fetch(`http://127.0.0.1:${server.port}/maps/${id}?token=${server.token}`)).arrayBuffer(),
      ),
    );
    const [, h, w] = maps.shape;
    const multiplier = ((await api('getPredictions', { imageId: id })).maps as { multiplier: number }).multiplier;
    const up = new PassUpsampler(passGeometry(W, H, multiplier));
    const lut = colormapLut('turbo', 1);
    /** The full-resolution channel as the decoder computes it, and its hottest and coldest pixels. */
    const fullRes = (channel: number) => {
      const plane = maps.data.subarray(channel * h * w, (channel + 1) * h * w);
      const out = new Float64Array(TILE_PX * TILE_PX);
      let hi = { v: -Infinity, x: 0, y: 0 },
        lo = { v: Infinity, x: 0, y: 0 };
      for (let ty = 0; ty < up.tilesY; ty++)
        for (let tx = 0; tx < up.tilesX; tx++) {
          up.computeTileApprox(plane, ty, tx, out);
          for (let y = 0; y < Math.min(TILE_PX, H - ty * TILE_PX); y++)
            for (let x = 0; x < Math.min(TILE_PX, W - tx * TILE_PX); x++) {
              const v = out[y * TILE_PX + x],
                px = tx * TILE_PX + x,
                py = ty * TILE_PX + y;
              // Away from the border, so that the screen pixel read is surely inside this image pixel's square.
              if (px < 2 || py < 2 || px > W - 3 || py > H - 3) continue;
              if (v > hi.v) hi = { v, x: px, y: py };
              if (v < lo.v) lo = { v, x: px, y: py };
            }
        }
      return { hi, lo };
    };
    const overlayAt = async (channel: number) => {
      await page.getByLabel('Heatmap channel').selectOption(String(channel));
      await expect.poll(async () => (await snap()).heatmap.channel).toBe(channel);
      await page.waitForTimeout(150);
      const cur = await snap();
      const { hi, lo } = fullRes(channel);
      const [hx, hy] = toScreen(cur, hi.x, hi.y).map(Math.round),
        [lx, ly] = toScreen(cur, lo.x, lo.y).map(Math.round);
      const read = await page.evaluate(
        ([hx, hy, lx, ly]) => {
          const layer = document.querySelectorAll('.konvajs-content canvas')[1] as HTMLCanvasElement;
          const ctx = layer.getContext('2d')!;
          let sum = 0;
          for (const v of ctx.getImageData(0, 0, layer.width, layer.height).data) sum += v;
          return {
            hiPixel: [...ctx.getImageData(hx, hy, 1, 1).data],
            loPixel: [...ctx.getImageData(lx, ly, 1, 1).data],
            sum,
          };
        },
        [hx, hy, lx, ly],
      );
      return { hi, lo, ...read };
    };
    const expectColour = (pixel: number[], value: number, opacity: number) => {
      const k = lutIndex(value) * 4;
      expect(Math.abs(pixel[3] - lut[k + 3] * opacity)).toBeLessThanOrEqual(3);
      if (pixel[3] > 60) for (let c = 0; c < 3; c++) expect(Math.abs(pixel[c] - lut[k + c])).toBeLessThanOrEqual(6);
    };
    await page.getByLabel('Show overlay').check();
    const opacity = (await snap()).heatmap.opacity;
    const a = await overlayAt(49);
    expect(a.hi.v).toBeGreaterThan(a.lo.v);
    expectColour(a.hiPixel, a.hi.v, opacity);
    expectColour(a.loPixel, a.lo.v, opacity);
    await shot('review-heatmap.png');
    const b = await overlayAt(48);
    expectColour(b.hiPixel, b.hi.v, opacity);
    expectColour(b.loPixel, b.lo.v, opacity);
    expect(b.sum).not.toBe(a.sum);
    await page.getByLabel('Show overlay').uncheck();
    await page.locator('body').click({ position: { x: 5, y: 845 } });
  });

  it('places a missing joint, drags it (database updated, undo restores), cycles visibility, swaps L/R', async () => {
    await page.keyboard.press('p'); // add a person: place mode on its first joint
    let s = await snap();
    expect(s.placeMode).toBe(true);
    const pid = s.selection.personId!;
    const box = await canvasBox();
    const [nx, ny] = toScreen(s, s.current!.row.width * 0.4, s.current!.row.height * 0.4);
    await page.mouse.click(box.x + nx, box.y + ny);
    await expect
      .poll(async () => (await annotation(s.current!.row.id)).state.persons[pid]?.joints[0])
      .toMatchObject({ v: 2, source: 'human' });
    await expect.poll(async () => (await snap()).selection.joint).toBe(1); // moved on to the next missing joint
    s = await snap();
    const placed = s.current!.state.persons[pid].joints[0]!;
    expect(placed.x).toBeCloseTo(s.current!.row.width * 0.4, 0);
    expect(s.placeMode).toBe(true);
    // Place the left eye too (for the swap below), then leave place mode.
    const [ex, ey] = toScreen(s, s.current!.row.width * 0.5, s.current!.row.height * 0.35);
    await page.mouse.click(box.x + ex, box.y + ey);
    await page.keyboard.press('Escape');
    const imageId = s.current!.row.id;
    const load = async () => (await annotation(imageId)).state.persons[pid];
    await expect.poll(async () => (await load())?.joints[1] !== null).toBe(true);

    // Drag the nose by (+60, +40) screen px: one undo step, saved.
    s = await snap();
    const [jx, jy] = toScreen(s, placed.x, placed.y);
    await dragAtHandPace(page, box.x + jx, box.y + jy, 60, 40);
    const moved = { x: placed.x + 60 / s.viewport.scale, y: placed.y + 40 / s.viewport.scale };
    await expect.poll(async () => (await load()).joints[0]!.x, { timeout: 5000 }).toBeCloseTo(moved.x, 0);
    expect((await load()).joints[0]!.y).toBeCloseTo(moved.y, 0);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await load()).joints[0]!.x).toBeCloseTo(placed.x, 3);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(async () => (await load()).joints[0]!.x).toBeCloseTo(moved.x, 0);

    // Visibility 2 → 1 on the selected joint (the nose, selected by the drag).
    await page.keyboard.press('v');
    await expect.poll(async () => (await load()).joints[0]!.v).toBe(1);
    // Swap left/right: the left eye (1) becomes the right eye (2).
    const leftEye = (await load()).joints[1]!;
    await page.keyboard.press('s');
    await expect.poll(async () => (await load()).joints[2]).toMatchObject({ x: leftEye.x, y: leftEye.y });
    expect((await load()).joints[1]).toBeNull();
    expect(await page.locator(`[data-joint=${COCO_KEYPOINTS[2]}]`).count()).toBe(1);
    await shot('review-editing.png');
  });

  it('accepts predictions and the image, goes to the next; shortcuts overlay lists every command', async () => {
    const first = (await snap()).current!.row.id;
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await opened(1);
    expect(await page.locator('[data-testid=counter]').textContent()).toBe('2 / 5');
    const rows = (await api('listImages', {})) as { images: { id: number; status: string }[] };
    expect(rows.images.find((r) => r.id === first)!.status).toBe('accepted');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await page.locator('.shortcuts tr').count()).toBeGreaterThan(20);
    await shot('shortcuts.png');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('zooms about the pointer with the wheel, fits with F, walks joints with Tab; review queue order', async () => {
    const box = await canvasBox();
    const before = await snap();
    const [px, py] = [box.width * 0.3, box.height * 0.6];
    const imagePoint = [
      (px - before.viewport.offsetX) / before.viewport.scale,
      (py - before.viewport.offsetY) / before.viewport.scale,
    ];
    await page.mouse.move(box.x + px, box.y + py);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => (await snap()).viewport.scale).toBeGreaterThan(before.viewport.scale * 1.2);
    const zoomed = await snap();
    // The image point under the pointer stays under it.
    expect(imagePoint[0] * zoomed.viewport.scale + zoomed.viewport.offsetX).toBeCloseTo(px, 0);
    expect(imagePoint[1] * zoomed.viewport.scale + zoomed.viewport.offsetY).toBeCloseTo(py, 0);
    await page.keyboard.press('f');
    await expect.poll(async () => (await snap()).viewport.scale).toBeCloseTo(before.viewport.scale, 6);
    await page.keyboard.press('p'); // a person to walk through (this image may have no predictions)
    await page.keyboard.press('Tab');
    const t1 = await snap();
    expect(t1.selection.joint).not.toBeNull();
    await page.keyboard.press('Tab');
    expect((await snap()).selection.joint).toBe((t1.selection.joint! + 1) % 17);
    await page.keyboard.press('Shift+Tab');
    expect((await snap()).selection.joint).toBe(t1.selection.joint);
    await page.keyboard.press('Escape');

    // The queue as the UI will fetch it.
    const queue = (await api('reviewQueue', { by: 'uncertainty' })) as { images: { imageId: number }[] };
    await page.getByLabel('Order').selectOption('uncertainty');
    await expect
      .poll(async () => page.locator('.image-row .row-name').allTextContents())
      .toHaveLength(queue.images.length);
    const listed = (await api('listImages', { ids: queue.images.map((q) => q.imageId) })) as {
      images: { relPath: string }[];
    };
    expect(await page.locator('.image-row .row-name').allTextContents()).toEqual(listed.images.map((r) => r.relPath));
    await page.getByLabel('Order').selectOption('file');
    await expect.poll(async () => page.locator('.image-row').count()).toBe(5);
    await page.locator('.image-row').nth(1).click();
    await opened(1);
  });

  it('exports COCO that passes the validator', async () => {
    await page.getByRole('button', { name: 'Export COCO…' }).click();
    const out = path.join(folder, 'e2e-export.json');
    // The dialog proposes a file in the project folder.
    await expect
      .poll(() => page.getByLabel('Export file').inputValue())
      .toBe(path.join(folder, `${path.basename(folder)}-coco-keypoints.json`));
    await page.getByLabel('Export file').fill(out);
    await shot('export-dialog.png');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid=export-result]').textContent()).toContain('Wrote 1 images');
    const json = JSON.parse(readFileSync(out, 'utf8')) as { images: unknown[]; annotations: { keypoints: number[] }[] };
    expect(validateCocoGt(json)).toEqual([]);
    expect(json.images).toHaveLength(1);
    expect(json.annotations.length).toBeGreaterThanOrEqual(1);
    // A folder that does not exist: a clear message in the dialog, nothing written.
    await page.getByLabel('Export file').fill(path.join(folder, 'no-such-folder', 'x.json'));
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect
      .poll(() => page.locator('[data-testid=export-result]').textContent())
      .toMatch(/no-such-folder.*(does not exist|ENOENT)/);
    await page.keyboard.press('Escape');
  });

  it("a wrong ONNX model chosen in the settings: detection fails with the loader's message, nothing changes", async () => {
    const before = await api('projectInfo', {});
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // a model file the user put in the project folder (the app loads models only from there, or its own)
    const wrong = path.join(folder, 'wrong-channels.onnx');
    copyFileSync(path.join(PROJECT_ROOT, 'test/fixtures/model/wrong-channels.onnx'), wrong);
    await page.getByLabel('Model file').fill(wrong);
    await page.getByRole('button', { name: 'Save' }).click();
    // the project's model now (the top bar names it, its path in the tooltip)
    await expect.poll(() => page.locator('[data-testid=model-status]').textContent()).toContain('wrong-channels');
    expect(await page.locator('[data-testid=model-status]').getAttribute('title')).toContain('wrong-channels.onnx');
    await page.getByRole('button', { name: 'Run detection' }).click();
    await expect.poll(async () => page.locator('[data-testid=job]').getAttribute('data-status')).toBe('failed');
    expect(await page.locator('[data-testid=job]').textContent()).toMatch(/channel/);
    expect((await api('projectInfo', {})).lastRun).toEqual(before.lastRun);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // the wrong model stays registered in the project (Settings lists it); the bundled one is first in the list
    await page.getByLabel('Model', { exact: true }).selectOption({ index: 0 });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('[data-testid=model-status]').textContent()).toContain('imhn-synth-tiny');
  });

  it('an image deleted from disk after opening the project: a clear message on the canvas', async () => {
    const rows = (await api('listImages', {})) as { images: { id: number; relPath: string }[] };
    rmSync(path.join(folder, rows.images[4].relPath));
    // A new window (no cached copy of the image in the page or the browser).
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const other = await context.newPage();
    await other.goto(server.url);
    await other.waitForFunction(() => window.studio?.snapshot().current !== null);
    await other.locator('.image-row').nth(4).click();
    await expect
      .poll(() => other.getByRole('alert').textContent())
      .toBe(`${rows.images[4].relPath}: the image cannot be shown (missing or not an image the browser decodes)`);
    await context.close();
  });

  it('after a reload everything is as it was left (image, edits, status, undo history)', async () => {
    await page.locator('.image-row').nth(0).click();
    await opened(0);
    const before = await api('getAnnotation', { imageId: 1 });
    await page.reload();
    await page.waitForFunction(() => window.studio?.snapshot().current !== null);
    const s = await snap();
    expect(s.current!.row.id).toBe(1);
    expect(s.current!.row.status).toBe('accepted');
    expect(s.current!.state).toEqual(before.state);
    expect(await page.getByRole('button', { name: /^Undo/ }).isEnabled()).toBe(true);
    // Another client (a second window) adds a person to the open image: this page follows.
    const ext = { id: 'ext', joints: new Array(17).fill(null), crowd: false };
    await api('saveEdits', {
      imageId: 1,
      revision: before.revision,
      steps: [{ kind: 'do', diff: { added: { ext }, updated: {}, removed: {} }, label: 'from elsewhere' }],
    });
    await expect.poll(async () => (await snap()).current!.state.order.includes('ext')).toBe(true);
    expect(errors).toEqual([]);
  });
});
