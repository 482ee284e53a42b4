// Decode cases for the decoder benchmarks, built on demand with the bundled model (never committed): the raw maps
// of `simplepose infer --dump-maps` on photos of ../shared/data/coco-mini, cached under .tmp/bench-cases/ (ignored).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, SHARED_ROOT } from '../test/support/fixturePaths.ts';

export const BUNDLED_MODEL = path.join(PROJECT_ROOT, 'resources', 'models', 'imhn-synth-tiny.onnx');
export const VAL_IMAGES = path.join(SHARED_ROOT, 'data', 'coco-mini', 'val2017');
const CASES_ROOT = path.join(PROJECT_ROOT, '.tmp', 'bench-cases');

/** The photos of coco-mini val2017, sorted by name. */
export function valPhotos(): string[] {
  return readdirSync(VAL_IMAGES)
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort()
    .map((f) => path.join(VAL_IMAGES, f));
}

/**
 * The case.json files of a named set: `images` run through the bundled model at `scales` (with the flip pass when
 * `flip`), one case per image in order. Built once (a few seconds per photo on a CPU), then reused.
 */
export function caseSet(name: string, images: string[], scales: number[], flip: boolean): string[] {
  const dir = path.join(CASES_ROOT, name);
  const files = images.map((_, i) => path.join(dir, String(i + 1), 'case.json'));
  if (files.every((f) => existsSync(f))) return files;
  rmSync(dir, { recursive: true, force: true });
  console.error(`building ${images.length} decode cases "${name}" with the bundled model (once) …`);
  const args = ['bin/simplepose.js', 'infer', ...images, '--model', BUNDLED_MODEL, '--scales', scales.join(',')];
  if (flip) args.push('--flip');
  args.push('--provider', 'cpu', '--dump-maps', dir, '--out', path.join(CASES_ROOT, `${name}.results.json`));
  const r = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !files.every((f) => existsSync(f)))
    throw new Error(`could not build the decode cases "${name}" (simplepose infer exited ${r.status})`);
  return files;
}
