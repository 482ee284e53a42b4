import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { resizeCubic } from './resizeCubic.ts';
import { PROJECT_FIXTURES, readJson, readNpy } from '../../../test/support/fixturePaths.ts';

interface ResizeCase {
  name: string;
  how: 'fx' | 'dsize';
  factor: number | null;
  dsize: [number, number] | null;
}
const dir = path.join(PROJECT_FIXTURES, 'resize');
const index = readJson<{ opencv: string; cases: ResizeCase[] }>(path.join(dir, 'index.json'));

describe('resizeCubic (OpenCV INTER_CUBIC, float32)', () => {
  for (const c of index.cases) {
    it(`is bit-exact with cv2.resize ${index.opencv} on case ${c.name}`, () => {
      const input = readNpy(path.join(dir, `${c.name}.in.npy`));
      const expected = readNpy(path.join(dir, `${c.name}.out.npy`));
      const [ch, h, w] = input.shape;
      const [, dh, dw] = expected.shape;
      const out =
        c.how === 'fx'
          ? resizeCubic({ data: input.data, channels: ch, height: h, width: w }, dh, dw, {
              invScaleX: c.factor!,
              invScaleY: c.factor!,
            })
          : resizeCubic({ data: input.data, channels: ch, height: h, width: w }, dh, dw);
      expect([out.channels, out.height, out.width]).toEqual(expected.shape);
      let maxDiff = 0;
      for (let i = 0; i < out.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - expected.data[i]));
      // Tolerance: 0 — same float32 operations in the same order as OpenCV's float path.
      expect(maxDiff).toBe(0);
    });
  }
});
