import type { PassGeometry } from '../passGeometry.ts';
import { fastPassTables, type FastPassTables } from '../fast/fastTables.ts';
import { jsKernels } from '../kernels/jsKernels.ts';
import type { DecodeKernels } from '../kernels/decodeKernels.ts';
import { compositeTile, type CompositeTable } from '../kernels/js/compositeMath.ts';

/** Side of the square tiles (image pixels) of computeTileApprox (the heatmap overlay's unit of work). */
export const TILE_PX = 16;

/** TypeScript kernels for the overlay's tables (a page's CSP may refuse WebAssembly; the tables are the same). */
let tableKernels: DecodeKernels | null = null;

/**
 * The fast decoder's value of one pass (decodeKernels.ts: the two resizes of IMHN-REFERENCE §2 step 10 composed into
 * one 8-tap kernel per axis, float32) in TILE_PX-square tiles of image pixels — what the heatmap overlay paints,
 * bit for bit the values the fast decoder thresholds for that pass.
 */
export class PassUpsampler {
  readonly g: PassGeometry;
  readonly tilesX: number;
  readonly tilesY: number;
  private fast: FastPassTables | null = null;
  private overlayScratch = new Float32Array(0);
  private readonly overlayTile = new Float32Array(TILE_PX * TILE_PX);

  constructor(g: PassGeometry) {
    this.g = g;
    this.tilesX = Math.ceil(g.imageW / TILE_PX);
    this.tilesY = Math.ceil(g.imageH / TILE_PX);
  }

  /** Tile (ty, tx) into out[TILE_PX × TILE_PX] (row-major; entries outside the image are left as they are). */
  computeTileApprox(plane: Float32Array, ty: number, tx: number, out: Float32Array | Float64Array): void {
    tableKernels ??= jsKernels();
    this.fast ??= fastPassTables(this.g, tableKernels);
    const t = this.fast,
      x0 = tx * TILE_PX,
      y0 = ty * TILE_PX;
    const nx = Math.min(TILE_PX, this.g.imageW - x0),
      ny = Math.min(TILE_PX, this.g.imageH - y0);
    const rows = t.yStart[y0 + ny - 1] - t.yStart[y0] + 8;
    if (this.overlayScratch.length < rows * TILE_PX) this.overlayScratch = new Float32Array(rows * TILE_PX);
    const X: CompositeTable = { start: t.xStart, startOff: 0, weight: t.xWeight, weightOff: 0 };
    const Y: CompositeTable = { start: t.yStart, startOff: 0, weight: t.yWeight, weightOff: 0 };
    const tile = this.overlayTile;
    compositeTile(plane, 0, this.g.mapW, X, Y, x0, y0, nx, ny, tile, 0, TILE_PX, this.overlayScratch, 0, 1, false);
    if (out !== tile) out.set(tile);
  }
}
