import type { FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f32x4, forRange, i32, op, REVERSE, rowSum, v128, whileLoop } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import type { Bytes, LocalAccess } from '../../../wasm/wasmAssembler.ts';

/** Flip average of whole rows (decodeKernels.ts flipAverage). */
export const flipAverage: FunctionDef = {
  name: 'flipAverage',
  params: [
    ['dst', 'i32'],
    ['src', 'i32'],
    ['mir', 'i32'],
    ['width', 'i32'],
    ['rows', 'i32'],
  ],
  result: null,
  locals: [
    ['rowBytes', 'i32'],
    ['x', 'i32'],
    ['m', 'v128'],
  ],
  body: (f) => [
    f.set('rowBytes', i32.shl(f.get('width'), i32.const(2))),
    whileLoop(
      i32.gt(f.get('rows'), i32.const(0)),
      f.set('x', i32.const(0)),
      whileLoop(
        i32.lt(f.get('x'), f.get('rowBytes')),
        v128.store(
          i32.add(f.get('dst'), f.get('x')),
          f32x4.mul(
            f32x4.add(
              v128.load(i32.add(f.get('src'), f.get('x'))),
              v128.shuffle(
                f.tee(
                  'm',
                  v128.load(i32.sub(i32.add(f.get('mir'), f.get('rowBytes')), i32.add(f.get('x'), i32.const(16)))),
                ),
                f.get('m'),
                REVERSE,
              ),
            ),
            f32x4.splat(f32.const(0.5)),
          ),
        ),
        f.set('x', i32.add(f.get('x'), i32.const(16))),
      ),
      f.set('dst', i32.add(f.get('dst'), f.get('rowBytes'))),
      f.set('src', i32.add(f.get('src'), f.get('rowBytes'))),
      f.set('mir', i32.add(f.get('mir'), f.get('rowBytes'))),
      f.set('rows', i32.sub(f.get('rows'), i32.const(1))),
    ),
  ],
};

/** The composite kernel over one tile, divided and stored or accumulated (decodeKernels.ts tile). */
export const tile: FunctionDef = {
  name: 'tile',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['xStart', 'i32'],
    ['xWeight', 'i32'],
    ['yStart', 'i32'],
    ['yWeight', 'i32'],
    ['x0', 'i32'],
    ['y0', 'i32'],
    ['nx', 'i32'],
    ['ny', 'i32'],
    ['out', 'i32'],
    ['scratch', 'i32'],
    ['divisor', 'f32'],
    ['accumulate', 'i32'],
  ],
  result: null,
  locals: [
    ['rFirst', 'i32'],
    ['r', 'i32'],
    ['rLast', 'i32'],
    ['i', 'i32'],
    ['x', 'i32'],
    ['rowPtr', 'i32'],
    ['sc', 'i32'],
    ['wp', 'i32'],
    ['base', 'i32'],
    ['o', 'i32'],
    ['t', 'v128'],
    ['wk', 'v128'],
    ['acc0', 'v128'],
    ['acc1', 'v128'],
    ['div', 'v128'],
  ],
  body: (f) => {
    const vertical: Bytes[] = [];
    for (let k = 1; k < 8; k++) {
      vertical.push(
        f.set('wk', f32x4.splat(f32.load(f.get('wp'), 4 * k))),
        f.set('acc0', f32x4.add(f.get('acc0'), f32x4.mul(f.get('wk'), v128.load(f.get('base'), 32 * k)))),
        f.set('acc1', f32x4.add(f.get('acc1'), f32x4.mul(f.get('wk'), v128.load(f.get('base'), 32 * k + 16)))),
      );
    }
    return [
      f.set('div', f32x4.splat(f.get('divisor'))),
      f.set('rFirst', i32.load(i32.add(f.get('yStart'), i32.shl(f.get('y0'), i32.const(2))))),
      f.set(
        'rLast',
        i32.add(
          i32.load(
            i32.add(f.get('yStart'), i32.shl(i32.sub(i32.add(f.get('y0'), f.get('ny')), i32.const(1)), i32.const(2))),
          ),
          i32.const(7),
        ),
      ),
      f.set('r', f.get('rFirst')),
      whileLoop(
        i32.le(f.get('r'), f.get('rLast')),
        f.set('rowPtr', i32.add(f.get('plane'), i32.shl(i32.mul(f.get('r'), f.get('width')), i32.const(2)))),
        f.set('sc', i32.add(f.get('scratch'), i32.shl(i32.sub(f.get('r'), f.get('rFirst')), i32.const(5)))),
        f.set('i', i32.const(0)),
        whileLoop(
          i32.lt(f.get('i'), f.get('nx')),
          f.set('x', i32.add(f.get('x0'), f.get('i'))),
          f32.store(
            i32.add(f.get('sc'), i32.shl(f.get('i'), i32.const(2))),
            rowSum(
              f,
              i32.add(
                f.get('rowPtr'),
                i32.shl(i32.load(i32.add(f.get('xStart'), i32.shl(f.get('x'), i32.const(2)))), i32.const(2)),
              ),
              i32.add(f.get('xWeight'), i32.shl(f.get('x'), i32.const(5))),
              't',
            ),
          ),
          f.set('i', i32.add(f.get('i'), i32.const(1))),
        ),
        f.set('r', i32.add(f.get('r'), i32.const(1))),
      ),
      f.set('i', i32.const(0)),
      whileLoop(
        i32.lt(f.get('i'), f.get('ny')),
        f.set('x', i32.add(f.get('y0'), f.get('i'))), // x holds the image row y here
        f.set(
          'base',
          i32.add(
            f.get('scratch'),
            i32.shl(
              i32.sub(i32.load(i32.add(f.get('yStart'), i32.shl(f.get('x'), i32.const(2)))), f.get('rFirst')),
              i32.const(5),
            ),
          ),
        ),
        f.set('wp', i32.add(f.get('yWeight'), i32.shl(f.get('x'), i32.const(5)))),
        f.set('wk', f32x4.splat(f32.load(f.get('wp')))),
        f.set('acc0', f32x4.mul(f.get('wk'), v128.load(f.get('base')))),
        f.set('acc1', f32x4.mul(f.get('wk'), v128.load(f.get('base'), 16))),
        ...vertical,
        f.set('acc0', f32x4.div(f.get('acc0'), f.get('div'))),
        f.set('acc1', f32x4.div(f.get('acc1'), f.get('div'))),
        f.set('o', i32.add(f.get('out'), i32.shl(f.get('i'), i32.const(5)))),
        op.if(f.get('accumulate'), [
          f.set('acc0', f32x4.add(v128.load(f.get('o')), f.get('acc0'))),
          f.set('acc1', f32x4.add(v128.load(f.get('o'), 16), f.get('acc1'))),
        ]),
        v128.store(f.get('o'), f.get('acc0')),
        v128.store(f.get('o'), f.get('acc1'), 16),
        f.set('i', i32.add(f.get('i'), i32.const(1))),
      ),
    ];
  },
};

/** The composite kernel at one pixel (decodeKernels.ts point). */
export const point: FunctionDef = {
  name: 'point',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['xStart', 'i32'],
    ['xWeight', 'i32'],
    ['yStart', 'i32'],
    ['yWeight', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
  ],
  result: 'f32',
  locals: [
    ['s', 'i32'],
    ['wx', 'i32'],
    ['wy', 'i32'],
    ['rowBytes', 'i32'],
    ['acc', 'f32'],
    ['t', 'v128'],
  ],
  body: (f) => {
    const rows: Bytes[] = [];
    for (let k = 0; k < 8; k++) {
      const term = f32.mul(f32.load(f.get('wy'), 4 * k), rowSum(f, f.get('s'), f.get('wx'), 't'));
      rows.push(f.set('acc', k === 0 ? term : f32.add(f.get('acc'), term)));
      rows.push(f.set('s', i32.add(f.get('s'), f.get('rowBytes'))));
    }
    return [
      f.set('rowBytes', i32.shl(f.get('width'), i32.const(2))),
      f.set('wx', i32.add(f.get('xWeight'), i32.shl(f.get('x'), i32.const(5)))),
      f.set('wy', i32.add(f.get('yWeight'), i32.shl(f.get('y'), i32.const(5)))),
      f.set(
        's',
        i32.add(
          f.get('plane'),
          i32.shl(
            i32.add(
              i32.mul(i32.load(i32.add(f.get('yStart'), i32.shl(f.get('y'), i32.const(2)))), f.get('width')),
              i32.load(i32.add(f.get('xStart'), i32.shl(f.get('x'), i32.const(2)))),
            ),
            i32.const(2),
          ),
        ),
      ),
      ...rows,
      f.get('acc'),
    ];
  },
};

/** Computes F for tile t (pass loop of computeTiles) into `slot`; uses locals x0, y0, nx, ny, n, p, pp. */
function tileBody(f: LocalAccess, t: Bytes, slot: Bytes): Bytes[] {
  const get = f.get;
  const ctx = (o: number) => i32.load(get('ctx'), o);
  const pass = (o: number) => i32.load(get('pp'), o);
  return [
    f.set('n', ctx(CTX.passes)),
    f.set('y0', op.i32.divS(t, ctx(CTX.tilesX))),
    f.set('x0', i32.shl(i32.sub(t, i32.mul(get('y0'), ctx(CTX.tilesX))), i32.const(3))),
    f.set('y0', i32.shl(get('y0'), i32.const(3))),
    f.set('nx', i32.sub(ctx(CTX.imageW), get('x0'))),
    op.if(i32.gt(get('nx'), i32.const(8)), [f.set('nx', i32.const(8))]),
    f.set('ny', i32.sub(ctx(CTX.imageH), get('y0'))),
    op.if(i32.gt(get('ny'), i32.const(8)), [f.set('ny', i32.const(8))]),
    forRange(
      f,
      'p',
      i32.const(0),
      get('n'),
      f.set('pp', i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('p'), i32.const(CTX.passShift))))),
      f.call(
        'tile',
        pass(CTX.plane),
        pass(CTX.mapW),
        pass(CTX.xStart),
        pass(CTX.xWeight),
        pass(CTX.yStart),
        pass(CTX.yWeight),
        get('x0'),
        get('y0'),
        get('nx'),
        get('ny'),
        slot,
        get('scratch'),
        f32.fromI32(get('n')),
        i32.gt(get('p'), i32.const(0)),
      ),
    ),
  ];
}

const tileLocals: [string, 'i32'][] = [
  ['x0', 'i32'],
  ['y0', 'i32'],
  ['nx', 'i32'],
  ['ny', 'i32'],
  ['n', 'i32'],
  ['p', 'i32'],
  ['pp', 'i32'],
];

/** Byte address of tile t's values in the context's pool. */
export const tileSlot = (f: LocalAccess, t: Bytes): Bytes =>
  i32.add(i32.load(f.get('ctx'), CTX.pool), i32.shl(t, i32.const(8)));
/** Byte address of tile t's state byte. */
export const tileState = (f: LocalAccess, t: Bytes): Bytes => i32.add(i32.load(f.get('ctx'), CTX.state), t);

/** The byte offset of tile t's values, computing it when it is not yet. */
export const ensureTile: FunctionDef = {
  name: 'ensureTile',
  params: [
    ['ctx', 'i32'],
    ['t', 'i32'],
    ['scratch', 'i32'],
  ],
  result: 'i32',
  locals: tileLocals,
  body: (f) => [
    op.if(i32.eqz(i32.load8u(tileState(f, f.get('t')))), [
      i32.store8(tileState(f, f.get('t')), i32.const(1)),
      ...tileBody(f, f.get('t'), tileSlot(f, f.get('t'))),
    ]),
    tileSlot(f, f.get('t')),
  ],
};

/** decodeKernels.ts computeTiles: F over the listed tiles into the pool. */
export const computeTiles: FunctionDef = {
  name: 'computeTiles',
  params: [
    ['ctx', 'i32'],
    ['list', 'i32'],
    ['count', 'i32'],
    ['scratch', 'i32'],
  ],
  result: null,
  locals: [['i', 'i32']],
  body: (f) => [
    forRange(
      f,
      'i',
      i32.const(0),
      f.get('count'),
      op.drop(f.call('ensureTile', f.get('ctx'), i32.load(at4(f.get('list'), f.get('i'))), f.get('scratch'))),
    ),
  ],
};

/** F at image pixel (x, y) of the staged keypoint channel (its tile computed on demand). */
export const heatAt: FunctionDef = {
  name: 'heatAt',
  params: [
    ['ctx', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['scratch', 'i32'],
  ],
  result: 'f32',
  locals: [],
  body: (f) => [
    f32.load(
      at4(
        f.call(
          'ensureTile',
          f.get('ctx'),
          i32.add(
            i32.mul(i32.shrS(f.get('y'), i32.const(3)), i32.load(f.get('ctx'), CTX.tilesX)),
            i32.shrS(f.get('x'), i32.const(3)),
          ),
          f.get('scratch'),
        ),
        i32.add(i32.shl(i32.and(f.get('y'), i32.const(7)), i32.const(3)), i32.and(f.get('x'), i32.const(7))),
      ),
    ),
  ],
};
