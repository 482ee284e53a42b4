import { assembleModule } from '../../../wasm/wasmAssembler.ts';
import { computeTiles, ensureTile, flipAverage, heatAt, point, tile } from './mapKernels.ts';
import { gridSum, isCellMax, listTiles, maxPool2, screenPass, seedScan } from './screenKernels.ts';
import { nms, refine } from './peakKernels.ts';
import { compositeTable } from './tableKernels.ts';
import { limbValue, scorePairs, scorePairsExact } from './limbKernels.ts';
import { exactPoint, exactValue } from './exactKernels.ts';

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
  limbValue,
  scorePairs,
  exactPoint,
  exactValue,
  scorePairsExact,
];

/** The module's bytes, assembled from the kernel sources (what `npm run build:kernels` writes to kernelBytes.ts). */
export function assembleKernels(): Uint8Array {
  return assembleModule(KERNEL_FUNCTIONS);
}
