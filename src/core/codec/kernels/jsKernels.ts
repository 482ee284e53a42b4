import type { DecodeKernels } from './decodeKernels.ts';
import { KernelHeap } from './kernelHeap.ts';
import { jsLimbKernels } from './js/jsLimbKernels.ts';
import { jsMapKernels } from './js/jsMapKernels.ts';
import { jsPeakKernels } from './js/jsPeakKernels.ts';
import { jsScreenKernels } from './js/jsScreenKernels.ts';

/** The kernels of decodeKernels.ts in TypeScript: the same results as WebAssembly, bit for bit, only slower. */
export function jsKernels(heap: KernelHeap = KernelHeap.plain()): DecodeKernels {
  const map = jsMapKernels(heap);
  const k = {
    heap,
    kind: 'js',
    ...map,
    ...jsScreenKernels(heap),
  } as unknown as DecodeKernels & typeof map;
  Object.assign(k, jsPeakKernels(heap, k), jsLimbKernels(heap, k));
  return k;
}
