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
