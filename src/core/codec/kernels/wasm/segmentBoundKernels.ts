import type { Bytes, FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f32x4, f64, forRange, i32, op, v128 } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';

/**
 * Per map row r and 8×8 tile column tx of pass pp, from the max hi and min lo of the row's cells src0..src1 of that
 * column (NaN ignored like `v > hi`): gh = hi + Nx(hi − lo), gl = lo − Nx(hi − lo) and max(|hi|, |lo|), float64,
 * into grid[3·(r·tilesX + tx) + 0..2] (quickTileBound's row terms). A segment's max and min come from windows of 4
 * cells (win: per row, the max and min of cells c..c+3, SIMD), two or more of which cover it.
 */
export const rowSegments: FunctionDef = {
  name: 'rowSegments',
  params: [
    ['pp', 'i32'],
    ['tilesX', 'i32'],
    ['grid', 'i32'],
    ['win', 'i32'],
  ],
  result: null,
  locals: [
    ['r', 'i32'],
    ['tx', 'i32'],
    ['i', 'i32'],
    ['s0', 'i32'],
    ['s1', 'i32'],
    ['row', 'i32'],
    ['o', 'i32'],
    ['w', 'i32'],
    ['hi', 'f32'],
    ['lo', 'f32'],
    ['v', 'f32'],
    ['nx', 'f64'],
    ['h', 'f64'],
    ['l', 'f64'],
    ['a', 'v128'],
    ['b', 'v128'],
  ],
  body: (f) => {
    const get = f.get;
    const pass = (field: number) => i32.load(get('pp'), field);
    const span = (k: number) => i32.load(at4(pass(CTX.spanX), i32.shl(get('tx'), i32.const(2))), 4 * k);
    const cell = (d: number) => v128.load(at4(get('row'), get('i')), 4 * d);
    // win[2·c] = max, win[2·c + 1] = min of cells c..c+3 (c ≤ mapW − 4), stored as 4-lane runs: max at win + 32·(c/4)
    const winMax = (c: Bytes) =>
      f32.load(at4(get('win'), i32.add(i32.shl(i32.shrS(c, i32.const(2)), i32.const(3)), i32.and(c, i32.const(3)))));
    const winMin = (c: Bytes) =>
      f32.load(
        at4(get('win'), i32.add(i32.shl(i32.shrS(c, i32.const(2)), i32.const(3)), i32.and(c, i32.const(3)))),
        16,
      );
    const take = (c: Bytes) => [
      op.if(f32.gt(winMax(c), get('hi')), [f.set('hi', winMax(c))]),
      op.if(f32.lt(winMin(c), get('lo')), [f.set('lo', winMin(c))]),
    ];
    return [
      f.set('nx', f64.load(pass(CTX.negMass))),
      forRange(
        f,
        'r',
        i32.const(0),
        pass(CTX.mapH),
        f.set('row', at4(pass(CTX.plane), i32.mul(get('r'), pass(CTX.mapW)))),
        // the row's 4-cell windows (NaN ignored: pmax(acc, v) keeps acc when v is NaN)
        forRange(
          f,
          'i',
          i32.const(0),
          i32.sub(pass(CTX.mapW), i32.const(3)),
          f.set('a', v128.constF32(-Infinity)),
          f.set('b', v128.constF32(Infinity)),
          ...[0, 1, 2, 3].flatMap((d) => [
            f.set('a', f32x4.pmax(get('a'), cell(d))),
            f.set('b', f32x4.pmin(get('b'), cell(d))),
          ]),
          f.set('w', i32.add(get('win'), i32.shl(i32.shrS(get('i'), i32.const(2)), i32.const(5)))),
          v128.store(get('w'), get('a')),
          v128.store(get('w'), get('b'), 16),
          f.set('i', i32.add(get('i'), i32.const(3))),
        ),
        forRange(
          f,
          'tx',
          i32.const(0),
          get('tilesX'),
          f.set('hi', f32.const(-Infinity)),
          f.set('lo', f32.const(Infinity)),
          f.set('s0', span(0)),
          f.set('s1', span(1)),
          op.if(
            i32.lt(i32.sub(get('s1'), get('s0')), i32.const(3)),
            [
              forRange(
                f,
                'i',
                get('s0'),
                i32.add(get('s1'), i32.const(1)),
                f.set('v', f32.load(at4(get('row'), get('i')))),
                op.if(f32.gt(get('v'), get('hi')), [f.set('hi', get('v'))]),
                op.if(f32.lt(get('v'), get('lo')), [f.set('lo', get('v'))]),
              ),
            ],
            [
              // windows at s0, s0 + 4, … and the last one ending at s1
              forRange(
                f,
                'i',
                get('s0'),
                i32.sub(get('s1'), i32.const(2)),
                ...take(get('i')),
                f.set('i', i32.add(get('i'), i32.const(3))),
              ),
              ...take(i32.sub(get('s1'), i32.const(3))),
            ],
          ),
          f.set('h', f64.promote(get('hi'))),
          f.set('l', f64.promote(get('lo'))),
          f.set(
            'o',
            i32.add(get('grid'), i32.mul(i32.add(i32.mul(get('r'), get('tilesX')), get('tx')), i32.const(24))),
          ),
          f64.store(get('o'), f64.add(get('h'), f64.mul(get('nx'), f64.sub(get('h'), get('l'))))),
          f64.store(get('o'), f64.sub(get('l'), f64.mul(get('nx'), f64.sub(get('h'), get('l')))), 8),
          f64.store(get('o'), f64.max(f64.abs(get('h')), f64.abs(get('l'))), 16),
        ),
      ),
    ];
  },
};

/**
 * quickTileBound over tile columns tx0..tx1 and map rows sr0..sr1 of one pass from its row terms (rowSegments):
 * (top + Ny(top − bottom) + 1e-5·(1 + mag)) / n, the pass's share of the mean over passes.
 */
export const segmentBound: FunctionDef = {
  name: 'segmentBound',
  params: [
    ['grid', 'i32'],
    ['tilesX', 'i32'],
    ['tx0', 'i32'],
    ['tx1', 'i32'],
    ['sr0', 'i32'],
    ['sr1', 'i32'],
    ['ny', 'f64'],
    ['n', 'f64'],
  ],
  result: 'f64',
  locals: [
    ['sr', 'i32'],
    ['tx', 'i32'],
    ['o', 'i32'],
    ['top', 'f64'],
    ['bottom', 'f64'],
    ['mag', 'f64'],
    ['v', 'f64'],
  ],
  body: (f) => {
    const get = f.get;
    return [
      f.set('top', f64.const(-Infinity)),
      f.set('bottom', f64.const(Infinity)),
      f.set('mag', f64.const(0)),
      forRange(
        f,
        'sr',
        get('sr0'),
        i32.add(get('sr1'), i32.const(1)),
        forRange(
          f,
          'tx',
          get('tx0'),
          i32.add(get('tx1'), i32.const(1)),
          f.set(
            'o',
            i32.add(get('grid'), i32.mul(i32.add(i32.mul(get('sr'), get('tilesX')), get('tx')), i32.const(24))),
          ),
          f.set('v', f64.load(get('o'))),
          op.if(f64.gt(get('v'), get('top')), [f.set('top', get('v'))]),
          f.set('v', f64.load(get('o'), 8)),
          op.if(f64.lt(get('v'), get('bottom')), [f.set('bottom', get('v'))]),
          f.set('mag', f64.max(get('mag'), f64.load(get('o'), 16))),
        ),
      ),
      f64.div(
        f64.add(
          f64.add(get('top'), f64.mul(get('ny'), f64.sub(get('top'), get('bottom')))),
          f64.mul(f64.const(1e-5), f64.add(f64.const(1), get('mag'))),
        ),
        get('n'),
      ),
    ];
  },
};
