// One review app in Chromium over a project of real COCO photos, for the end-to-end tests of the review flow: the
// project (copied to a temporary folder: the server serves only files inside its root), optionally detected with
// the bundled model, the web-mode server, a page, and the helpers the tests read it with (the engine's snapshot,
// the API as another client).
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './launchBrowser.ts';
import { ensureBuild } from '../../scripts/ensureBuild.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { startServer } from '../../src/server/startServer.ts';
import { runDetectJob } from '../../src/node/jobs/detectJob.ts';
import { projectCacheDir } from '../../src/node/project/mapCache.ts';
import { PROJECT_ROOT, SHARED_ROOT } from '../support/fixturePaths.ts';

export const MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs', 'screenshots') : null;
/** coco-mini photos: the crowded one (144 predicted persons with the bundled model) first. */
export const PHOTOS = [
  'val2017/000000217285.jpg',
  'val2017/000000183709.jpg',
  'val2017/000000350679.jpg',
  'val2017/000000126107.jpg',
].map((f) => path.join(SHARED_ROOT, 'data', 'coco-mini', f));

export interface Snap {
  index: number;
  loading: boolean;
  viewport: { scale: number; offsetX: number; offsetY: number };
  canvas: { w: number; h: number };
  current: {
    row: { id: number; width: number; height: number; status: string };
    state: {
      order: string[];
      persons: Record<string, { joints: ({ x: number; y: number; v: number; source: string } | null)[] }>;
      rejectedPredictions?: string[];
    };
  } | null;
  selection: { personId: string | null; joint: number | null };
  prediction: string | null;
  heatmap: { channel: number; visible: boolean; followHover: boolean };
  triagePrefs: { showPredictions: boolean };
  threshold: { personScoreThreshold: number; isDefault: boolean };
  triage: {
    counts: Record<string, number>;
    pending: { key: string; index: number; score: number }[];
  } | null;
  prompt: { review: string; pending: number } | null;
  message: string | null;
  pending: number;
}

export interface ReviewPage {
  browser: Browser;
  page: Page;
  project: OpenProject;
  folder: string;
  server: Awaited<ReturnType<typeof startServer>>;
  errors: string[];
  snap(p?: Page): Promise<Snap>;
  api<T = Record<string, unknown>>(method: string, body: unknown): Promise<T>;
  /** Waits until the image at list index `i` is open and shown. */
  opened(i: number, p?: Page): Promise<void>;
  /** Screen point (page px) of an image point. */
  toPage(x: number, y: number, p?: Page): Promise<[number, number]>;
  shot(name: string): Promise<void>;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** The project (photos copied into `photos/`), detected with the bundled model when `detect`, served, one page open. */
export async function openReviewPage(
  o: { photos?: string[]; detect?: boolean; before?: (project: OpenProject) => Promise<unknown> } = {},
): Promise<ReviewPage> {
  ensureBuild(PROJECT_ROOT, () => undefined);
  const folder = mkdtempSync(path.join(tmpdir(), 'sp-e2e-review-'));
  mkdirSync(path.join(folder, 'photos'));
  for (const f of o.photos ?? PHOTOS) copyFileSync(f, path.join(folder, 'photos', path.basename(f)));
  const project = await openProjectFolder(folder, { modelPath: MODEL });
  if (o.detect)
    await runDetectJob(project.db, {
      modelPath: MODEL,
      root: project.root,
      settings: { scales: [1], flip: true, mode: 'fast' },
      cacheDir: projectCacheDir(project.root),
    });
  await o.before?.(project);
  const server = await startServer({
    service: project.service,
    root: project.root,
    staticDir: path.join(PROJECT_ROOT, 'out', 'renderer'),
  });
  const browser = await launchBrowser();
  const errors: string[] = [];
  const newPage = async () => {
    const p = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(server.url);
    await p.waitForFunction(() => window.studio?.snapshot().current != null && !window.studio.snapshot().loading);
    return p;
  };
  const page = await newPage();
  const snap = (p: Page = page) =>
    p.evaluate(() => {
      const s = window.studio!.snapshot();
      return JSON.parse(JSON.stringify({ ...s, current: s.current && { ...s.current, image: null, maps: null } }));
    }) as Promise<Snap>;
  return {
    browser,
    page,
    project,
    folder,
    server,
    errors,
    snap,
    newPage,
    async api<T>(method: string, body: unknown) {
      const r = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await r.json()) as T;
    },
    async opened(i, p = page) {
      await p.waitForFunction(
        (n) => {
          const s = window.studio!.snapshot();
          return s.index === n && !s.loading && s.current !== null;
        },
        i,
        { timeout: 15_000 },
      );
    },
    async toPage(x, y, p = page) {
      const s = await snap(p);
      const box = (await p.locator('[data-testid=canvas]').boundingBox())!;
      return [box.x + x * s.viewport.scale + s.viewport.offsetX, box.y + y * s.viewport.scale + s.viewport.offsetY];
    },
    async shot(name) {
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name) });
    },
    async close() {
      await browser.close();
      await server.close();
      project.close();
    },
  };
}
