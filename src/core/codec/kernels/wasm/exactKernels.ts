import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f64, forRange, i32, op, v128 } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import { tileState } from './tileKernels.ts';

/** The pass fields exactPoint reads, copied into locals of the same names once per call. */
export const FIELDS: [string, number][] = [
  ['plane', CTX.plane],
  ['mapW', CTX.mapW],
  ['ax1I', CTX.ax1Index],
  ['ax1W', CTX.ax1Weight],
  ['ay1I', CTX.ay1Index],
  ['ay1W', CTX.ay1Weight],
  ['ax2I', CTX.ax2Index],
  ['ax2W', CTX.ax2Weight],
  ['ay2I', CTX.ay2Index],
  ['ay2W', CTX.ay2Weight],
  ['tailPadded', CTX.tailPadded],
  ['tailImage', CTX.tailImage],
];
/** index[d4 + t] / weight[d4 + t] of an axis table whose address is in local `table` */
const idx = (f: LocalAccess, table: string, d4: Bytes, t: number) => i32.load(at4(f.get(table), d4), 4 * t);
const wgt = (f: LocalAccess, table: string, d4: Bytes, t: number) => f32.load(at4(f.get(table), d4), 4 * t);

/**
 * OpenCV's vertical 4-tap sum of v0..v3 (locals) with weights w[k4 + 0..3]: SIMD order ((w3·v3 + w2·v2) + w1·v1)
 * + w0·v0 when `simd`, else the scalar tail's forward order (resizeCubic.ts verticalRow).
 */
function vertical4(f: LocalAccess, v: string, table: string, k4: Bytes, simd: Bytes): Bytes {
  const term = (t: number) => f32.mul(wgt(f, table, k4, t), f.get(`${v}${t}`));
  return op.select(
    'f32',
    simd,
    f32.add(f32.add(f32.add(term(3), term(2)), term(1)), term(0)),
    f32.add(f32.add(f32.add(term(0), term(1)), term(2)), term(3)),
  );
}

/**
 * The `reference` value of one pass at image pixel (x, y): the four float32 stages of the official upsampling
 * (×4 resize, crop, resize to the image) evaluated from the pixel's 4×4 stage-1 taps, operation for operation as
 * OpenCV (PassUpsampler.pointValue, resizeCubic.ts). `scratch`: 64 floats.
 */
export const exactPoint: FunctionDef = {
  name: 'exactPoint',
  params: [
    ['pp', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['scratch', 'i32'],
  ],
  result: 'f32',
  locals: [
    ['sr0', 'i32'],
    ['sr1', 'i32'],
    ['sr', 'i32'],
    ['q', 'i32'],
    ['k', 'i32'],
    ['c4', 'i32'],
    ['r4', 'i32'],
    ['off', 'i32'],
    ['x4', 'i32'],
    ['y4', 'i32'],
    ['v', 'f32'],
    ['h', 'f32'],
    ['term', 'f32'],
    ['i0', 'f32'],
    ['i1', 'f32'],
    ['i2', 'f32'],
    ['i3', 'f32'],
    ['c0', 'f32'],
    ['c1', 'f32'],
    ['c2', 'f32'],
    ['c3', 'f32'],
    ...FIELDS.map(([n]): [string, 'i32'] => [n, 'i32']),
  ],
  body: (f) => {
    const get = f.get;
    const ptA = (row: Bytes, q: Bytes) => at4(get('scratch'), i32.add(i32.shl(row, i32.const(2)), q));
    const tap = (t: number) =>
      f32.mul(f32.load(at4(get('off'), idx(f, 'ax1I', get('c4'), t))), wgt(f, 'ax1W', get('c4'), t));
    const stage1Row = [
      f.set('v', tap(0)),
      f.set('v', f32.add(get('v'), tap(1))),
      f.set('v', f32.add(get('v'), tap(2))),
      f32.store(ptA(i32.sub(get('sr'), get('sr0')), get('q')), f32.add(get('v'), tap(3))),
    ];
    const cRow = ['c0', 'c1', 'c2', 'c3'];
    return [
      ...FIELDS.map(([n, field]) => f.set(n, i32.load(get('pp'), field))),
      f.set('x4', i32.shl(get('x'), i32.const(2))),
      f.set('y4', i32.shl(get('y'), i32.const(2))),
      // map rows used by the four stage-1 rows (consecutive)
      f.set('sr0', idx(f, 'ay1I', i32.shl(idx(f, 'ay2I', get('y4'), 0), i32.const(2)), 0)),
      f.set('sr1', idx(f, 'ay1I', i32.shl(idx(f, 'ay2I', get('y4'), 3), i32.const(2)), 3)),
      forRange(
        f,
        'q',
        i32.const(0),
        i32.const(4),
        f.set('c4', i32.shl(i32.load(at4(get('ax2I'), i32.add(get('x4'), get('q')))), i32.const(2))),
        forRange(
          f,
          'sr',
          get('sr0'),
          i32.add(get('sr1'), i32.const(1)),
          f.set('off', at4(get('plane'), i32.mul(get('sr'), get('mapW')))),
          ...stage1Row,
        ),
      ),
      ...cRow.flatMap((cName, k) => [
        f.set('r4', i32.shl(idx(f, 'ay2I', get('y4'), k), i32.const(2))),
        forRange(
          f,
          'q',
          i32.const(0),
          i32.const(4),
          ...[0, 1, 2, 3].map((t) =>
            f.set(`i${t}`, f32.load(ptA(i32.sub(idx(f, 'ay1I', get('r4'), t), get('sr0')), get('q')))),
          ),
          f.set(
            'term',
            f32.mul(
              vertical4(
                f,
                'i',
                'ay1W',
                get('r4'),
                i32.lt(i32.load(at4(get('ax2I'), i32.add(get('x4'), get('q')))), get('tailPadded')),
              ),
              f32.load(at4(get('ax2W'), i32.add(get('x4'), get('q')))),
            ),
          ),
          f.set('h', op.select('f32', i32.eqz(get('q')), get('term'), f32.add(get('h'), get('term')))),
        ),
        f.set(cName, get('h')),
      ]),
      vertical4(f, 'c', 'ay2W', get('y4'), i32.lt(get('x'), get('tailImage'))),
    ];
  },
};

/**
 * The `reference` body-part value at (x, y): Σ over passes of (n = 1 ? u : float32(u / n)) in float64 (evaluate.py's
 * paf_avg), memoised per tile in the exact pool (float64, NaN = unknown). `scratch` as exactPoint.
 */
export const exactValue: FunctionDef = {
  name: 'exactValue',
  params: [
    ['ctx', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['scratch', 'i32'],
  ],
  result: 'f64',
  locals: [
    ['t', 'i32'],
    ['blk', 'i32'],
    ['a', 'i32'],
    ['n', 'i32'],
    ['p', 'i32'],
    ['pp', 'i32'],
    ['u', 'f32'],
    ['v', 'f64'],
  ],
  body: (f) => {
    const get = f.get;
    return [
      f.set(
        't',
        i32.add(
          i32.mul(i32.shrS(get('y'), i32.const(3)), i32.load(get('ctx'), CTX.tilesX)),
          i32.shrS(get('x'), i32.const(3)),
        ),
      ),
      f.set('blk', i32.add(i32.load(get('ctx'), CTX.exactPool), i32.shl(get('t'), i32.const(9)))),
      op.if(i32.eqz(i32.load8u(tileState(f, get('t')))), [
        i32.store8(tileState(f, get('t')), i32.const(1)),
        forRange(
          f,
          'p',
          i32.const(0),
          i32.const(32),
          v128.store(i32.add(get('blk'), i32.shl(get('p'), i32.const(4))), v128.constF64(NaN)),
        ),
      ]),
      f.set(
        'a',
        i32.add(
          get('blk'),
          i32.shl(
            i32.add(i32.shl(i32.and(get('y'), i32.const(7)), i32.const(3)), i32.and(get('x'), i32.const(7))),
            i32.const(3),
          ),
        ),
      ),
      f.set('v', f64.load(get('a'))),
      op.if(f64.eq(get('v'), get('v')), [op.return(get('v'))]),
      f.set('n', i32.load(get('ctx'), CTX.passes)),
      f.set('v', f64.const(0)),
      forRange(
        f,
        'p',
        i32.const(0),
        get('n'),
        f.set(
          'pp',
          i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('p'), i32.const(CTX.passShift)))),
        ),
        f.set('u', f.call('exactPoint', get('pp'), get('x'), get('y'), get('scratch'))),
        f.set(
          'v',
          f64.add(
            get('v'),
            f64.promote(
              op.select('f32', i32.eq(get('n'), i32.const(1)), get('u'), f32.div(get('u'), f32.fromI32(get('n')))),
            ),
          ),
        ),
      ),
      f64.store(get('a'), get('v')),
      get('v'),
    ];
  },
};
