import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../db/openProjectDb.ts';
import { syncImages } from './syncImages.ts';
import { runDetectJob } from '../jobs/detectJob.ts';
import { createProjectService } from './projectService.ts';
import { projectCacheDir } from './mapCache.ts';
import { readMedia } from './projectMedia.ts';
import { parseNpy } from '../../core/tensor/parseNpy.ts';
import { MODEL_FIXTURES } from '../../../test/support/fixturePaths.ts';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';

const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');

describe('predictions, overlay maps and scores through the service', () => {
  it("serves the latest run's poses and flip-averaged maps, list scores and filters, project info", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sp-pred-'));
    for (let i = 0; i < 3; i++)
      writeFileSync(
        path.join(root, `img${i}.png`),
        await sharp({ create: { width: 130, height: 70, channels: 3, background: { r: 60 * i, g: 90, b: 160 } } })
          .png()
          .toBuffer(),
      );
    const db = openProjectDb(path.join(root, '.p.sqlite'));
    await syncImages(db, root);
    const service = createProjectService(db, root, { modelPath: MODEL });
    const before = await service.projectInfo({});
    expect(before).toMatchObject({
      root,
      images: 3,
      counts: { unreviewed: 3 },
      model: { path: MODEL, name: 'tiny', exists: true },
      lastRun: null,
    });
    expect(await service.getPredictions({ imageId: 1 })).toEqual({ runId: null, poses: [], maps: null });
    await expect(service.maps(1)).rejects.toThrow(/no cached maps for image 1: run detection/);

    await runDetectJob(db, {
      modelPath: MODEL,
      root,
      settings: { scales: [0.5], flip: true, mode: 'fast' },
      provider: 'cpu',
      cacheDir: projectCacheDir(root),
    });
    const p = await service.getPredictions({ imageId: 2 });
    expect(p.runId).toBe(1);
    // 130×70 at box 512·0.5: multiplier 256/70 → resized 475×256, padded 512×256 → maps 128×64.
    expect(p.maps).toEqual({ multiplier: expect.closeTo((0.5 * 512) / 70, 12), shape: [50, 64, 128] });
    const npy = await service.maps(2);
    const t = parseNpy(npy);
    expect(t.shape).toEqual([50, 64, 128]);
    expect(t.data.some((v) => v !== 0)).toBe(true);
    const viaMedia = await readMedia(service, '/maps/2');
    expect(viaMedia.status).toBe(200);
    expect(Buffer.from(viaMedia.body).equals(Buffer.from(npy))).toBe(true);
    expect((await readMedia(service, '/maps/99')).status).toBe(404);
    expect((await readMedia(service, '/images/1')).type).toBe('image/png');
    expect((await readMedia(service, '/../etc/passwd')).status).toBe(404);

    // Scores: the mean person score of the latest prediction; force known values to test the filters.
    const poses = (s: number) =>
      JSON.stringify([
        { score: s, joints: new Array(COCO_KEYPOINTS.length).fill(null), neck: null },
        { score: s + 0.2, joints: new Array(COCO_KEYPOINTS.length).fill(null), neck: null },
      ]);
    db.prepare('UPDATE predictions SET poses_json = ? WHERE image_id = 1').run(poses(0.1));
    db.prepare('UPDATE predictions SET poses_json = ? WHERE image_id = 2').run(poses(0.6));
    db.prepare("UPDATE predictions SET poses_json = '[]' WHERE image_id = 3").run();
    const all = await service.listImages({});
    expect(all.images.map((i) => i.score)).toEqual([expect.closeTo(0.2, 9), expect.closeTo(0.7, 9), null]);
    const low = await service.listImages({ maxScore: 0.5 });
    expect(low).toMatchObject({ total: 1, images: [{ id: 1 }] });
    expect((await service.listImages({ minScore: 0.5, status: 'unreviewed' })).images.map((i) => i.id)).toEqual([2]);
    expect((await service.listImages({ ids: [3, 1] })).images.map((i) => i.id)).toEqual([3, 1]);
    expect((await service.listImages({ ids: [3, 1], maxScore: 0.5 })).images.map((i) => i.id)).toEqual([1]);
    // A cache entry whose map file is gone: no maps, and the overlay request says why.
    const { readdirSync, rmSync } = await import('node:fs');
    const dir = path.join(projectCacheDir(root));
    const entry = db
      .prepare('SELECT file FROM map_cache WHERE image_hash = (SELECT content_hash FROM images WHERE id = 3)')
      .pluck()
      .get() as string;
    rmSync(path.join(dir, (JSON.parse(entry) as { passes: { maps: string }[] }).passes[0].maps));
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    expect((await service.getPredictions({ imageId: 3 })).maps).toBeNull();
    await expect(service.maps(3)).rejects.toThrow(/no cached maps for image 3/);
    expect(await service.projectInfo({})).toMatchObject({
      lastRun: { id: 1, status: 'done', provider: 'cpu', predictions: 3 },
    });
    db.close();
  });
});
