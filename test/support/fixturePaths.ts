import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy, type Tensor } from '../../src/core/tensor/parseNpy.ts';

/** Project root (the checkout). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `../shared` beside the checkout: data and fixtures are read from there, never copied (DEVELOPERS.md). */
export const SHARED_ROOT = path.resolve(PROJECT_ROOT, '..', 'shared');
export const DECODE_FIXTURES = path.join(SHARED_ROOT, 'fixtures', 'decode');
export const COCOEVAL_FIXTURES = path.join(SHARED_ROOT, 'fixtures', 'cocoeval');
export const PROJECT_FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures');

export function readNpy(file: string): Tensor {
  return parseNpy(new Uint8Array(readFileSync(file)));
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export { readDecodeCase } from '../../src/node/cases/readDecodeCase.ts';
export const MODEL_FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model');
export const PREPROCESS_FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'preprocess');
export const COCO_TRAIN_IMAGES = path.join(SHARED_ROOT, 'data', 'coco-mini', 'train2017');
export const COCO_VAL_IMAGES = path.join(SHARED_ROOT, 'data', 'coco-mini', 'val2017');
