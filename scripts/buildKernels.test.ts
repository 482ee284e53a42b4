import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KERNEL_BYTES_FILE, kernelBytesSource } from './buildKernels.ts';
import { assembleKernels } from '../src/core/codec/kernels/wasm/kernelModule.ts';
import { decodeBase64 } from '../src/core/codec/kernels/wasmKernels.ts';
import { KERNEL_WASM_BASE64 } from '../src/core/codec/kernels/wasm/kernelBytes.ts';

describe('npm run build:kernels', () => {
  it('kernelBytes.ts is what the kernel sources assemble to (run `npm run build:kernels` after editing them)', () => {
    expect(readFileSync(KERNEL_BYTES_FILE, 'utf8')).toBe(kernelBytesSource(assembleKernels()));
    expect(Array.from(decodeBase64(KERNEL_WASM_BASE64))).toEqual(Array.from(assembleKernels()));
  });

  it('decodeBase64 agrees with Buffer for every padding', () => {
    for (let n = 0; n < 9; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 251) & 255);
      expect(Array.from(decodeBase64(Buffer.from(bytes).toString('base64')))).toEqual(Array.from(bytes));
    }
  });
});
