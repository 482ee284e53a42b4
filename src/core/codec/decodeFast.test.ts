import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeFast } from './decodeFast.ts';
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
    fast.forEach((f, i) => expect(f.persons.length, ids[i]).toBe(ref[i].persons.length));
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
});

describe('maps of a broken model (noise)', () => {
  it('decode in bounded time: at most maxPerType peaks per type (default 100), unbounded when Infinity', async () => {
    const { decodeReference: ref } = await import('./decodeReference.ts');
    const h = 96,
      w = 128;
    let s = 1;
    // Noise in the 18 keypoint maps (hundreds of peaks each); body-part maps empty.
    const data = Float32Array.from({ length: 50 * h * w }, (_, i) =>
      i >= 30 * h * w && i < 48 * h * w ? ((s = (s * 16807) % 2147483647) / 2147483647) * 0.6 - 0.1 : 0,
    );
    const input = {
      image: { id: 1, width: 512, height: 384 },
      passes: [{ multiplier: 1, maps: { data, shape: [50, h, w] }, flippedMaps: null }],
    };
    const t = performance.now();
    const out = decodeFast(input);
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(Math.max(...out.peaks.map((l) => l.length))).toBe(100);
    expect(out.persons).toEqual([]);
    // Unbounded (official) behaviour, on a small image so that the quadratic limb step stays affordable here.
    const sh = 16,
      sw = 16;
    const small = Float32Array.from({ length: 50 * sh * sw }, (_, i) =>
      i >= 30 * sh * sw && i < 48 * sh * sw ? ((s = (s * 16807) % 2147483647) / 2147483647) * 0.6 - 0.1 : 0,
    );
    const smallInput = {
      image: { id: 2, width: 64, height: 64 },
      passes: [{ multiplier: 1, maps: { data: small, shape: [50, sh, sw] }, flippedMaps: null }],
    };
    const capped = ref(smallInput, { peaks: { threshold: 0.1, radius: 2, swapAxes: true, maxPerType: 5 } });
    const unbounded = ref(smallInput, { peaks: { threshold: 0.1, radius: 2, swapAxes: true, maxPerType: Infinity } });
    expect(Math.max(...capped.peaks.map((l) => l.length))).toBe(5);
    expect(Math.max(...unbounded.peaks.map((l) => l.length))).toBeGreaterThan(5);
  });
});
