/**
 * A tiny software canvas: RGB float pixels [H, W, 3] (0..255) and an owner id per pixel (−1 background), so the
 * renderer knows exactly which person and body part each pixel shows. Shapes are filled with a shading callback.
 */
export interface CanvasRgb {
  width: number;
  height: number;
  rgb: Float32Array;
  owner: Int32Array;
}

export function createCanvas(width: number, height: number): CanvasRgb {
  return { width, height, rgb: new Float32Array(width * height * 3), owner: new Int32Array(width * height).fill(-1) };
}

/** Shade a pixel: t ∈ [−1, 1] across the shape (for cylinder-like lighting), u along it. Returns RGB 0..255. */
export type Shader = (t: number, u: number, x: number, y: number) => [number, number, number];

/** A capsule (thick segment with round ends) from a to b with radius r. */
export function fillCapsule(
  c: CanvasRgb,
  a: readonly number[],
  b: readonly number[],
  r: number,
  owner: number,
  shade: Shader,
): void {
  const dx = b[0] - a[0],
    dy = b[1] - a[1],
    len2 = dx * dx + dy * dy || 1e-9;
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r)),
    x1 = Math.min(c.width - 1, Math.ceil(Math.max(a[0], b[0]) + r));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r)),
    y1 = Math.min(c.height - 1, Math.ceil(Math.max(a[1], b[1]) + r));
  const len = Math.sqrt(len2);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x - a[0],
        py = y - a[1];
      const u = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
      const qx = px - u * dx,
        qy = py - u * dy;
      const d2 = qx * qx + qy * qy;
      if (d2 > r * r) continue;
      const t = (qx * -dy + qy * dx) / (len * r); // signed distance across, −1..1
      put(c, x, y, owner, shade(Math.max(-1, Math.min(1, t)), u, x, y));
    }
  }
}

/** An ellipse centred at (cx, cy) with radii (rx, ry) rotated by angle (radians). */
export function fillEllipse(
  c: CanvasRgb,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  angle: number,
  owner: number,
  shade: Shader,
): void {
  const R = Math.max(rx, ry),
    cos = Math.cos(angle),
    sin = Math.sin(angle);
  for (let y = Math.max(0, Math.floor(cy - R)); y <= Math.min(c.height - 1, Math.ceil(cy + R)); y++) {
    for (let x = Math.max(0, Math.floor(cx - R)); x <= Math.min(c.width - 1, Math.ceil(cx + R)); x++) {
      const px = x - cx,
        py = y - cy;
      const u = (px * cos + py * sin) / rx,
        v = (-px * sin + py * cos) / ry;
      if (u * u + v * v > 1) continue;
      put(c, x, y, owner, shade(Math.max(-1, Math.min(1, u)), (v + 1) / 2, x, y));
    }
  }
}

/** A convex polygon (points in order). t runs across x of its bounding box. */
export function fillPolygon(c: CanvasRgb, pts: readonly (readonly number[])[], owner: number, shade: Shader): void {
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs))),
    x1 = Math.min(c.width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys))),
    y1 = Math.min(c.height - 1, Math.ceil(Math.max(...ys)));
  const n = pts.length;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const [xi, yi] = pts[i],
          [xj, yj] = pts[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      if (!inside) continue;
      const t = x1 > x0 ? ((x - x0) / (x1 - x0)) * 2 - 1 : 0;
      put(c, x, y, owner, shade(t, y1 > y0 ? (y - y0) / (y1 - y0) : 0, x, y));
    }
  }
}

function put(c: CanvasRgb, x: number, y: number, owner: number, rgb: [number, number, number]): void {
  const i = y * c.width + x;
  c.owner[i] = owner;
  c.rgb[3 * i] = rgb[0];
  c.rgb[3 * i + 1] = rgb[1];
  c.rgb[3 * i + 2] = rgb[2];
}
