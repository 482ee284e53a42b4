import type { Bytes, FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { at4, f64, forRange, i32, op } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';

/** Tiles per side of the blocks boundTiles rules out first. */
const BLOCK = 4;

/** decodeKernels.ts boundTiles: reference mode's rigorous screen, per 4×4-tile block first, then per tile. */
export const boundTiles: FunctionDef = {
  name: 'boundTiles',
  params: [
    ['ctx', 'i32'],
    ['threshold', 'f64'],
    ['out', 'i32'],
    ['work', 'i32'],
    ['win', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['tilesX', 'i32'],
    ['tilesY', 'i32'],
    ['bx', 'i32'],
    ['by', 'i32'],
    ['tx', 'i32'],
    ['ty', 'i32'],
    ['tx1', 'i32'],
    ['ty1', 'i32'],
    ['n', 'i32'],
    ['p', 'i32'],
    ['pp', 'i32'],
    ['grid', 'i32'],
    ['found', 'i32'],
    ['b', 'f64'],
  ],
  body: (f) => {
    const get = f.get;
    const passAt = i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('p'), i32.const(CTX.passShift))));
    const spanY = (ty: Bytes, k: number) =>
      i32.load(at4(i32.load(get('pp'), CTX.spanY), i32.shl(ty, i32.const(2))), 4 * k);
    // the grid of pass p: after all earlier passes' grids
    const gridOf = [
      f.set('grid', get('work')),
      forRange(
        f,
        'pp',
        i32.const(0),
        get('p'),
        f.set(
          'grid',
          i32.add(
            get('grid'),
            i32.mul(
              i32.mul(
                i32.load(
                  i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('pp'), i32.const(CTX.passShift)))),
                  CTX.mapH,
                ),
                get('tilesX'),
              ),
              i32.const(24),
            ),
          ),
        ),
      ),
      f.set('pp', passAt),
    ];
    /** Σ over passes of segmentBound over tile columns tx..tx1, the map rows of tile rows ty..ty1, into b. */
    const bound = (tx: string, tx1: string, ty: string, ty1: string) => [
      f.set('b', f64.const(0)),
      forRange(
        f,
        'p',
        i32.const(0),
        get('n'),
        ...gridOf,
        f.set(
          'b',
          f64.add(
            get('b'),
            f.call(
              'segmentBound',
              get('grid'),
              get('tilesX'),
              get(tx),
              get(tx1),
              spanY(get(ty), 0),
              spanY(get(ty1), 1),
              f64.load(i32.load(get('pp'), CTX.negMass), 8),
              f64.fromI32(get('n')),
            ),
          ),
        ),
      ),
    ];
    const lastOf = (v: string, n: string) => [
      f.set(`${v}1`, i32.add(get(v), i32.const(BLOCK - 1))),
      op.if(i32.ge(get(`${v}1`), get(n)), [f.set(`${v}1`, i32.sub(get(n), i32.const(1)))]),
    ];
    return [
      f.set('n', i32.load(get('ctx'), CTX.passes)),
      f.set('tilesX', i32.load(get('ctx'), CTX.tilesX)),
      f.set('tilesY', op.i32.divS(i32.add(i32.load(get('ctx'), CTX.imageH), i32.const(7)), i32.const(8))),
      forRange(
        f,
        'p',
        i32.const(0),
        get('n'),
        ...gridOf,
        f.call('rowSegments', get('pp'), get('tilesX'), get('grid'), get('win')),
      ),
      forRange(
        f,
        'by',
        i32.const(0),
        op.i32.divS(i32.add(get('tilesY'), i32.const(BLOCK - 1)), i32.const(BLOCK)),
        forRange(
          f,
          'bx',
          i32.const(0),
          op.i32.divS(i32.add(get('tilesX'), i32.const(BLOCK - 1)), i32.const(BLOCK)),
          f.set('tx', i32.mul(get('bx'), i32.const(BLOCK))),
          f.set('ty', i32.mul(get('by'), i32.const(BLOCK))),
          ...lastOf('tx', 'tilesX'),
          ...lastOf('ty', 'tilesY'),
          ...bound('tx', 'tx1', 'ty', 'ty1'),
          op.if(f64.ge(get('b'), get('threshold')), [
            forRange(
              f,
              'ty',
              i32.mul(get('by'), i32.const(BLOCK)),
              i32.add(get('ty1'), i32.const(1)),
              forRange(
                f,
                'tx',
                i32.mul(get('bx'), i32.const(BLOCK)),
                i32.add(get('tx1'), i32.const(1)),
                ...bound('tx', 'tx', 'ty', 'ty'),
                op.if(f64.ge(get('b'), get('threshold')), [
                  i32.store(at4(get('out'), get('found')), i32.add(i32.mul(get('ty'), get('tilesX')), get('tx'))),
                  f.set('found', i32.add(get('found'), i32.const(1))),
                ]),
              ),
            ),
          ]),
        ),
      ),
      get('found'),
    ];
  },
};
