import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f64, forRange, i32, op } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';

const heat = (f: LocalAccess, x: Bytes, y: Bytes) => f.call('heatAt', f.get('ctx'), x, y, f.get('scratch'));

/** decodeKernels.ts refine: refine_centroid at each listed point (refineCentroid.ts, float64 sums in its order). */
export const refine: FunctionDef = {
  name: 'refine',
  params: [
    ['ctx', 'i32'],
    ['points', 'i32'],
    ['count', 'i32'],
    ['radius', 'i32'],
    ['swap', 'i32'],
    ['scratch', 'i32'],
    ['out', 'i32'],
  ],
  result: null,
  locals: [
    ['i', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['di', 'i32'],
    ['dj', 'i32'],
    ['o', 'i32'],
    ['v', 'f64'],
    ['sum', 'f64'],
    ['sr', 'f64'],
    ['sc', 'f64'],
    ['offRow', 'f64'],
    ['offCol', 'f64'],
  ],
  body: (f) => {
    const get = f.get;
    const r = get('radius');
    const fits = i32.and(
      i32.and(i32.ge(i32.sub(get('x'), r), i32.const(0)), i32.ge(i32.sub(get('y'), r), i32.const(0))),
      i32.and(
        i32.le(i32.add(i32.add(get('x'), r), i32.const(1)), i32.load(get('ctx'), CTX.imageW)),
        i32.le(i32.add(i32.add(get('y'), r), i32.const(1)), i32.load(get('ctx'), CTX.imageH)),
      ),
    );
    const side = i32.add(i32.shl(r, i32.const(1)), i32.const(1));
    return [
      forRange(
        f,
        'i',
        i32.const(0),
        get('count'),
        f.set('x', i32.load(at4(get('points'), i32.shl(get('i'), i32.const(1))))),
        f.set('y', i32.load(at4(get('points'), i32.add(i32.shl(get('i'), i32.const(1)), i32.const(1))))),
        f.set('o', i32.add(get('out'), i32.mul(get('i'), i32.const(24)))),
        op.if(
          fits,
          [
            f.set('sum', f64.const(0)),
            f.set('sr', f64.const(0)),
            f.set('sc', f64.const(0)),
            forRange(
              f,
              'di',
              i32.sub(i32.const(0), r),
              i32.add(r, i32.const(1)),
              forRange(
                f,
                'dj',
                i32.sub(i32.const(0), r),
                i32.add(r, i32.const(1)),
                f.set('v', f64.promote(heat(f, i32.add(get('x'), get('dj')), i32.add(get('y'), get('di'))))),
                f.set('sum', f64.add(get('sum'), get('v'))),
                f.set('sr', f64.add(get('sr'), f64.mul(get('v'), f64.fromI32(get('di'))))),
                f.set('sc', f64.add(get('sc'), f64.mul(get('v'), f64.fromI32(get('dj'))))),
              ),
            ),
            f.set('offRow', f64.div(get('sr'), get('sum'))),
            f.set('offCol', f64.div(get('sc'), get('sum'))),
            f64.store(
              get('o'),
              f64.add(f64.fromI32(get('x')), op.select('f64', get('swap'), get('offRow'), get('offCol'))),
            ),
            f64.store(
              get('o'),
              f64.add(f64.fromI32(get('y')), op.select('f64', get('swap'), get('offCol'), get('offRow'))),
              8,
            ),
            f64.store(get('o'), f64.div(get('sum'), f64.fromI32(i32.mul(side, side))), 16),
          ],
          [
            f64.store(get('o'), f64.fromI32(get('x'))),
            f64.store(get('o'), f64.fromI32(get('y')), 8),
            f64.store(get('o'), f64.promote(heat(f, get('x'), get('y'))), 16),
          ],
        ),
      ),
    ];
  },
};
