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
  const atob = (globalThis as { atob?: (s: string) => string }).atob;
  if (!atob) return decodeBase64(KERNEL_WASM_BASE64);
  const text = atob(KERNEL_WASM_BASE64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Base64 to bytes, where the host has no atob (core has no Buffer). */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0,
    value = 0,
    o = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | B64.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
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
