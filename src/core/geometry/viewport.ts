/**
 * The canvas viewport: screen pixel = image pixel · scale + offset (screen space: CSS pixels of the canvas, origin
 * top-left; image space: original image pixels). Pure: every operation returns a new viewport.
 */
export interface Viewport {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 64;

export function imageToScreen(v: Viewport, x: number, y: number): [number, number] {
  return [x * v.scale + v.offsetX, y * v.scale + v.offsetY];
}

export function screenToImage(v: Viewport, sx: number, sy: number): [number, number] {
  return [(sx - v.offsetX) / v.scale, (sy - v.offsetY) / v.scale];
}

/** The whole image centred in the canvas with a margin (px). */
export function fitViewport(imageW: number, imageH: number, canvasW: number, canvasH: number, margin = 16): Viewport {
  const scale = clamp(Math.min((canvasW - 2 * margin) / imageW, (canvasH - 2 * margin) / imageH));
  return { scale, offsetX: (canvasW - imageW * scale) / 2, offsetY: (canvasH - imageH * scale) / 2 };
}

/** 1:1 (one image pixel per screen pixel), keeping the image point under the canvas centre in place. */
export function actualSize(v: Viewport, canvasW: number, canvasH: number): Viewport {
  return zoomAt(v, canvasW / 2, canvasH / 2, 1 / v.scale);
}

/** Zoom by `factor` about the screen point (sx, sy): the image point under it stays under it (wheel, pinch). */
export function zoomAt(v: Viewport, sx: number, sy: number, factor: number): Viewport {
  const scale = clamp(v.scale * factor);
  const [ix, iy] = screenToImage(v, sx, sy);
  return { scale, offsetX: sx - ix * scale, offsetY: sy - iy * scale };
}

/** Wheel delta (pixels, as DOM WheelEvent.deltaY in pixel mode) to a zoom factor: smooth and symmetric. */
export function wheelZoomFactor(deltaY: number): number {
  return Math.exp(-deltaY * 0.0015);
}

export function pan(v: Viewport, dx: number, dy: number): Viewport {
  return { ...v, offsetX: v.offsetX + dx, offsetY: v.offsetY + dy };
}

function clamp(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}
