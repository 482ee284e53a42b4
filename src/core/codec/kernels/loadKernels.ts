import type { DecodeKernels } from './decodeKernels.ts';
import { jsKernels } from './jsKernels.ts';
import { wasmKernels } from './wasmKernels.ts';

let shared: DecodeKernels | null = null;

/**
 * The process's kernels, made on first use (inside the first decode, so its cost is counted there): WebAssembly
 * where the host allows it, the TypeScript twin otherwise. Decoding is synchronous, so one heap per module is safe.
 */
export function decodeKernels(): DecodeKernels {
  shared ??= wasmKernels() ?? jsKernels();
  return shared;
}
