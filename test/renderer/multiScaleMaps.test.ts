// The corrections read the maps the decoder used, on a multi-scale run too: detection with scales [0.5, 1, 1.5] + flip
// (the bundled model, through the real inference worker, which writes the map cache itself) on real photos of
// coco-mini val2017, then the editor engine under Node over the real project service (the maps route's bytes, as the
// app loads them). At each joint the decoder gave, snap to peak lands on that joint and the joint is one of the
// model's candidates. Before, the corrections read the first scale's maps (0.5) alone: 3–12 px away (median ≈ 12).
// Tolerance: 0.5 px on ≥ 95 % of the joints — the maps are read as float16 (≈ 1e-3 relative), which moves a few
// flat peaks of this small model by a pixel or more, as on a single-scale run (docs/BENCHMARKS.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pose } from '../../src/core/codec/assign/toPoses.ts';
import { cocoKeypointChannel } from '../../src/core/correct/correctionMaps.ts';
import { personSearchBox, topKPeaks } from '../../src/core/correct/topKPeaks.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { SHARED_ROOT } from '../support/fixturePaths.ts';
import { studio } from './studioHarness.ts';

const PHOTOS = ['000000000139.jpg', '000000011813.jpg'];
const SHIFT = { shift: true, alt: false, mod: false };
let project: OpenProject;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-multiscale-'));
  mkdirSync(path.join(dir, 'images'));
  for (const f of PHOTOS)
    copyFileSync(path.join(SHARED_ROOT, 'data', 'coco-mini', 'val2017', f), path.join(dir, 'images', f));
  project = await openProjectFolder(dir);
  await project.service.setDetectSetup({ settings: { scales: [0.5, 1, 1.5], flip: true, mode: 'fast' } });
}, 60_000);
afterAll(() => project.close());

describe('corrections on a multi-scale run', () => {
  it("snap and candidates at each of the decoder's joints land on that joint", async () => {
    const { engine } = studio(project);
    await engine.start();
    await engine.jobs.start();
    await expect.poll(() => engine.jobs.job.get()?.status, { timeout: 120_000, interval: 200 }).toBe('done');
    const snapPx: number[] = [],
      candidatePx: number[] = [];
    for (let i = 0; i < PHOTOS.length; i++) {
      await engine.openIndex(i);
      await expect.poll(() => engine.images.current.get()?.maps ?? null, { timeout: 30_000 }).not.toBeNull();
      const predictions: Pose[] = engine.images.current.get()!.predictions;
      expect(predictions.length).toBeGreaterThan(0);
      const inputs = engine.corrections.fix.inputs()!;
      for (const p of predictions) {
        const box = personSearchBox(p.joints.map((j) => j && { x: j.x, y: j.y }))!;
        for (const [k, j] of p.joints.entries()) {
          if (!j) continue;
          const at = engine.corrections.fix.preview(k, j, SHIFT); // what a Shift-drag released there drops on
          snapPx.push(at ? Math.hypot(at.x - j.x, at.y - j.y) : Infinity);
          const near = topKPeaks(cocoKeypointChannel(inputs.maps, k), box, 32).map((c) =>
            Math.hypot(c.x - j.x, c.y - j.y),
          );
          candidatePx.push(Math.min(Infinity, ...near));
        }
      }
    }
    const within = (d: number[]) => d.filter((v) => v <= 0.5).length / d.length;
    expect(snapPx.length).toBeGreaterThan(50);
    expect(within(snapPx)).toBeGreaterThanOrEqual(0.95);
    expect(within(candidatePx)).toBeGreaterThanOrEqual(0.95);
  }, 240_000);
});
