import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeFast, decodeFastPeaks } from './decodeFast.ts';
import { decodeReference } from './decodeReference.ts';
import { evaluateKeypoints } from '../eval/cocoEval.ts';
import { parseCocoGt } from '../coco/cocoJson.ts';
import { DECODE_FIXTURES, SHARED_ROOT, readDecodeCase } from '../../../test/support/fixturePaths.ts';

describe('decodeFast', () => {
  it('loses no accuracy: OKS AP on the decode cases within 0.01 of reference (issue 2), same person count per case', async () => {
    const gt = parseCocoGt(
      readFileSync(
        path.join(SHARED_ROOT, 'data', 'coco-mini', 'annotations', 'person_keypoints_train2017.json'),
        'utf8',
      ),
    );
    const ids = readdirSync(DECODE_FIXTURES).filter((d) => /^\d+$/.test(d));
    const inputs = await Promise.all(ids.map((id) => readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'))));
    const ref = inputs.map((i) => decodeReference(i)),
      fast = inputs.map((i) => decodeFast(i));
    for (const [i, f] of fast.entries()) expect(f.persons.length, ids[i]).toBe(ref[i].persons.length);
    const imageIds = inputs.map((i) => i.image.id);
    const apRef = evaluateKeypoints(
      gt,
      ref.flatMap((o) => o.results),
      { imageIds },
    ).AP;
    const apFast = evaluateKeypoints(
      gt,
      fast.flatMap((o) => o.results),
      { imageIds },
    ).AP;
    expect(Math.abs(apFast - apRef)).toBeLessThanOrEqual(0.01);
  });

  it('decodeFastPeaks gives exactly the candidates decodeFast assigns (12 decode cases)', async () => {
    const ids = readdirSync(DECODE_FIXTURES).filter((d) => /^\d+$/.test(d));
    for (const id of ids) {
      const input = await readDecodeCase(path.join(DECODE_FIXTURES, id, 'case.json'));
      expect(decodeFastPeaks(input), id).toEqual(decodeFast(input).peaks);
    }
  });
});
