import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f64, forRange, i32, op } from './dsl.ts';

const A = -0.75;

/** OpenCV's Keys weights at t (local, f32) into locals c0..c3, float32 step by step as cubicAxis.ts keysWeightsF32. */
function keys(f: LocalAccess, t: string, p: string): Bytes[] {
  const c = (k: number) => `${p}${k}`;
  const x1 = f32.add(f.get(t), f32.const(1));
  const y = f32.sub(f32.const(1), f.get(t));
  return [
    f.set('u', x1),
    f.set(
      c(0),
      f32.sub(
        f32.mul(
          f32.add(f32.mul(f32.sub(f32.mul(f32.const(A), f.get('u')), f32.const(5 * A)), f.get('u')), f32.const(8 * A)),
          f.get('u'),
        ),
        f32.const(4 * A),
      ),
    ),
    f.set(
      c(1),
      f32.add(
        f32.mul(f32.mul(f32.sub(f32.mul(f32.const(A + 2), f.get(t)), f32.const(A + 3)), f.get(t)), f.get(t)),
        f32.const(1),
      ),
    ),
    f.set('u', y),
    f.set(
      c(2),
      f32.add(
        f32.mul(f32.mul(f32.sub(f32.mul(f32.const(A + 2), f.get('u')), f32.const(A + 3)), f.get('u')), f.get('u')),
        f32.const(1),
      ),
    ),
    f.set(c(3), f32.sub(f32.sub(f32.sub(f32.const(1), f.get(c(0))), f.get(c(1))), f.get(c(2)))),
  ];
}

/** Source position of destination index d (local, i32) for scale `scale` (local, f64), as cubicAxis: phase and floor. */
function phase(f: LocalAccess, d: Bytes, scale: string, t: string, sx: string): Bytes[] {
  return [
    f.set(t, f32.demote(f64.sub(f64.mul(f64.add(f64.fromI32(d), f64.const(0.5)), f.get(scale)), f64.const(0.5)))),
    f.set(sx, i32.truncF32(f32.floor(f.get(t)))),
    f.set(t, f32.sub(f.get(t), f32.fromI32(f.get(sx)))),
  ];
}

const clamp = (v: Bytes, n: Bytes) =>
  op.select('i32', i32.lt(v, i32.const(0)), i32.const(0), op.select('i32', i32.ge(v, n), i32.sub(n, i32.const(1)), v));

/**
 * The fast tables of one axis (fastTables.ts): stage 1 = cv2.resize ×4 of `mapLen` cells, cropped to `resizedLen`,
 * stage 2 = cv2.resize to `imageLen`; per output d the first of 8 taps (int32, kept ≤ mapLen − 8) and the float32
 * rounding of the float64 composite weights, accumulated over (stage-2 tap k, stage-1 tap q) in that order, exactly
 * as compositeAxis(cubicAxis(...), cubicAxis(...), 8). Returns 0, or the span (> 8) of a kernel that does not fit.
 * `acc` is scratch for 8 doubles.
 */
export const compositeTable: FunctionDef = {
  name: 'compositeTable',
  params: [
    ['mapLen', 'i32'],
    ['resizedLen', 'i32'],
    ['imageLen', 'i32'],
    ['outStart', 'i32'],
    ['outWeight', 'i32'],
    ['acc', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['d', 'i32'],
    ['k', 'i32'],
    ['q', 'i32'],
    ['m', 'i32'],
    ['sx', 'i32'],
    ['sx1', 'i32'],
    ['lo', 'i32'],
    ['hi', 'i32'],
    ['s', 'i32'],
    ['scale', 'f64'],
    ['quarter', 'f64'],
    ['t', 'f32'],
    ['t1', 'f32'],
    ['u', 'f32'],
    ['w0', 'f32'],
    ['w1', 'f32'],
    ['w2', 'f32'],
    ['w3', 'f32'],
    ['v0', 'f32'],
    ['v1', 'f32'],
    ['v2', 'f32'],
    ['v3', 'f32'],
    ['wk', 'f32'],
    ['wq', 'f32'],
  ],
  body: (f) => {
    const pick = (p: string, idx: string) =>
      op.select(
        'f32',
        i32.eq(f.get(idx), i32.const(0)),
        f.get(`${p}0`),
        op.select(
          'f32',
          i32.eq(f.get(idx), i32.const(1)),
          f.get(`${p}1`),
          op.select('f32', i32.eq(f.get(idx), i32.const(2)), f.get(`${p}2`), f.get(`${p}3`)),
        ),
      );
    const stage2Tap = (k: Bytes) => clamp(i32.add(i32.sub(f.get('sx'), i32.const(1)), k), f.get('resizedLen'));
    const stage1Tap = (q: Bytes) => clamp(i32.add(i32.sub(f.get('sx1'), i32.const(1)), q), f.get('mapLen'));
    return [
      // cubicAxis: scale = 1 / invScale, invScale = image / resized for stage 2 and 4 for stage 1.
      f.set('scale', f64.div(f64.const(1), f64.div(f64.fromI32(f.get('imageLen')), f64.fromI32(f.get('resizedLen'))))),
      f.set('quarter', f64.div(f64.const(1), f64.const(4))),
      forRange(
        f,
        'd',
        i32.const(0),
        f.get('imageLen'),
        ...phase(f, f.get('d'), 'scale', 't', 'sx'),
        ...keys(f, 't', 'w'),
        // Taps span: first stage-1 tap of stage-2 tap 0, last of tap 3 (both monotone).
        f.set('m', stage2Tap(i32.const(0))),
        ...phase(f, f.get('m'), 'quarter', 't1', 'sx1'),
        f.set('lo', stage1Tap(i32.const(0))),
        f.set('m', stage2Tap(i32.const(3))),
        ...phase(f, f.get('m'), 'quarter', 't1', 'sx1'),
        f.set('hi', stage1Tap(i32.const(3))),
        op.if(i32.gt(i32.sub(f.get('hi'), f.get('lo')), i32.const(7)), [
          op.return(i32.add(i32.sub(f.get('hi'), f.get('lo')), i32.const(1))),
        ]),
        op.if(i32.gt(f.get('lo'), i32.sub(f.get('mapLen'), i32.const(8))), [
          f.set('lo', i32.sub(f.get('mapLen'), i32.const(8))),
        ]),
        forRange(
          f,
          'q',
          i32.const(0),
          i32.const(8),
          f64.store(i32.add(f.get('acc'), i32.shl(f.get('q'), i32.const(3))), f64.const(0)),
        ),
        forRange(
          f,
          'k',
          i32.const(0),
          i32.const(4),
          f.set('m', stage2Tap(f.get('k'))),
          ...phase(f, f.get('m'), 'quarter', 't1', 'sx1'),
          ...keys(f, 't1', 'v'),
          f.set('wk', pick('w', 'k')),
          forRange(
            f,
            'q',
            i32.const(0),
            i32.const(4),
            f.set('wq', pick('v', 'q')),
            f.set('s', i32.shl(i32.sub(stage1Tap(f.get('q')), f.get('lo')), i32.const(3))),
            f64.store(
              i32.add(f.get('acc'), f.get('s')),
              f64.add(
                f64.load(i32.add(f.get('acc'), f.get('s'))),
                f64.mul(f64.promote(f.get('wk')), f64.promote(f.get('wq'))),
              ),
            ),
          ),
        ),
        i32.store(at4(f.get('outStart'), f.get('d')), f.get('lo')),
        forRange(
          f,
          'q',
          i32.const(0),
          i32.const(8),
          f32.store(
            at4(f.get('outWeight'), i32.add(i32.shl(f.get('d'), i32.const(3)), f.get('q'))),
            f32.demote(f64.load(i32.add(f.get('acc'), i32.shl(f.get('q'), i32.const(3))))),
          ),
        ),
      ),
      i32.const(0),
    ];
  },
};

/**
 * cubicAxis.ts cubicAxis(srcLen, dstLen, invScale) in the kernels, bit for bit: per output d the four clamped taps
 * (int32) and float32 Keys weights at the phase of (d + 0.5)·scale − 0.5, scale = 1 / invScale (float64).
 */
export const cubicTable: FunctionDef = {
  name: 'cubicTable',
  params: [
    ['srcLen', 'i32'],
    ['dstLen', 'i32'],
    ['invScale', 'f64'],
    ['outIndex', 'i32'],
    ['outWeight', 'i32'],
  ],
  result: null,
  locals: [
    ['d', 'i32'],
    ['k', 'i32'],
    ['sx', 'i32'],
    ['scale', 'f64'],
    ['t', 'f32'],
    ['u', 'f32'],
    ['w0', 'f32'],
    ['w1', 'f32'],
    ['w2', 'f32'],
    ['w3', 'f32'],
  ],
  body: (f) => [
    f.set('scale', f64.div(f64.const(1), f.get('invScale'))),
    forRange(
      f,
      'd',
      i32.const(0),
      f.get('dstLen'),
      ...phase(f, f.get('d'), 'scale', 't', 'sx'),
      ...keys(f, 't', 'w'),
      ...[0, 1, 2, 3].flatMap((k) => [
        i32.store(
          at4(f.get('outIndex'), i32.add(i32.shl(f.get('d'), i32.const(2)), i32.const(k))),
          clamp(i32.add(i32.sub(f.get('sx'), i32.const(1)), i32.const(k)), f.get('srcLen')),
        ),
        f32.store(at4(f.get('outWeight'), i32.add(i32.shl(f.get('d'), i32.const(2)), i32.const(k))), f.get(`w${k}`)),
      ]),
    ),
  ],
};
