import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, forRange, i32, op } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';

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
      op.if(
        i32.load(f.get('ctx'), CTX.mode),
        [f.call('exactTile', f.get('ctx'), f.get('t'), tileSlot(f, f.get('t')))],
        tileBody(f, f.get('t'), tileSlot(f, f.get('t'))),
      ),
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
