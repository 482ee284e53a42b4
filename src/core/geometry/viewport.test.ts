import { describe, expect, it } from 'vitest';
import {
  actualSize,
  fitViewport,
  imageToScreen,
  pan,
  screenToImage,
  wheelZoomFactor,
  zoomAt,
  MAX_SCALE,
} from './viewport.ts';

describe('viewport', () => {
  it('fit centres the image; screen ↔ image round-trips', () => {
    const v = fitViewport(640, 480, 1000, 800, 20);
    expect(v.scale).toBeCloseTo(960 / 640, 12);
    expect(imageToScreen(v, 320, 240)).toEqual([500, 400]);
    const [x, y] = screenToImage(v, 123, 456);
    const [sx, sy] = imageToScreen(v, x, y);
    expect([sx, sy].map((n) => Math.round(n * 1e9) / 1e9)).toEqual([123, 456]);
  });
  it('zoom keeps the point under the cursor fixed; wheel up zooms in, down out, symmetrically', () => {
    const v = fitViewport(640, 480, 1000, 800);
    const before = screenToImage(v, 700, 300);
    const z = zoomAt(v, 700, 300, wheelZoomFactor(-100));
    expect(z.scale).toBeGreaterThan(v.scale);
    const after = screenToImage(z, 700, 300);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
    expect(wheelZoomFactor(100) * wheelZoomFactor(-100)).toBeCloseTo(1, 12);
    expect(zoomAt(v, 0, 0, 1e9).scale).toBe(MAX_SCALE);
  });
  it('1:1 and pan', () => {
    const v = actualSize(fitViewport(4000, 3000, 800, 600), 800, 600);
    expect(v.scale).toBe(1);
    expect(pan(v, 10, -5)).toEqual({ scale: 1, offsetX: v.offsetX + 10, offsetY: v.offsetY - 5 });
  });
});
