import { lutIndex } from '../../core/geometry/colormap.ts';
import type { OverlayMaps } from './editorEngine.ts';

/**
 * Paints one channel's valid cells (stride-4 map space, padding left out) into `canvas`, one canvas pixel a cell,
 * through a 256-entry RGBA colormap; the caller draws the canvas over the image at the placement's imageRect with
 * smoothing, so cell centres land exactly on their image positions. Returns the channel's max over those cells.
 */
export function paintHeatmap(canvas: HTMLCanvasElement, maps: OverlayMaps, channel: number, lut: Uint8ClampedArray): number {
  const { validW, validH } = maps.placement;
  const w = Math.min(validW, maps.w), h = Math.min(validH, maps.h);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  const out = img.data;
  const base = channel * maps.h * maps.w;
  let max = -Infinity;
  for (let y = 0; y < h; y++) {
    const row = base + y * maps.w;
    for (let x = 0; x < w; x++) {
      const v = maps.data[row + x];
      if (v > max) max = v;
      const k = lutIndex(v) * 4, o = (y * w + x) * 4;
      out[o] = lut[k]; out[o + 1] = lut[k + 1]; out[o + 2] = lut[k + 2]; out[o + 3] = lut[k + 3];
    }
  }
  ctx.putImageData(img, 0, 0);
  return max;
}
