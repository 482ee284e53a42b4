import { lutIndex } from '../../core/geometry/colormap.ts';
import { PassUpsampler, TILE_PX } from '../../core/codec/reference/passUpsampler.ts';
import { passGeometry } from '../../core/codec/passGeometry.ts';
import type { OverlayMaps } from './imageSession.ts';

/** The overlay never computes more pixels than this (a stride above 1 past it). */
export const OVERLAY_MAX_PX = 1_500_000;

/** Where the painted canvas lies over the image (image pixels, integer = pixel centre) and the channel's max. */
export interface HeatmapPaint {
  x: number;
  y: number;
  width: number;
  height: number;
  max: number;
  stride: number;
}

/**
 * The overlay's stride (image pixels per overlay pixel): 1 — every image pixel — unless the image is shown smaller
 * than 1:1 (then one overlay pixel per screen pixel is enough) or is larger than OVERLAY_MAX_PX.
 */
export function overlayStride(imageW: number, imageH: number, viewScale: number): number {
  return Math.max(1, Math.floor(1 / viewScale), Math.ceil(Math.sqrt((imageW * imageH) / OVERLAY_MAX_PX)));
}

const upsamplers = new WeakMap<OverlayMaps, Map<number, PassUpsampler>>();

/**
 * Paints one channel into `canvas`: the map the decoder itself thresholds — the official two cubic resizes (map ×4,
 * crop the padding, to the image size), evaluated tile by tile with the fast decoder's composite kernel. With
 * stride 1, one canvas pixel is one image pixel; with stride s the last resize targets the image size / s instead
 * (cubic resampling at those pixel centres, as cv2.resize does), and the canvas is drawn stretched over the image.
 */
export function paintHeatmap(
  canvas: HTMLCanvasElement,
  maps: OverlayMaps,
  channel: number,
  lut: Uint8ClampedArray,
  imageW: number,
  imageH: number,
  stride = 1,
): HeatmapPaint {
  const plane = maps.data.subarray(channel * maps.h * maps.w, (channel + 1) * maps.h * maps.w);
  const outW = Math.ceil(imageW / stride),
    outH = Math.ceil(imageH / stride);
  let byStride = upsamplers.get(maps);
  if (!byStride) {
    byStride = new Map();
    upsamplers.set(maps, byStride);
  }
  let up = byStride.get(stride);
  if (!up) {
    up = new PassUpsampler({ ...passGeometry(imageW, imageH, maps.multiplier), imageW: outW, imageH: outH });
    byStride.set(stride, up);
  }
  if (canvas.width !== outW || canvas.height !== outH) {
    canvas.width = outW;
    canvas.height = outH;
  }
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(outW, outH);
  const data = img.data;
  const out = new Float64Array(TILE_PX * TILE_PX);
  let max = -Infinity;
  for (let ty = 0; ty < up.tilesY; ty++) {
    for (let tx = 0; tx < up.tilesX; tx++) {
      up.computeTileApprox(plane, ty, tx, out);
      const x0 = tx * TILE_PX,
        y0 = ty * TILE_PX,
        nx = Math.min(TILE_PX, outW - x0),
        ny = Math.min(TILE_PX, outH - y0);
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const v = out[y * TILE_PX + x];
          if (v > max) max = v;
          const k = lutIndex(v) * 4,
            o = ((y0 + y) * outW + x0 + x) * 4;
          data[o] = lut[k];
          data[o + 1] = lut[k + 1];
          data[o + 2] = lut[k + 2];
          data[o + 3] = lut[k + 3];
        }
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  return { x: -0.5, y: -0.5, width: imageW, height: imageH, max, stride };
}
