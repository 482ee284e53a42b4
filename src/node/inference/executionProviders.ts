import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Execution providers the app knows, in the user's words. */
export type ProviderName = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml';

const ORT_NAME: Record<Exclude<ProviderName, 'auto'>, string> = {
  cpu: 'cpu',
  cuda: 'cuda',
  dml: 'dml',
  coreml: 'coreml',
};

/** The order to try: the platform's accelerator first (CUDA on Linux/Windows x64, DirectML on Windows, CoreML on macOS), CPU last. */
export function providerOrder(
  requested: ProviderName,
  platform: NodeJS.Platform = process.platform,
): Exclude<ProviderName, 'auto'>[] {
  if (requested !== 'auto') return [requested];
  if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cuda', 'cpu'];
}

export function ortProviderName(p: Exclude<ProviderName, 'auto'>): string {
  return ORT_NAME[p];
}

export function isProviderName(v: string): v is ProviderName {
  return ['auto', 'cpu', 'cuda', 'dml', 'coreml'].includes(v);
}

/**
 * Why a provider cannot work here, or null when it may: the CUDA provider is a separate library that `npm ci`
 * does not download (offline installs); `npm run install:cuda` fetches it where a network allows.
 */
export function providerUnavailableReason(
  p: Exclude<ProviderName, 'auto'>,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (p === 'cpu') return null;
  if (p === 'dml' && platform !== 'win32') return 'DirectML exists only on Windows';
  if (p === 'coreml' && platform !== 'darwin') return 'CoreML exists only on macOS';
  if (p === 'cuda') {
    if (platform === 'darwin') return 'CUDA is not available on macOS';
    const dir = ortBinaryDir();
    const lib = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (dir && !existsSync(path.join(dir, lib)))
      return `the CUDA provider library is not installed (${lib}); run \`npm run install:cuda\` where a network is available`;
  }
  return null;
}

function ortBinaryDir(): string | null {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    const root = main.slice(
      0,
      main.lastIndexOf(`${path.sep}onnxruntime-node${path.sep}`) + `${path.sep}onnxruntime-node`.length,
    );
    return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}
