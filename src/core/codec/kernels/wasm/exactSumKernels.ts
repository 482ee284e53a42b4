import type { FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f64, forRange, i32, op } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';

/**
 * Reference F of tile t into slot (float32): Σ over passes of (n = 1 ? v : float32(v / n)) in float64, then
 * float32 (evaluate.py's heat_avg and its cast before find_peaks). Pass tiles go through the slot itself.
 */
export const exactTile: FunctionDef = {
  name: 'exactTile',
  params: [
    ['ctx', 'i32'],
    ['t', 'i32'],
    ['slot', 'i32'],
  ],
  result: null,
  locals: [
    ['n', 'i32'],
    ['p', 'i32'],
    ['i', 'i32'],
    ['acc', 'i32'],
  ],
  body: (f) => {
    const get = f.get;
    const accAt = i32.add(get('acc'), i32.shl(get('i'), i32.const(3)));
    const v = f32.load(at4(get('slot'), get('i')));
    return [
      f.set('n', i32.load(get('ctx'), CTX.passes)),
      f.set('acc', i32.load(get('ctx'), CTX.acc)),
      forRange(f, 'i', i32.const(0), i32.const(64), f64.store(accAt, f64.const(0))),
      forRange(
        f,
        'p',
        i32.const(0),
        get('n'),
        f.call(
          'exactPassTile',
          get('ctx'),
          i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('p'), i32.const(CTX.passShift)))),
          get('t'),
          get('slot'),
        ),
        forRange(
          f,
          'i',
          i32.const(0),
          i32.const(64),
          f64.store(
            accAt,
            f64.add(
              f64.load(accAt),
              f64.promote(op.select('f32', i32.eq(get('n'), i32.const(1)), v, f32.div(v, f32.fromI32(get('n'))))),
            ),
          ),
        ),
      ),
      forRange(f, 'i', i32.const(0), i32.const(64), f32.store(at4(get('slot'), get('i')), f32.demote(f64.load(accAt)))),
    ];
  },
};

/** decodeKernels.ts boundTiles: reference mode's rigorous screen over all 8×8 tiles. */
export const boundTiles: FunctionDef = {
  name: 'boundTiles',
  params: [
    ['ctx', 'i32'],
    ['threshold', 'f64'],
    ['out', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['t', 'i32'],
    ['tx', 'i32'],
    ['ty', 'i32'],
    ['tiles', 'i32'],
    ['n', 'i32'],
    ['p', 'i32'],
    ['pp', 'i32'],
    ['sr', 'i32'],
    ['sr1', 'i32'],
    ['i', 'i32'],
    ['e', 'i32'],
    ['found', 'i32'],
    ['b', 'f64'],
    ['v', 'f64'],
    ['hi', 'f64'],
    ['lo', 'f64'],
    ['gh', 'f64'],
    ['gl', 'f64'],
    ['top', 'f64'],
    ['bottom', 'f64'],
    ['mag', 'f64'],
    ['nx', 'f64'],
    ['ny', 'f64'],
  ],
  body: (f) => {
    const get = f.get;
    const pass = (field: number) => i32.load(get('pp'), field);
    const span = (field: number, tile: string, k: number) =>
      i32.load(at4(pass(field), i32.shl(get(tile), i32.const(2))), 4 * k);
    const row = at4(pass(CTX.plane), i32.mul(get('sr'), pass(CTX.mapW)));
    const quick = [
      f.set('nx', f64.load(pass(CTX.negMass))),
      f.set('ny', f64.load(pass(CTX.negMass), 8)),
      f.set('top', f64.const(-Infinity)),
      f.set('bottom', f64.const(Infinity)),
      f.set('mag', f64.const(0)),
      f.set('sr1', span(CTX.spanY, 'ty', 1)),
      forRange(
        f,
        'sr',
        span(CTX.spanY, 'ty', 0),
        i32.add(get('sr1'), i32.const(1)),
        f.set('hi', f64.const(-Infinity)),
        f.set('lo', f64.const(Infinity)),
        f.set('e', i32.add(span(CTX.spanX, 'tx', 1), i32.const(1))),
        forRange(
          f,
          'i',
          span(CTX.spanX, 'tx', 0),
          get('e'),
          f.set('v', f64.promote(f32.load(at4(row, get('i'))))),
          op.if(f64.gt(get('v'), get('hi')), [f.set('hi', get('v'))]),
          op.if(f64.lt(get('v'), get('lo')), [f.set('lo', get('v'))]),
        ),
        f.set('gh', f64.add(get('hi'), f64.mul(get('nx'), f64.sub(get('hi'), get('lo'))))),
        f.set('gl', f64.sub(get('lo'), f64.mul(get('nx'), f64.sub(get('hi'), get('lo'))))),
        op.if(f64.gt(get('gh'), get('top')), [f.set('top', get('gh'))]),
        op.if(f64.lt(get('gl'), get('bottom')), [f.set('bottom', get('gl'))]),
        f.set('mag', f64.max(get('mag'), f64.max(f64.abs(get('hi')), f64.abs(get('lo'))))),
      ),
      f.set(
        'b',
        f64.add(
          get('b'),
          f64.div(
            f64.add(
              f64.add(get('top'), f64.mul(get('ny'), f64.sub(get('top'), get('bottom')))),
              f64.mul(f64.const(1e-5), f64.add(f64.const(1), get('mag'))),
            ),
            f64.fromI32(get('n')),
          ),
        ),
      ),
    ];
    return [
      f.set('n', i32.load(get('ctx'), CTX.passes)),
      f.set(
        'tiles',
        i32.mul(
          i32.load(get('ctx'), CTX.tilesX),
          op.i32.divS(i32.add(i32.load(get('ctx'), CTX.imageH), i32.const(7)), i32.const(8)),
        ),
      ),
      forRange(
        f,
        't',
        i32.const(0),
        get('tiles'),
        f.set('ty', op.i32.divS(get('t'), i32.load(get('ctx'), CTX.tilesX))),
        f.set('tx', i32.sub(get('t'), i32.mul(get('ty'), i32.load(get('ctx'), CTX.tilesX)))),
        f.set('b', f64.const(0)),
        forRange(
          f,
          'p',
          i32.const(0),
          get('n'),
          f.set(
            'pp',
            i32.add(get('ctx'), i32.add(i32.const(CTX.passStart), i32.shl(get('p'), i32.const(CTX.passShift)))),
          ),
          ...quick,
        ),
        op.if(f64.ge(get('b'), get('threshold')), [
          i32.store(at4(get('out'), get('found')), get('t')),
          f.set('found', i32.add(get('found'), i32.const(1))),
        ]),
      ),
      get('found'),
    ];
  },
};
