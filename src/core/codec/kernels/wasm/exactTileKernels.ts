import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, forRange, i32, op } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import { FIELDS } from './exactKernels.ts';

/** OpenCV's 4-tap horizontal sum at output x: taps src[off + index[4x + t]] · weight[4x + t], forward order. */
function hsum4(f: LocalAccess, src: Bytes, index: string, weight: string, x4: Bytes): Bytes {
  const tap = (t: number) =>
    f32.mul(f32.load(at4(src, i32.load(at4(f.get(index), x4), 4 * t))), f32.load(at4(f.get(weight), x4), 4 * t));
  return f32.add(f32.add(f32.add(tap(0), tap(1)), tap(2)), tap(3));
}

/** resizeCubic.ts verticalRow: one output row y over columns [x0, x1), SIMD order below xTail, scalar from it. */
export const vRow: FunctionDef = {
  name: 'vRow',
  params: [
    ['rows', 'i32'],
    ['stride', 'i32'],
    ['ayI', 'i32'],
    ['ayW', 'i32'],
    ['y', 'i32'],
    ['dst', 'i32'],
    ['x0', 'i32'],
    ['x1', 'i32'],
    ['rowBase', 'i32'],
    ['colBase', 'i32'],
    ['xTail', 'i32'],
  ],
  result: null,
  locals: [
    ['x', 'i32'],
    ['xs', 'i32'],
    ['o0', 'i32'],
    ['o1', 'i32'],
    ['o2', 'i32'],
    ['o3', 'i32'],
    ['b0', 'f32'],
    ['b1', 'f32'],
    ['b2', 'f32'],
    ['b3', 'f32'],
  ],
  body: (f) => {
    const get = f.get;
    const k4 = i32.shl(get('y'), i32.const(2));
    const o = (t: number) =>
      i32.sub(i32.mul(i32.sub(i32.load(at4(get('ayI'), k4), 4 * t), get('rowBase')), get('stride')), get('colBase'));
    const term = (t: number) => f32.mul(get(`b${t}`), f32.load(at4(get('rows'), i32.add(get(`o${t}`), get('x')))));
    const out = at4(get('dst'), i32.sub(get('x'), get('x0')));
    return [
      ...[0, 1, 2, 3].flatMap((t) => [f.set(`b${t}`, f32.load(at4(get('ayW'), k4), 4 * t)), f.set(`o${t}`, o(t))]),
      f.set('xs', get('xTail')),
      op.if(i32.lt(get('xs'), get('x0')), [f.set('xs', get('x0'))]),
      op.if(i32.gt(get('xs'), get('x1')), [f.set('xs', get('x1'))]),
      forRange(
        f,
        'x',
        get('x0'),
        get('xs'),
        f32.store(out, f32.add(f32.add(f32.add(term(3), term(2)), term(1)), term(0))),
      ),
      forRange(
        f,
        'x',
        get('xs'),
        get('x1'),
        f32.store(out, f32.add(f32.add(f32.add(term(0), term(1)), term(2)), term(3))),
      ),
    ];
  },
};

/** exactPoint's fields and the tile spans. */
const PASS_FIELDS: [string, number][] = [...FIELDS, ['spanX', CTX.spanX], ['spanY', CTX.spanY]];

/**
 * exactTile.ts exactTileValues for 8×8 tile t of pass pp into out (row stride 8 floats): the four stages on the
 * context's bufA, bufI, bufC.
 */
export const exactPassTile: FunctionDef = {
  name: 'exactPassTile',
  params: [
    ['ctx', 'i32'],
    ['pp', 'i32'],
    ['t', 'i32'],
    ['out', 'i32'],
  ],
  result: null,
  locals: [
    ...PASS_FIELDS.map(([n]): [string, 'i32'] => [n, 'i32']),
    ['tx', 'i32'],
    ['ty', 'i32'],
    ['x0', 'i32'],
    ['x1', 'i32'],
    ['y0', 'i32'],
    ['y1', 'i32'],
    ['sr0', 'i32'],
    ['sr1', 'i32'],
    ['r0', 'i32'],
    ['r1', 'i32'],
    ['c0', 'i32'],
    ['c1', 'i32'],
    ['nc', 'i32'],
    ['nx', 'i32'],
    ['sr', 'i32'],
    ['r', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['bufA', 'i32'],
    ['bufI', 'i32'],
    ['bufC', 'i32'],
  ],
  body: (f) => {
    const get = f.get;
    const span = (table: string, tile: string, i: number) =>
      i32.load(at4(get(table), i32.shl(get(tile), i32.const(2))), 4 * i);
    return [
      ...PASS_FIELDS.map(([n, field]) => f.set(n, i32.load(get('pp'), field))),
      f.set('bufA', i32.load(get('ctx'), CTX.bufA)),
      f.set('bufI', i32.load(get('ctx'), CTX.bufI)),
      f.set('bufC', i32.load(get('ctx'), CTX.bufC)),
      f.set('ty', op.i32.divS(get('t'), i32.load(get('ctx'), CTX.tilesX))),
      f.set('tx', i32.sub(get('t'), i32.mul(get('ty'), i32.load(get('ctx'), CTX.tilesX)))),
      f.set('x0', i32.shl(get('tx'), i32.const(3))),
      f.set('y0', i32.shl(get('ty'), i32.const(3))),
      f.set('x1', i32.add(get('x0'), i32.const(8))),
      op.if(i32.gt(get('x1'), i32.load(get('ctx'), CTX.imageW)), [f.set('x1', i32.load(get('ctx'), CTX.imageW))]),
      f.set('y1', i32.add(get('y0'), i32.const(8))),
      op.if(i32.gt(get('y1'), i32.load(get('ctx'), CTX.imageH)), [f.set('y1', i32.load(get('ctx'), CTX.imageH))]),
      f.set('sr0', span('spanY', 'ty', 0)),
      f.set('sr1', span('spanY', 'ty', 1)),
      f.set('r0', span('spanY', 'ty', 2)),
      f.set('r1', span('spanY', 'ty', 3)),
      f.set('c0', span('spanX', 'tx', 2)),
      f.set('c1', span('spanX', 'tx', 3)),
      f.set('nc', i32.add(i32.sub(get('c1'), get('c0')), i32.const(1))),
      f.set('nx', i32.sub(get('x1'), get('x0'))),
      // stage 1 horizontal: map rows sr0..sr1 at stage-1 columns c0..c1 → bufA
      forRange(
        f,
        'sr',
        get('sr0'),
        i32.add(get('sr1'), i32.const(1)),
        forRange(
          f,
          'x',
          get('c0'),
          i32.add(get('c1'), i32.const(1)),
          f32.store(
            at4(get('bufA'), i32.add(i32.mul(i32.sub(get('sr'), get('sr0')), get('nc')), i32.sub(get('x'), get('c0')))),
            hsum4(
              f,
              at4(get('plane'), i32.mul(get('sr'), get('mapW'))),
              'ax1I',
              'ax1W',
              i32.shl(get('x'), i32.const(2)),
            ),
          ),
        ),
      ),
      // stage 1 vertical: stage-1 rows r0..r1 → bufI
      forRange(
        f,
        'r',
        get('r0'),
        i32.add(get('r1'), i32.const(1)),
        f.call(
          'vRow',
          get('bufA'),
          get('nc'),
          get('ay1I'),
          get('ay1W'),
          get('r'),
          at4(get('bufI'), i32.mul(i32.sub(get('r'), get('r0')), get('nc'))),
          get('c0'),
          i32.add(get('c1'), i32.const(1)),
          get('sr0'),
          get('c0'),
          get('tailPadded'),
        ),
      ),
      // stage 2 horizontal: image columns x0..x1−1 of stage-1 rows r0..r1 → bufC
      forRange(
        f,
        'r',
        get('r0'),
        i32.add(get('r1'), i32.const(1)),
        forRange(
          f,
          'x',
          get('x0'),
          get('x1'),
          f32.store(
            at4(get('bufC'), i32.add(i32.mul(i32.sub(get('r'), get('r0')), get('nx')), i32.sub(get('x'), get('x0')))),
            hsum4(
              f,
              at4(get('bufI'), i32.sub(i32.mul(i32.sub(get('r'), get('r0')), get('nc')), get('c0'))),
              'ax2I',
              'ax2W',
              i32.shl(get('x'), i32.const(2)),
            ),
          ),
        ),
      ),
      // stage 2 vertical: image rows y0..y1−1 → out
      forRange(
        f,
        'y',
        get('y0'),
        get('y1'),
        f.call(
          'vRow',
          get('bufC'),
          get('nx'),
          get('ay2I'),
          get('ay2W'),
          get('y'),
          at4(get('out'), i32.shl(i32.sub(get('y'), get('y0')), i32.const(3))),
          get('x0'),
          get('x1'),
          get('r0'),
          get('x0'),
          get('tailImage'),
        ),
      ),
    ];
  },
};
