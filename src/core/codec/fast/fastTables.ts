import { DecodeInputError } from '../decodeCase.ts';
import type { PassGeometry } from '../passGeometry.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import { mapPlacement, type MapPlacement } from '../../geometry/mapPlacement.ts';

/** Taps per axis of the composite kernel in the kernels (decodeKernels.ts): natural spans are ≤ 6 up to m ≈ 4. */
export const KERNEL_TAPS = 8;

/**
 * What the fast kernels need to evaluate one pass at image pixels: the official two cubic resizes (map ×4, crop,
 * to the image; IMHN-REFERENCE §2 step 10) composed into one 8-tap kernel per axis (cubicAxis.ts compositeAxis,
 * weights rounded to float32), and where the map cells lie over the image. Spaces: map cells → image pixels.
 */
export interface FastPassTables {
  g: PassGeometry;
  placement: MapPlacement;
  /** [imageW] first map column of each image column's 8 taps. */
  xStart: Int32Array;
  /** [imageW × 8] float32 weights. */
  xWeight: Float32Array;
  yStart: Int32Array;
  yWeight: Float32Array;
  /** Most map rows one 8-row tile reads (its scratch size). */
  tileRows: number;
  /**
   * The peak screen reads this pass through a grid of q×q cell blocks (their maxima), q = 1, 2 or 4 so that a
   * block spans about one 8×8 tile: screenW (a multiple of 16; columns past mapW/q are padding) × screenH blocks.
   */
  screenPool: number;
  screenW: number;
  screenH: number;
  /**
   * [2·screenW] per block column i: the first and last 8×8 tile column of image pixels floor(ax·(q·i − 1) + bx) ..
   * floor(ax·(q·i + q) + bx), clamped to the image: the tiles within one cell of the block (the screen's reach).
   * yRange likewise, per block row.
   */
  xRange: Int32Array;
  yRange: Int32Array;
}

/** Tile columns (or rows) within one cell of each block of q cells: floor(a·(q·i − 1) + b) .. floor(a·(q·i + q) + b). */
function cellRanges(blocks: number, q: number, a: number, b: number, image: number): Int32Array {
  const clamp = (v: number) => Math.min(image - 1, Math.max(0, Math.floor(v)));
  const r = new Int32Array(2 * blocks);
  for (let i = 0; i < blocks; i++) {
    r[2 * i] = clamp(a * (q * i - 1) + b) >> 3;
    r[2 * i + 1] = clamp(a * (q * i + q) + b) >> 3;
  }
  return r;
}

function axisTables(k: DecodeKernels, g: PassGeometry, axis: 'x' | 'y') {
  const [map, resized, image] = axis === 'x' ? [g.mapW, g.resizedW, g.imageW] : [g.mapH, g.resizedH, g.imageH];
  const heap = k.heap;
  const mark = heap.used;
  const start = heap.alloc(image * 4),
    weight = heap.alloc(image * KERNEL_TAPS * 4),
    acc = heap.alloc(KERNEL_TAPS * 8);
  const span = k.compositeTable(map, resized, image, start, weight, acc);
  if (span > 0)
    throw new DecodeInputError(
      `multiplier ${g.multiplier} is too large for a ${g.imageW}×${g.imageH} image: one output pixel would blend ` +
        `${span} map cells along ${axis}, more than the ${KERNEL_TAPS} the decoder supports`,
    );
  const out = {
    start: heap.i32.slice(start / 4, start / 4 + image),
    weight: heap.f32.slice(weight / 4, weight / 4 + image * KERNEL_TAPS),
  };
  heap.release(mark);
  return out;
}

function buildTables(g: PassGeometry, k: DecodeKernels): FastPassTables {
  const x = axisTables(k, g, 'x');
  const y = axisTables(k, g, 'y');
  let tileRows = 0;
  for (let y0 = 0; y0 < g.imageH; y0 += 8)
    tileRows = Math.max(tileRows, y.start[Math.min(g.imageH - 1, y0 + 7)] - y.start[y0] + KERNEL_TAPS);
  const placement = mapPlacement(g.imageW, g.imageH, g.multiplier);
  const cellPx = Math.min(placement.ax, placement.ay);
  const q = cellPx >= 4 ? 1 : cellPx >= 2 ? 2 : 4;
  const screenW = Math.ceil(g.mapW / q / 16) * 16;
  return {
    g,
    placement,
    screenPool: q,
    screenW,
    screenH: g.mapH / q,
    xRange: cellRanges(screenW, q, placement.ax, placement.bx, g.imageW),
    yRange: cellRanges(g.mapH / q, q, placement.ay, placement.by, g.imageH),
    xStart: x.start,
    xWeight: x.weight,
    yStart: y.start,
    yWeight: y.weight,
    tileRows,
  };
}

/**
 * Tables depend only on the geometry; a dataset's photos share a few sizes and the scales are fixed, so a small
 * LRU keeps them. Built by the kernels (about 10 µs per pass; in TypeScript, before the JIT has warmed up, it was
 * ~5 ms per pass — the largest part of decoding a first image).
 */
const cache = new Map<string, FastPassTables>();
const CACHE_SIZE = 32;

export function fastPassTables(g: PassGeometry, k: DecodeKernels): FastPassTables {
  const key = `${g.imageW}x${g.imageH}@${g.multiplier}`;
  let t = cache.get(key);
  if (t) cache.delete(key);
  else t = buildTables(g, k);
  cache.set(key, t);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return t;
}
