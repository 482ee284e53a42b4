import type { PassKernels, SparseFullRes } from './sparseFullRes.ts';
import { numberPeaks, type Peak } from '../assign/peak.ts';
import { refineCentroid, type PeakOptions } from '../assign/refineCentroid.ts';

/** Low-resolution maxima below seedRatio·threshold are not followed (a full-res peak ≥ threshold has a map max near it). */
export const SEED_RATIO = 0.8;

/**
 * Peaks of the full-resolution maps without computing them: every 3×3 local maximum of each pass's stride-4 map
 * that is ≥ SEED_RATIO·threshold seeds a hill climb on the integer pixel grid of the full-resolution function (move
 * to the largest of the 8 neighbours while it is larger); the summit is a peak when ≥ threshold — the same
 * condition as the reference NMS. Peaks are then ordered row-major and refined like the reference.
 * `planes[c][p]`: flip-averaged [mapH, mapW] plane of keypoint channel c in pass p.
 */
export function findPeaksFast(maps: SparseFullRes[], planes: Float32Array[][], kernels: PassKernels[], o: PeakOptions): Peak[][] {
  return numberPeaks(maps.map((map, c) => {
    const summits = new Map<number, { x: number; y: number }>();
    kernels.forEach((k, p) => {
      for (const seed of mapMaxima(planes[c][p], k.g.mapH, k.g.mapW, SEED_RATIO * o.threshold)) {
        // Map cell centre → image pixel (half-pixel convention of both resizes; IMHN-REFERENCE §2 step 10).
        const sx = Math.round(((4 * seed.x + 2) * k.g.imageW) / k.g.resizedW - 0.5);
        const sy = Math.round(((4 * seed.y + 2) * k.g.imageH) / k.g.resizedH - 0.5);
        const top = climb(map, clamp(sx, 0, map.width - 1), clamp(sy, 0, map.height - 1));
        if (map.at(top.y, top.x) >= o.threshold) summits.set(top.y * map.width + top.x, top);
      }
    });
    return [...summits.values()].sort((a, b) => a.y - b.y || a.x - b.x).map((p) => refineCentroid(map, p.x, p.y, o));
  }));
}

function mapMaxima(plane: Float32Array, h: number, w: number, threshold: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = plane[y * w + x];
      if (v < threshold) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w || (dx === 0 && dy === 0)) continue;
          if (plane[ny * w + nx] > v) { isMax = false; break; }
        }
      }
      if (isMax) out.push({ x, y });
    }
  }
  return out;
}

function climb(map: SparseFullRes, x: number, y: number): { x: number; y: number } {
  for (;;) {
    let bx = x, by = y, best = map.at(y, x);
    for (let ny = Math.max(0, y - 1); ny <= Math.min(map.height - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(map.width - 1, x + 1); nx++) {
        const v = map.at(ny, nx);
        if (v > best) { best = v; bx = nx; by = ny; }
      }
    }
    if (bx === x && by === y) return { x, y };
    x = bx; y = by;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
