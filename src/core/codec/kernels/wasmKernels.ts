import type { DecodeKernels } from './decodeKernels.ts';
import { KernelHeap, type WasmMemoryLike } from './kernelHeap.ts';
import { KERNEL_WASM_BASE64 } from './wasm/kernelBytes.ts';

/** The exports of the kernels module (kernelModule.ts KERNEL_FUNCTIONS, minus internal helpers). */
const EXPORTS = [
  'flipAverage',
  'tile',
  'point',
  'computeTiles',
  'seedScan',
  'screenPass',
  'gridSum',
  'listTiles',
  'maxPool2',
  'nms',
  'refine',
  'compositeTable',
  'cubicTable',
  'limbValue',
  'scorePairs',
  'exactValue',
  'scorePairsExact',
  'boundTiles',
] as const;

interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemoryLike;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function kernelBytes(): Uint8Array {
  return decodeBase64(KERNEL_WASM_BASE64);
}

/**
 * Base64 to bytes (core has no Buffer). A table-driven loop: cold, it takes well under a millisecond for the kernels
 * module, where Node's atob plus Uint8Array.from took 4–16 ms of the first decode.
 */
export function decodeBase64(text: string): Uint8Array {
  const value = new Uint8Array(128);
  for (let i = 0; i < 64; i++) value[B64.charCodeAt(i)] = i;
  let n = text.length;
  while (n > 0 && text.charCodeAt(n - 1) === 61) n--; // '='
  const out = new Uint8Array((n * 3) >> 2);
  let o = 0,
    i = 0;
  for (; i + 4 <= n; i += 4) {
    const v =
      (value[text.charCodeAt(i)] << 18) |
      (value[text.charCodeAt(i + 1)] << 12) |
      (value[text.charCodeAt(i + 2)] << 6) |
      value[text.charCodeAt(i + 3)];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  let bits = 0,
    v = 0;
  for (; i < n; i++) {
    v = (v << 6) | value[text.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (v >> bits) & 255;
    }
  }
  return out;
}

/** The kernels compiled to WebAssembly, or null where WebAssembly (with SIMD) is unavailable or refused. */
export function wasmKernels(bytes: Uint8Array = kernelBytes()): DecodeKernels | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api || typeof api.Module !== 'function') return null;
  let module: object;
  try {
    module = new api.Module(bytes);
  } catch {
    return null; // a CSP without 'wasm-unsafe-eval', or an engine without SIMD
  }
  const memory = new api.Memory({ initial: 16 });
  const kernels = { heap: new KernelHeap(memory), kind: 'wasm' } as DecodeKernels;
  const e = new api.Instance(module, { env: { memory } }).exports;
  for (const name of EXPORTS) (kernels as unknown as Record<string, unknown>)[name] = e[name];
  return kernels;
}
