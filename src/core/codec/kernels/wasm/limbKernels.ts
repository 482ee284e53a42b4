import type { FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, forRange, i32, op, TILE_SHIFT, v128 } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import { tileSlot, tileState } from './tileKernels.ts';

const ctxI32 = (f: LocalAccess, offset: number) => i32.load(f.get('ctx'), offset);
const passI32 = (f: LocalAccess, field: number) => i32.load(f.get('pp'), field);

/** decodeKernels.ts limbValue: the memoised mean over passes of the composite kernel at one pixel. */
export const limbValue: FunctionDef = {
  name: 'limbValue',
  params: [
    ['ctx', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
  ],
  result: 'f32',
  locals: [
    ['t', 'i32'],
    ['blk', 'i32'],
    ['a', 'i32'],
    ['n', 'i32'],
    ['p', 'i32'],
    ['pp', 'i32'],
    ['v', 'f32'],
    ['fv', 'f32'],
  ],
  body: (f) => [
    f.set(
      't',
      i32.add(
        i32.mul(i32.shrS(f.get('y'), i32.const(TILE_SHIFT)), ctxI32(f, CTX.tilesX)),
        i32.shrS(f.get('x'), i32.const(TILE_SHIFT)),
      ),
    ),
    f.set('blk', tileSlot(f, f.get('t'))),
    op.if(i32.eqz(i32.load8u(tileState(f, f.get('t')))), [
      i32.store8(tileState(f, f.get('t')), i32.const(1)),
      forRange(
        f,
        'p',
        i32.const(0),
        i32.const(16),
        v128.store(i32.add(f.get('blk'), i32.shl(f.get('p'), i32.const(4))), v128.constNaN()),
      ),
    ]),
    f.set(
      'a',
      at4(
        f.get('blk'),
        i32.add(i32.shl(i32.and(f.get('y'), i32.const(7)), i32.const(3)), i32.and(f.get('x'), i32.const(7))),
      ),
    ),
    f.set('v', f32.load(f.get('a'))),
    op.if(f32.eq(f.get('v'), f.get('v')), [op.return(f.get('v'))]),
    f.set('n', ctxI32(f, CTX.passes)),
    forRange(
      f,
      'p',
      i32.const(0),
      f.get('n'),
      f.set(
        'pp',
        i32.add(f.get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(f.get('p'), i32.const(CTX.passShift)))),
      ),
      f.set(
        'fv',
        f32.div(
          f.call(
            'point',
            passI32(f, CTX.plane),
            passI32(f, CTX.mapW),
            passI32(f, CTX.xStart),
            passI32(f, CTX.xWeight),
            passI32(f, CTX.yStart),
            passI32(f, CTX.yWeight),
            f.get('x'),
            f.get('y'),
          ),
          f32.fromI32(f.get('n')),
        ),
      ),
      f.set('v', op.select('f32', i32.eqz(f.get('p')), f.get('fv'), f32.add(f.get('v'), f.get('fv')))),
    ),
    f32.store(f.get('a'), f.get('v')),
    f.get('v'),
  ],
};
