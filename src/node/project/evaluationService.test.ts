// The evaluation panel's numbers through the service: the sample project's ground truth imported and reviewed, a
// run whose predictions are exactly that ground truth on some images and absent on others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectFolder, type OpenProject } from './openProjectFolder.ts';
import { exportCoco, exportResults } from './cocoExchange.ts';
import { evaluateKeypoints } from '../../core/eval/cocoEval.ts';
import { modelRepository } from '../db/modelRepository.ts';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { PROJECT_ROOT } from '../../../test/support/fixturePaths.ts';
import type { CocoDataset } from '../../core/coco/cocoTypes.ts';

let p: OpenProject;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sp-eval-'));
  cpSync(path.join(PROJECT_ROOT, 'resources', 'sample-project'), dir, { recursive: true });
  p = await openProjectFolder(path.join(dir, 'images'), { exchange: { kind: 'any' } });
  await p.service.importCoco({ path: path.join(dir, 'annotations.json') });
}, 60_000);
afterAll(() => p?.close());

/** A finished run predicting `perfect` images exactly as their ground truth says (scores 0.9), nothing elsewhere. */
function perfectRun(perfect: number[]): number {
  const gt = exportCoco(p.db) as CocoDataset;
  const model = modelRepository(p.db).record('/models/oracle.onnx', 'oracle', '{}', 0);
  const run = Number(
    p.db
      .prepare(
        "INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (?, '[1]', 1, 'fast', 'done', 0)",
      )
      .run(model).lastInsertRowid,
  );
  const rows = p.db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[];
  for (const r of rows) {
    const im = gt.images.find((i) => i.file_name === r.rel_path)!;
    const poses = perfect.includes(r.id)
      ? gt.annotations
          .filter((a) => a.image_id === im.id && a.num_keypoints > 0)
          .map((a) => ({
            score: 0.9,
            joints: Array.from({ length: COCO_KEYPOINTS.length }, (_, k) =>
              a.keypoints[3 * k + 2] > 0 ? { x: a.keypoints[3 * k], y: a.keypoints[3 * k + 1], score: 0.9 } : null,
            ),
            neck: null,
          }))
      : [];
    p.db
      .prepare(
        'INSERT INTO predictions (run_id, image_id, content_hash, poses_json, created_at) VALUES (?, ?, (SELECT content_hash FROM images WHERE id = ?), ?, 0)',
      )
      .run(run, r.id, r.id, JSON.stringify(poses));
  }
  return run;
}

describe('evaluate', () => {
  it('refuses with the reason: no finished run, then no reviewed image', async () => {
    await expect(p.service.evaluate({})).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/no finished detection run to evaluate yet/),
    });
    const run = perfectRun([]);
    await expect(p.service.evaluate({ runId: run })).rejects.toThrow(/no reviewed images yet: accept images/);
    await expect(p.service.evaluate({ runId: 999 })).rejects.toThrow(/no run 999 in this project/);
  });

  it('the pycocotools numbers of the run on the reviewed images, per image OKS, the curve and the joints', async () => {
    for (const id of [1, 2, 3, 4, 5, 6]) await p.service.setStatus({ imageId: id, status: 'accepted' });
    const run = perfectRun([1, 2, 3]);
    const e = await p.service.evaluate({ runId: run });
    const gt = exportCoco(p.db, { onlyReviewed: true });
    const ids = new Set(gt.images.map((i) => i.id));
    const direct = evaluateKeypoints(
      gt,
      exportResults(p.db, run).filter((x) => ids.has(x.image_id)),
    );
    expect(e.overall).toEqual(direct);
    expect(e.images).toBe(6);
    expect(e.run).toMatchObject({ id: run, model: 'oracle', status: 'done', settings: { scales: [1], flip: true } });
    expect(e.runs.map((r) => r.id)).toContain(run);
    const byId = new Map(e.perImage.map((x) => [x.imageId, x]));
    for (const id of [1, 2, 3]) expect(byId.get(id)).toMatchObject({ oks: 1, relPath: `00000${id}.jpg` });
    for (const id of [4, 5, 6]) expect(byId.get(id)).toMatchObject({ oks: 0, predictions: 0 });
    expect(e.curve.oks50).toHaveLength(101);
    expect(e.joints).toHaveLength(COCO_KEYPOINTS.length);
    for (const j of e.joints) if (j.count) expect(j).toMatchObject({ similarity: 1, medianPx: 0 });
  });
});
