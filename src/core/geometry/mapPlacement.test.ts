import { describe, expect, it } from 'vitest';
import { imageToMap, mapPlacement } from './mapPlacement.ts';
import { colormapLut, lutIndex } from './colormap.ts';
import { encodeTargets } from '../codec/encodeTargets.ts';

describe('mapPlacement', () => {
  it('puts a keypoint Gaussian made at image pixel (x, y) back at (x, y): encoder and placement agree', () => {
    const W = 640,
      H = 480,
      m = 512 / 480;
    const p = mapPlacement(W, H, m);
    const x = 300.4,
      y = 212.7;
    // The encoder works in network-input pixels: image → resized is (x + 0.5)·m − 0.5.
    const xy = new Float64Array(36),
      labelled = new Array<boolean>(18).fill(false);
    xy[0] = (x + 0.5) * m - 0.5;
    xy[1] = (y + 0.5) * m - 0.5;
    labelled[0] = true;
    const maps = encodeTargets([{ xy, labelled }], 128, 176);
    let best = -1,
      bu = 0,
      bv = 0;
    for (let v = 0; v < 128; v++)
      for (let u = 0; u < 176; u++) {
        const val = maps[30 * 128 * 176 + v * 176 + u];
        if (val > best) {
          best = val;
          bu = u;
          bv = v;
        }
      }
    const [mx, my] = [p.ax * bu + p.bx, p.ay * bv + p.by];
    expect(Math.abs(mx - x)).toBeLessThanOrEqual(p.ax / 2 + 1e-9);
    expect(Math.abs(my - y)).toBeLessThanOrEqual(p.ay / 2 + 1e-9);
    const [u, v] = imageToMap(p, x, y);
    expect(Math.abs(u - bu)).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(Math.abs(v - bv)).toBeLessThanOrEqual(0.5 + 1e-9);
  });
  it('valid cells cover the image and not the padding', () => {
    const p = mapPlacement(640, 480, 512 / 480); // resized 683×512, padded 704×512
    expect([p.validW, p.validH]).toEqual([171, 128]);
    expect(p.imageRect[0]).toBeLessThan(0);
    expect(p.imageRect[2]).toBeGreaterThanOrEqual(639);
    expect(p.imageRect[2]).toBeLessThan(640 + p.ax);
  });
  it('colormaps: 256 RGBA entries, transparent at 0, clamped indices', () => {
    const lut = colormapLut('turbo', 0.5);
    expect(lut.length).toBe(1024);
    expect(lut[3]).toBe(0);
    expect(lut[255 * 4 + 3]).toBe(128);
    expect([lutIndex(-1), lutIndex(0.5), lutIndex(3)]).toEqual([0, 128, 255]);
    expect(Array.from(colormapLut('gray').slice(4 * 255, 4 * 255 + 3))).toEqual([255, 255, 255]);
  });
});
