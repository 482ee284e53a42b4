import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { evaluationReport } from './evaluationReport.ts';
import { evaluateKeypoints } from './cocoEval.ts';
import { parseCocoGt, parseCocoResults } from '../coco/cocoJson.ts';
import type { CocoDataset, CocoKeypointResult } from '../coco/cocoTypes.ts';
import { COCOEVAL_FIXTURES, SHARED_ROOT } from '../../../test/support/fixturePaths.ts';

const meanOf = (v: number[]) => {
  const x = v.filter((y) => y > -1);
  return x.reduce((a, b) => a + b, 0) / x.length;
};

describe('evaluationReport', () => {
  const gt = parseCocoGt(
    readFileSync(path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json'), 'utf8'),
  );
  const ids = new Set(gt.images.map((i) => i.id));
  const jittered = parseCocoResults(
    readFileSync(path.join(COCOEVAL_FIXTURES, 'coco-mini-train.jittered.results.json'), 'utf8'),
    ids,
  );

  it('overall numbers are the evaluator’s; the curve averages back to AP and AP50 (to 1e-12)', () => {
    const r = evaluationReport(gt, jittered);
    const direct = evaluateKeypoints(gt, jittered);
    expect(r.overall).toEqual(direct);
    expect(r.curve.recall).toHaveLength(101);
    expect(Math.abs(meanOf(r.curve.mean) - direct.AP)).toBeLessThan(1e-12);
    expect(Math.abs(meanOf(r.curve.oks50) - direct.AP50)).toBeLessThan(1e-12);
    expect(Math.abs(meanOf(r.curve.oks75) - direct.AP75)).toBeLessThan(1e-12);
    // Precision never rises with recall (COCOeval's interpolation).
    for (let i = 1; i < 101; i++) expect(r.curve.oks50[i]).toBeLessThanOrEqual(r.curve.oks50[i - 1]);
  });

  it('per image: AP as evaluating that image alone, OKS in [0, 1], counts of GT persons and predictions', () => {
    const r = evaluationReport(gt, jittered);
    expect(r.perImage).toHaveLength(gt.images.length);
    for (const im of r.perImage.slice(0, 10)) {
      expect(im.AP).toBeCloseTo(evaluateKeypoints(gt, jittered, { imageIds: [im.cocoId] }).AP, 12);
      expect(im.predictions).toBe(jittered.filter((d) => d.image_id === im.cocoId).length);
      if (im.oks !== null) expect(im.oks).toBeGreaterThanOrEqual(0);
      if (im.oks !== null) expect(im.oks).toBeLessThanOrEqual(1);
    }
  });

  const person = (id: number, imageId: number, xy: [number, number][]) => ({
    id,
    image_id: imageId,
    category_id: 1,
    keypoints: xy.flatMap(([x, y]) => [x, y, 2]),
    num_keypoints: xy.length,
    bbox: [0, 0, 100, 200],
    area: 20_000,
    iscrowd: 0 as const,
  });
  const joints = (dx: number): [number, number][] =>
    Array.from({ length: 17 }, (_, k) => [10 + 5 * k + dx, 20 + 9 * k]);
  const small: CocoDataset = {
    images: [1, 2, 3].map((id) => ({ id, file_name: `${id}.jpg`, width: 200, height: 300 })),
    annotations: [person(1, 1, joints(0)), person(2, 2, joints(0)), person(3, 2, joints(40))],
    categories: [{ id: 1, name: 'person' }],
  };
  const result = (imageId: number, dx: number, score: number): CocoKeypointResult => ({
    image_id: imageId,
    category_id: 1,
    keypoints: joints(dx).flatMap(([x, y]) => [x, y, 1]),
    score,
  });

  it('a perfect prediction: OKS 1, every joint similarity 1 at 0 px; a GT person nobody predicts counts 0', () => {
    const r = evaluationReport(small, [result(1, 0, 0.9), result(2, 0, 0.8)]);
    const byId = new Map(r.perImage.map((x) => [x.cocoId, x]));
    expect(byId.get(1)).toMatchObject({ oks: 1, gtPersons: 1, predictions: 1 });
    expect(byId.get(1)!.AP).toBeCloseTo(1, 12); // the 101-point sum in float64
    // image 2: one of its two persons found exactly, the other (40 px away) missed: mean OKS (1 + 0) / 2
    expect(byId.get(2)!.oks).toBeCloseTo(0.5, 12);
    expect(byId.get(3)).toMatchObject({ oks: null, gtPersons: 0, predictions: 0 });
    for (const j of r.joints) expect(j).toEqual({ joint: j.joint, similarity: 1, medianPx: 0, count: 2 });
  });

  it('each prediction takes the GT person it overlaps most, in score order; joint errors in pixels', () => {
    const r = evaluationReport(small, [result(2, 38, 0.9), result(2, 3, 0.5)]);
    const im = r.perImage.find((x) => x.cocoId === 2)!;
    expect(im.oks).toBeGreaterThan(0.5);
    expect(r.joints[0].count).toBe(2);
    expect(r.joints[0].medianPx).toBeCloseTo(2.5, 9); // errors of 2 px and 3 px
    expect(r.joints[0].similarity).toBeLessThan(1);
  });
});
