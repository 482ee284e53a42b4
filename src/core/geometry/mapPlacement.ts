import { passGeometry, type PassGeometry } from '../codec/passGeometry.ts';

/**
 * Where a pass's stride-4 map lies over the original image (for the heatmap overlay): map cell (u, v) — its centre —
 * sits at image pixel (ax·u + bx, ay·v + by), following both OpenCV resizes of the official pipeline (cell u ↔
 * padded-input pixel 4u + 1.5 ↔ image pixel (4u + 2)·W/resizedW − 0.5). Cells at or beyond `validW`/`validH` cover
 * only padding and must not be drawn. Spaces: map cells, image pixels (integer = pixel centre).
 */
export interface MapPlacement {
  ax: number;
  bx: number;
  ay: number;
  by: number;
  /** Map cells that cover the image (the rest is padding). */
  validW: number;
  validH: number;
  /** Image-pixel rectangle [x0, y0, x1, y1] covered by the valid cells' squares (cell centre ± half a cell). */
  imageRect: [number, number, number, number];
}

export function mapPlacement(imageW: number, imageH: number, multiplier: number): MapPlacement {
  const g: PassGeometry = passGeometry(imageW, imageH, multiplier);
  const ax = (4 * imageW) / g.resizedW,
    bx = (2 * imageW) / g.resizedW - 0.5;
  const ay = (4 * imageH) / g.resizedH,
    by = (2 * imageH) / g.resizedH - 0.5;
  const validW = Math.ceil(g.resizedW / 4),
    validH = Math.ceil(g.resizedH / 4);
  return {
    ax,
    bx,
    ay,
    by,
    validW,
    validH,
    imageRect: [bx - ax / 2, by - ay / 2, ax * (validW - 1) + bx + ax / 2, ay * (validH - 1) + by + ay / 2],
  };
}

/** Image pixel → map cell coordinates (continuous), the inverse of the placement. */
export function imageToMap(p: MapPlacement, x: number, y: number): [number, number] {
  return [(x - p.bx) / p.ax, (y - p.by) / p.ay];
}
