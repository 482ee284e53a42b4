import { describe, expect, it } from 'vitest';
import path from 'node:path';
import sharp from 'sharp';
import { preprocess, scaleMultiplier } from '../../core/image/preprocess.ts';
import { resizeCubicU8 } from '../../core/image/resizeCubicU8.ts';
import { scaledLength } from '../../core/codec/cubicAxis.ts';
import { decodeImageBgr } from './decodeImage.ts';
import { COCO_TRAIN_IMAGES, PREPROCESS_FIXTURES, readJson } from '../../../test/support/fixturePaths.ts';

interface Case {
  name: string;
  multiplier: number;
  padded: [number, number];
}
const index = readJson<{ opencv: string; cases: Case[] }>(path.join(PREPROCESS_FIXTURES, 'index.json'));
const png = async (f: string) => sharp(path.join(PREPROCESS_FIXTURES, f)).raw().toBuffer({ resolveWithObject: true });

// References: cv2.imread + cv2.resize(INTER_CUBIC) + padRightDownCorner from Debian OpenCV (make_preprocess_reference.py).
describe('network input parity with the official predict (real photos)', () => {
  for (const c of index.cases) {
    it(`${c.name}: JPEG → network input equals cv2's byte for byte (spec allows 1/255)`, async () => {
      const ref = await png(`${c.name}.s1.png`);
      const img = await decodeImageBgr(path.join(COCO_TRAIN_IMAGES, `${c.name}.jpg`));
      const input = preprocess(img, 1, true);
      expect(input.multiplier).toBe(c.multiplier);
      expect([input.paddedW, input.paddedH]).toEqual(c.padded);
      let max = 0;
      for (let i = 0; i < ref.data.length; i++) max = Math.max(max, Math.abs(input.data[i] * 255 - ref.data[i]));
      expect(max).toBeLessThan(1e-3);
      // The flip pass is the padded image mirrored: padding on the left.
      const plane = input.paddedH * input.paddedW * 3,
        W = input.paddedW;
      expect(input.data[plane + 0]).toBeCloseTo(128 / 255, 6);
      expect(input.data[plane + (W - 1) * 3 + 2]).toBe(input.data[2]);
    });
    it(`${c.name}: the uint8 cubic resize alone is bit-exact on cv2's decoded pixels`, async () => {
      const dec = await png(`${c.name}.decoded.png`),
        ref = await png(`${c.name}.s1.png`);
      const m = c.multiplier;
      const r = resizeCubicU8(
        { data: new Uint8Array(dec.data), width: dec.info.width, height: dec.info.height, channels: 3 },
        scaledLength(dec.info.width, m),
        scaledLength(dec.info.height, m),
        m,
        m,
      );
      let diff = 0;
      for (let y = 0; y < r.height; y++)
        for (let x = 0; x < r.width * 3; x++)
          diff = Math.max(diff, Math.abs(r.data[y * r.width * 3 + x] - ref.data[y * ref.info.width * 3 + x]));
      expect(diff).toBe(0);
    });
  }
  it('clamps the multiplier like evaluate.py (2600 × 3800)', () => {
    expect(scaleMultiplier(640, 480, 1)).toBeCloseTo(512 / 480, 12);
    expect(scaleMultiplier(10000, 500, 3)).toBeCloseTo(0.38, 12);
  });
});
