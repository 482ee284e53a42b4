import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f64, forRange, i32, op, TILE_SHIFT, whileLoop } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import { tileSlot, tileState } from './tileKernels.ts';

/** numpy.linspace(start, stop, n)[t] as scoreLimbs.ts linspace computes it (locals s0, s1, step). */
const linspaceAt = (f: LocalAccess, s0: string, s1: string, step: string): Bytes =>
  op.select(
    'f64',
    i32.eq(f.get('n'), i32.const(1)),
    f.get(s0),
    op.select(
      'f64',
      i32.eq(f.get('t'), i32.sub(f.get('n'), i32.const(1))),
      f.get(s1),
      op.select(
        'f64',
        f64.eq(f.get(step), f64.const(0)),
        f64.add(
          f64.mul(
            f64.div(f64.fromI32(f.get('t')), f64.fromI32(i32.sub(f.get('n'), i32.const(1)))),
            f64.sub(f.get(s1), f.get(s0)),
          ),
          f.get(s0),
        ),
        f64.add(f64.mul(f64.fromI32(f.get('t')), f.get(step)), f.get(s0)),
      ),
    ),
  );

/** The fast sample at (X, Y) into v: the float32 memo inline (the common case), else limbValue. */
const fastSample = (f: LocalAccess): Bytes[] => [
  f.set('fv', f32.const(NaN)),
  op.if(i32.load8u(tileState(f, f.get('t2'))), [
    f.set(
      'fv',
      f32.load(
        at4(
          tileSlot(f, f.get('t2')),
          i32.add(i32.shl(i32.and(f.get('Y'), i32.const(7)), i32.const(3)), i32.and(f.get('X'), i32.const(7))),
        ),
      ),
    ),
  ]),
  op.if(i32.eqz(f32.eq(f.get('fv'), f.get('fv'))), [
    f.set('fv', f.call('limbValue', f.get('ctx'), f.get('X'), f.get('Y'))),
  ]),
  f.set('v', f64.promote(f.get('fv'))),
];

/** The reference sample at (X, Y) into v: the float64 memo inline, else exactValue. */
const exactSample = (f: LocalAccess): Bytes[] => [
  f.set('v', f64.const(NaN)),
  op.if(i32.load8u(tileState(f, f.get('t2'))), [
    f.set(
      'v',
      f64.load(
        i32.add(
          i32.add(i32.load(f.get('ctx'), CTX.exactPool), i32.shl(f.get('t2'), i32.const(9))),
          i32.shl(
            i32.add(i32.shl(i32.and(f.get('Y'), i32.const(7)), i32.const(3)), i32.and(f.get('X'), i32.const(7))),
            i32.const(3),
          ),
        ),
      ),
    ),
  ]),
  op.if(i32.eqz(f64.eq(f.get('v'), f.get('v'))), [
    f.set('v', f.call('exactValue', f.get('ctx'), f.get('X'), f.get('Y'), f.get('scratch'))),
  ]),
];

/** count passes criterion 1 (≥ need, or > need when strict). */
const passes = (f: LocalAccess, count: Bytes) =>
  op.select(
    'i32',
    f.get('strict'),
    f64.gt(f64.fromI32(count), f.get('need')),
    f64.ge(f64.fromI32(count), f.get('need')),
  );

/**
 * decodeKernels.ts scorePairs / scorePairsExact: find_connections' candidate loop for one limb, reading the fast
 * float32 values (memo in the pool, limbValue) or the reference float64 ones (memo in the exact pool, exactValue).
 */
const scorePairsDef = (name: string, exact: boolean): FunctionDef => ({
  name,
  params: [
    ['ctx', 'i32'],
    ['candA', 'i32'],
    ['nA', 'i32'],
    ['candB', 'i32'],
    ['nB', 'i32'],
    ['out', 'i32'],
    ['thr', 'f64'],
    ['ratio', 'f64'],
    ['maxSamples', 'i32'],
    ['strict', 'i32'],
    ['prior', 'f64'],
    ['scratch', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['i', 'i32'],
    ['j', 'i32'],
    ['n', 'i32'],
    ['t', 'i32'],
    ['count', 'i32'],
    ['found', 'i32'],
    ['o', 'i32'],
    ['ax', 'f64'],
    ['ay', 'f64'],
    ['bx', 'f64'],
    ['by', 'f64'],
    ['dx', 'f64'],
    ['dy', 'f64'],
    ['norm', 'f64'],
    ['need', 'f64'],
    ['stepX', 'f64'],
    ['stepY', 'f64'],
    ['sum', 'f64'],
    ['v', 'f64'],
    ['s', 'f64'],
    ['X', 'i32'],
    ['Y', 'i32'],
    ['t2', 'i32'],
    ['tilesX', 'i32'],
    ['fv', 'f32'],
  ],
  body: (f) => {
    const cand = (base: string, idx: string, field: number) =>
      f64.load(i32.add(f.get(base), i32.mul(f.get(idx), i32.const(24))), 8 * field);
    const sampleLoop = op.block(
      whileLoop(
        i32.lt(f.get('t'), f.get('n')),
        f.set('X', i32.truncF64(f64.nearest(linspaceAt(f, 'ax', 'bx', 'stepX')))),
        f.set('Y', i32.truncF64(f64.nearest(linspaceAt(f, 'ay', 'by', 'stepY')))),
        // the memo inline (the common case); limbValue computes and stores a value not yet known
        f.set(
          't2',
          i32.add(
            i32.mul(i32.shrS(f.get('Y'), i32.const(TILE_SHIFT)), f.get('tilesX')),
            i32.shrS(f.get('X'), i32.const(TILE_SHIFT)),
          ),
        ),
        ...(exact ? exactSample(f) : fastSample(f)),
        f.set('sum', f64.add(f.get('sum'), f.get('v'))),
        op.if(
          f64.gt(f.get('v'), f.get('thr')),
          [f.set('count', i32.add(f.get('count'), i32.const(1)))],
          // criterion 1 can no longer hold: leave with t < n (rejected)
          [
            op.brIf(
              3,
              i32.eqz(passes(f, i32.add(f.get('count'), i32.sub(i32.sub(f.get('n'), f.get('t')), i32.const(1))))),
            ),
          ],
        ),
        f.set('t', i32.add(f.get('t'), i32.const(1))),
      ),
    );
    const pair = [
      f.set('bx', cand('candB', 'j', 0)),
      f.set('by', cand('candB', 'j', 1)),
      f.set('dx', f64.sub(f.get('bx'), f.get('ax'))),
      f.set('dy', f64.sub(f.get('by'), f.get('ay'))),
      f.set('norm', f64.sqrt(f64.add(f64.mul(f.get('dx'), f.get('dx')), f64.mul(f.get('dy'), f.get('dy'))))),
      op.if(f64.gt(f.get('norm'), f64.const(0)), [
        f.set('n', i32.truncF64(f64.nearest(f64.add(f.get('norm'), f64.const(1))))),
        op.if(i32.gt(f.get('n'), f.get('maxSamples')), [f.set('n', f.get('maxSamples'))]),
        f.set('need', f64.mul(f.get('ratio'), f64.fromI32(f.get('n')))),
        f.set('stepX', f64.div(f.get('dx'), f64.fromI32(i32.sub(f.get('n'), i32.const(1))))),
        f.set('stepY', f64.div(f.get('dy'), f64.fromI32(i32.sub(f.get('n'), i32.const(1))))),
        f.set('sum', f64.const(0)),
        f.set('count', i32.const(0)),
        f.set('t', i32.const(0)),
        sampleLoop,
        op.if(i32.eq(f.get('t'), f.get('n')), [
          f.set(
            's',
            f64.add(
              f64.div(f.get('sum'), f64.fromI32(f.get('n'))),
              f64.min(
                f64.sub(f64.div(f64.mul(f64.const(0.5), f.get('prior')), f.get('norm')), f64.const(1)),
                f64.const(0),
              ),
            ),
          ),
          op.if(i32.and(passes(f, f.get('count')), f64.gt(f.get('s'), f64.const(0))), [
            f.set('o', i32.add(f.get('out'), i32.mul(f.get('found'), i32.const(40)))),
            f64.store(f.get('o'), f64.fromI32(f.get('i'))),
            f64.store(f.get('o'), f64.fromI32(f.get('j')), 8),
            f64.store(f.get('o'), f.get('s'), 16),
            f64.store(f.get('o'), f.get('norm'), 24),
            f64.store(
              f.get('o'),
              f64.add(
                f64.add(f64.mul(f64.const(0.5), f.get('s')), f64.mul(f64.const(0.25), cand('candA', 'i', 2))),
                f64.mul(f64.const(0.25), cand('candB', 'j', 2)),
              ),
              32,
            ),
            f.set('found', i32.add(f.get('found'), i32.const(1))),
          ]),
        ]),
      ]),
    ];
    return [
      f.set('tilesX', i32.load(f.get('ctx'), CTX.tilesX)),
      forRange(
        f,
        'i',
        i32.const(0),
        f.get('nA'),
        f.set('ax', cand('candA', 'i', 0)),
        f.set('ay', cand('candA', 'i', 1)),
        forRange(f, 'j', i32.const(0), f.get('nB'), ...pair),
      ),
      f.get('found'),
    ];
  },
});

export const scorePairs = scorePairsDef('scorePairs', false);
export const scorePairsExact = scorePairsDef('scorePairsExact', true);
