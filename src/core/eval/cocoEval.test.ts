import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { evaluateKeypoints, STAT_NAMES, type CocoStats } from './cocoEval.ts';
import { parseCocoGt, parseCocoResults } from '../coco/cocoJson.ts';
import { COCOEVAL_FIXTURES, SHARED_ROOT } from '../../../test/support/fixturePaths.ts';

const GT_FILES: Record<string, string> = {
  'coco-mini-train': path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json'),
  'mmpose-coco': path.join(SHARED_ROOT, 'data', 'mmpose-tests', 'coco', 'test_coco.json'),
};

interface ExpectedSet {
  results: string;
  image_ids: number[];
  stats: CocoStats;
}

// Reference numbers: pycocotools 2.0 COCOeval (shared/fixtures/README.md). Tolerance 1e-9 (issue 2).
describe('evaluateKeypoints reproduces pycocotools', () => {
  for (const [name, gtFile] of Object.entries(GT_FILES)) {
    const gt = parseCocoGt(readFileSync(gtFile, 'utf8'));
    const expected = JSON.parse(readFileSync(path.join(COCOEVAL_FIXTURES, `${name}.expected.json`), 'utf8')) as Record<
      string,
      ExpectedSet
    >;
    for (const [set, exp] of Object.entries(expected)) {
      it(`${name} / ${set}: all ten numbers within 1e-9`, () => {
        const results = parseCocoResults(
          readFileSync(path.join(COCOEVAL_FIXTURES, exp.results), 'utf8'),
          new Set(gt.images.map((i) => i.id)),
        );
        const stats = evaluateKeypoints(gt, results, { imageIds: exp.image_ids });
        for (const k of STAT_NAMES) expect(Math.abs(stats[k] - exp.stats[k]), k).toBeLessThanOrEqual(1e-9);
      });
    }
  }
});

describe('per-image evaluation', () => {
  it('the prepared evaluator gives the same overall numbers and per-image APs (−1 without ground truth)', async () => {
    const { createKeypointEvaluator } = await import('./cocoEval.ts');
    const gt = parseCocoGt(readFileSync(GT_FILES['mmpose-coco'], 'utf8'));
    const results = parseCocoResults(
      readFileSync(path.join(COCOEVAL_FIXTURES, 'mmpose-coco.shifted.results.json'), 'utf8'),
    );
    const ev = createKeypointEvaluator(gt, results);
    const ids = gt.images.map((i) => i.id);
    expect(ev.stats(ids)).toEqual(evaluateKeypoints(gt, results));
    for (const id of ids) {
      const one = ev.stats([id]);
      expect(one.AP).toBe(evaluateKeypoints(gt, results, { imageIds: [id] }).AP);
      expect(one.AP).toBeGreaterThan(0);
    }
  });
});
