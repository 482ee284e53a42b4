import { describe, expect, it } from 'vitest';
import type { DecodeInput, DecodePass } from './decodeCase.ts';
import { combinedPass } from './combinedPass.ts';
import { flipAverage } from './flipAverage.ts';
import { fullResMaps } from './fullRes/fullResMaps.ts';
import { REFERENCE_DEFAULTS } from './decodeReference.ts';
import { passGeometry } from './passGeometry.ts';

/** A pass of smooth blobs (Gaussian peaks of σ = 1.5 cells at fixed image points) for a W×H image at multiplier m. */
function blobPass(W: number, H: number, m: number, flip: boolean): DecodePass {
  const g = passGeometry(W, H, m);
  const blobs = [
    [0.3, 0.4],
    [0.7, 0.6],
  ];
  const t = (mirror: boolean) => {
    const data = new Float32Array(50 * g.mapH * g.mapW);
    for (let c = 0; c < 50; c++)
      for (let y = 0; y < g.mapH; y++)
        for (let x = 0; x < g.mapW; x++) {
          let v = 0;
          for (const [bx, by] of blobs) {
            const cx = (bx * g.resizedW) / 4 + c * 0.01,
              cy = (by * g.resizedH) / 4;
            const xx = mirror ? g.mapW - 1 - x : x;
            v += 0.8 * Math.exp(-((xx - cx) ** 2 + (y - cy) ** 2) / (2 * 1.5 ** 2));
          }
          data[(c * g.mapH + y) * g.mapW + x] = v;
        }
    return { data, shape: [50, g.mapH, g.mapW] };
  };
  return { multiplier: m, maps: t(false), flippedMaps: flip ? t(true) : null };
}

describe('combinedPass', () => {
  it('one pass: exactly its flip average, in its own map space', () => {
    const p = blobPass(100, 80, 1.2, true);
    const c = combinedPass({ image: { id: 1, width: 100, height: 80 }, passes: [p] });
    expect(c.multiplier).toBe(1.2);
    expect(c.maps.shape).toEqual(p.maps.shape);
    expect(c.maps.data).toEqual(flipAverage(p.maps, p.flippedMaps));
  });

  it("several: on the finest pass's grid, its upsampling is the decoder's combined map to 2 % of the peak", () => {
    const W = 120,
      H = 90;
    const input: DecodeInput = {
      image: { id: 1, width: W, height: H },
      passes: [blobPass(W, H, 0.6, true), blobPass(W, H, 1.1, false), blobPass(W, H, 1.7, true)],
    };
    const c = combinedPass(input);
    expect(c.multiplier).toBe(1.7);
    const g = passGeometry(W, H, 1.7);
    expect(c.maps.shape).toEqual([50, g.mapH, g.mapW]);
    const decoder = fullResMaps(input, 'fast', REFERENCE_DEFAULTS);
    const one = fullResMaps(
      { image: input.image, passes: [{ multiplier: c.multiplier, maps: c.maps, flippedMaps: null }] },
      'fast',
      REFERENCE_DEFAULTS,
    );
    const first = fullResMaps({ image: input.image, passes: [input.passes[0]] }, 'fast', REFERENCE_DEFAULTS);
    let err = 0,
      firstErr = 0;
    for (const ch of [0, 17])
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const want = decoder.heat[ch].at(y, x);
          err = Math.max(err, Math.abs(one.heat[ch].at(y, x) - want));
          firstErr = Math.max(firstErr, Math.abs(first.heat[ch].at(y, x) - want));
        }
    expect(err).toBeLessThan(0.02 * 0.8); // measured 1.2 % of the peak; the first pass alone 49 %
    expect(firstErr).toBeGreaterThan(20 * err); // what one pass alone was
  });

  it('maps that do not fit the image: the decoder input error', () => {
    const p = blobPass(100, 80, 1.2, false);
    expect(() =>
      combinedPass({ image: { id: 1, width: 100, height: 80 }, passes: [p, { ...p, multiplier: 2 }] }),
    ).toThrow(/pass 1 maps has shape/);
  });
});
