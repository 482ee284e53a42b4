import { assembleModule } from '../../../wasm/wasmAssembler.ts';
import { computeTiles, flipAverage, point, tile } from './mapKernels.ts';
import { gridSum, isCellMax, listTiles, nms, screenPass, seedScan } from './screenKernels.ts';
import { compositeTable } from './tableKernels.ts';
import { LIMB_IMPORTS, limbValue, scorePairs } from './limbKernels.ts';

/** Every function of the decode kernels' module, in index order (after the imports). */
export const KERNEL_FUNCTIONS = [
  flipAverage,
  isCellMax,
  seedScan,
  screenPass,
  gridSum,
  listTiles,
  nms,
  tile,
  point,
  computeTiles,
  compositeTable,
  limbValue,
  scorePairs,
];

/** The module's bytes, assembled from the kernel sources (what `npm run build:kernels` writes to kernelBytes.ts). */
export function assembleKernels(): Uint8Array {
  return assembleModule(KERNEL_FUNCTIONS, LIMB_IMPORTS);
}
