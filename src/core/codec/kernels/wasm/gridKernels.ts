import type { FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f32x4, forRange, i32, op, v128, whileLoop } from './dsl.ts';

/** sum[i] += max(grid[i], floor) for i < count (rounded up to a multiple of 4). */
export const gridSum: FunctionDef = {
  name: 'gridSum',
  params: [
    ['sum', 'i32'],
    ['grid', 'i32'],
    ['count', 'i32'],
    ['floor', 'f32'],
  ],
  result: null,
  locals: [['i', 'i32']],
  body: (f) => [
    whileLoop(
      i32.lt(f.get('i'), f.get('count')),
      v128.store(
        at4(f.get('sum'), f.get('i')),
        f32x4.add(
          v128.load(at4(f.get('sum'), f.get('i'))),
          f32x4.max(v128.load(at4(f.get('grid'), f.get('i'))), f32x4.splat(f.get('floor'))),
        ),
      ),
      f.set('i', i32.add(f.get('i'), i32.const(4))),
    ),
  ],
};

/** Indices i < count (a multiple of 4) with values[i] ≥ threshold, in order, into out; returns how many. */
export const listTiles: FunctionDef = {
  name: 'listTiles',
  params: [
    ['values', 'i32'],
    ['count', 'i32'],
    ['threshold', 'f32'],
    ['out', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['i', 'i32'],
    ['e', 'i32'],
    ['found', 'i32'],
  ],
  body: (f) => [
    forRange(
      f,
      'i',
      i32.const(0),
      i32.shrS(f.get('count'), i32.const(2)),
      op.if(
        v128.anyTrue(
          f32x4.ge(v128.load(at4(f.get('values'), i32.shl(f.get('i'), i32.const(2)))), f32x4.splat(f.get('threshold'))),
        ),
        [
          forRange(
            f,
            'e',
            i32.shl(f.get('i'), i32.const(2)),
            i32.add(i32.shl(f.get('i'), i32.const(2)), i32.const(4)),
            op.if(f32.ge(f32.load(at4(f.get('values'), f.get('e'))), f.get('threshold')), [
              i32.store(at4(f.get('out'), f.get('found')), f.get('e')),
              f.set('found', i32.add(f.get('found'), i32.const(1))),
            ]),
          ),
        ],
      ),
    ),
    f.get('found'),
  ],
};

/** Lanes (x0, x2, x4, x6) and (x1, x3, x5, x7) of two vectors (x0..x3), (x4..x7). */
const EVENS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODDS = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

/** decodeKernels.ts maxPool2: 2×2 max pooling of a [height, width] plane (width a multiple of 8, height even). */
export const maxPool2: FunctionDef = {
  name: 'maxPool2',
  params: [
    ['src', 'i32'],
    ['width', 'i32'],
    ['height', 'i32'],
    ['dst', 'i32'],
    ['dstWidth', 'i32'],
  ],
  result: null,
  locals: [
    ['y', 'i32'],
    ['x', 'i32'],
    ['r0', 'i32'],
    ['r1', 'i32'],
    ['o', 'i32'],
    ['a', 'v128'],
    ['b', 'v128'],
  ],
  body: (f) => [
    forRange(
      f,
      'y',
      i32.const(0),
      i32.shrS(f.get('height'), i32.const(1)),
      f.set('r0', at4(f.get('src'), i32.mul(i32.shl(f.get('y'), i32.const(1)), f.get('width')))),
      f.set('r1', at4(f.get('r0'), f.get('width'))),
      f.set('o', at4(f.get('dst'), i32.mul(f.get('y'), f.get('dstWidth')))),
      whileLoop(
        i32.lt(f.get('x'), f.get('width')),
        f.set('a', f32x4.max(v128.load(at4(f.get('r0'), f.get('x'))), v128.load(at4(f.get('r1'), f.get('x'))))),
        f.set('b', f32x4.max(v128.load(at4(f.get('r0'), f.get('x')), 16), v128.load(at4(f.get('r1'), f.get('x')), 16))),
        v128.store(
          at4(f.get('o'), i32.shrS(f.get('x'), i32.const(1))),
          f32x4.max(v128.shuffle(f.get('a'), f.get('b'), EVENS), v128.shuffle(f.get('a'), f.get('b'), ODDS)),
        ),
        f.set('x', i32.add(f.get('x'), i32.const(8))),
      ),
      f.set('x', i32.const(0)),
    ),
  ],
};
