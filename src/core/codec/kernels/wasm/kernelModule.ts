import { assembleModule } from '../../../wasm/wasmAssembler.ts';
import { flipAverage, point, tile } from './mapKernels.ts';
import { computeTiles, ensureTile, heatAt } from './tileKernels.ts';
import { isCellMax, screenPass, seedScan } from './screenKernels.ts';
import { gridSum, listTiles, maxPool2 } from './gridKernels.ts';
import { nms } from './peakKernels.ts';
import { refine } from './refineKernel.ts';
import { compositeTable, cubicTable } from './tableKernels.ts';
import { limbValue } from './limbKernels.ts';
import { scorePairs, scorePairsExact } from './pairKernels.ts';
import { exactPoint, exactValue } from './exactKernels.ts';
import { exactPassTile, vRow } from './exactTileKernels.ts';
import { exactTile } from './exactSumKernels.ts';
import { rowSegments, segmentBound } from './segmentBoundKernels.ts';
import { boundTiles } from './boundTilesKernel.ts';

/** Every function of the decode kernels' module (all exported by name; calls between them resolve by name). */
export const KERNEL_FUNCTIONS = [
  flipAverage,
  tile,
  point,
  computeTiles,
  ensureTile,
  heatAt,
  isCellMax,
  seedScan,
  screenPass,
  gridSum,
  listTiles,
  maxPool2,
  nms,
  refine,
  compositeTable,
  cubicTable,
  limbValue,
  scorePairs,
  exactPoint,
  exactValue,
  scorePairsExact,
  vRow,
  exactPassTile,
  exactTile,
  rowSegments,
  segmentBound,
  boundTiles,
];

/** The module's bytes, assembled from the kernel sources (what `npm run build:kernels` writes to kernelBytes.ts). */
export function assembleKernels(): Uint8Array {
  return assembleModule(KERNEL_FUNCTIONS);
}
