import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f32x4, forRange, i32, op, v128, whileLoop } from './dsl.ts';

const load = (f: LocalAccess, base: string, index: Bytes) => f32.load(at4(f.get(base), index));

/** 1 when cell (x, y) of value c is ≥ every in-bounds 8-neighbour. */
export const isCellMax: FunctionDef = {
  name: 'isCellMax',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['height', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
    ['c', 'f32'],
  ],
  result: 'i32',
  locals: [
    ['ny', 'i32'],
    ['nx', 'i32'],
  ],
  body: (f) => [
    forRange(
      f,
      'ny',
      i32.sub(f.get('y'), i32.const(1)),
      i32.add(f.get('y'), i32.const(2)),
      op.if(i32.and(i32.ge(f.get('ny'), i32.const(0)), i32.lt(f.get('ny'), f.get('height'))), [
        forRange(
          f,
          'nx',
          i32.sub(f.get('x'), i32.const(1)),
          i32.add(f.get('x'), i32.const(2)),
          op.if(
            i32.and(
              i32.and(i32.ge(f.get('nx'), i32.const(0)), i32.lt(f.get('nx'), f.get('width'))),
              f32.gt(load(f, 'plane', i32.add(i32.mul(f.get('ny'), f.get('width')), f.get('nx'))), f.get('c')),
            ),
            [op.return(i32.const(0))],
          ),
        ),
      ]),
    ),
    i32.const(1),
  ],
};

/** Runs `body` for each cell i (local) of a plane whose value (local c) is ≥ threshold; SIMD skips cold quads. */
function hotCells(f: LocalAccess, body: Bytes[]): Bytes {
  return forRange(
    f,
    'i',
    i32.const(0),
    i32.mul(f.get('width'), f.get('height')),
    op.if(v128.anyTrue(f32x4.ge(v128.load(at4(f.get('plane'), f.get('i'))), f32x4.splat(f.get('threshold')))), [
      f.set('e', i32.add(f.get('i'), i32.const(4))),
      whileLoop(
        i32.lt(f.get('i'), f.get('e')),
        f.set('c', load(f, 'plane', f.get('i'))),
        op.if(f32.ge(f.get('c'), f.get('threshold')), body),
        f.set('i', i32.add(f.get('i'), i32.const(1))),
      ),
      f.set('i', i32.sub(f.get('i'), i32.const(1))),
    ]),
  );
}

const cellLocals: [string, 'i32' | 'f32'][] = [
  ['i', 'i32'],
  ['e', 'i32'],
  ['c', 'f32'],
];

export const seedScan: FunctionDef = {
  name: 'seedScan',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['height', 'i32'],
    ['threshold', 'f32'],
    ['out', 'i32'],
  ],
  result: 'i32',
  locals: [...cellLocals, ['count', 'i32'], ['x', 'i32']],
  body: (f) => [
    hotCells(f, [
      f.set('x', i32.sub(f.get('i'), i32.mul(op.i32.divS(f.get('i'), f.get('width')), f.get('width')))),
      op.if(
        f.call(
          'isCellMax',
          f.get('plane'),
          f.get('width'),
          f.get('height'),
          f.get('x'),
          op.i32.divS(f.get('i'), f.get('width')),
          f.get('c'),
        ),
        [
          i32.store(at4(f.get('out'), f.get('count')), f.get('i')),
          f.set('count', i32.add(f.get('count'), i32.const(1))),
        ],
      ),
    ]),
    f.get('count'),
  ],
};

/**
 * decodeKernels.ts screenPass: per cell ≥ floor, grid[t] = max(grid[t], v) over the tiles of its window (from the
 * per-row and per-column tile ranges); returns the number of cells ≥ seed that are local maxima.
 */
export const screenPass: FunctionDef = {
  name: 'screenPass',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['height', 'i32'],
    ['threshold', 'f32'],
    ['seed', 'f32'],
    ['xRange', 'i32'],
    ['yRange', 'i32'],
    ['tilesX', 'i32'],
    ['grid', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['sy', 'i32'],
    ['sx', 'i32'],
    ['x', 'i32'],
    ['e', 'i32'],
    ['c', 'f32'],
    ['row', 'i32'],
    ['p', 'i32'],
    ['ya', 'i32'],
    ['yb', 'i32'],
    ['xb', 'i32'],
    ['tx', 'i32'],
    ['ty', 'i32'],
    ['g', 'i32'],
    ['count', 'i32'],
    ['rowBytes', 'i32'],
    ['thr', 'v128'],
  ],
  body: (f) => {
    const get = f.get;
    const nb = (d: Bytes) => f32.load(i32.add(get('p'), d));
    const up = i32.sub(i32.const(0), get('rowBytes'));
    // local maximum test; interior cells directly (exit at the first greater neighbour), border cells by isCellMax
    const isMax = op.if(
      i32.and(
        i32.and(i32.gt(get('x'), i32.const(0)), i32.lt(get('x'), i32.sub(get('width'), i32.const(1)))),
        i32.and(i32.gt(get('sy'), i32.const(0)), i32.lt(get('sy'), i32.sub(get('height'), i32.const(1)))),
      ),
      [
        op.block(
          ...[
            i32.const(4),
            i32.const(-4),
            up,
            get('rowBytes'),
            i32.sub(i32.const(-4), get('rowBytes')),
            i32.sub(i32.const(4), get('rowBytes')),
            i32.add(get('rowBytes'), i32.const(-4)),
            i32.add(get('rowBytes'), i32.const(4)),
          ].map((d) => op.brIf(0, f32.gt(nb(d), get('c')))),
          f.set('count', i32.add(get('count'), i32.const(1))),
        ),
      ],
      [
        op.if(f.call('isCellMax', get('plane'), get('width'), get('height'), get('x'), get('sy'), get('c')), [
          f.set('count', i32.add(get('count'), i32.const(1))),
        ]),
      ],
    );
    const cellBody = [
      f.set('p', at4(get('row'), get('x'))),
      f.set('c', f32.load(get('p'))),
      op.if(f32.ge(get('c'), get('threshold')), [
        f.set('xb', i32.load(at4(get('xRange'), i32.add(i32.shl(get('x'), i32.const(1)), i32.const(1))))),
        forRange(
          f,
          'ty',
          get('ya'),
          i32.add(get('yb'), i32.const(1)),
          forRange(
            f,
            'tx',
            i32.load(at4(get('xRange'), i32.shl(get('x'), i32.const(1)))),
            i32.add(get('xb'), i32.const(1)),
            f.set('g', at4(get('grid'), i32.add(i32.mul(get('ty'), get('tilesX')), get('tx')))),
            f32.store(get('g'), f32.max(f32.load(get('g')), get('c'))),
          ),
        ),
        op.if(f32.ge(get('c'), get('seed')), [isMax]),
      ]),
    ];
    const quad = (q: number) => v128.load(at4(get('row'), i32.add(get('x'), i32.const(4 * q))));
    return [
      f.set('thr', f32x4.splat(get('threshold'))),
      f.set('rowBytes', i32.shl(get('width'), i32.const(2))),
      forRange(
        f,
        'sy',
        i32.const(0),
        get('height'),
        f.set('row', at4(get('plane'), i32.mul(get('sy'), get('width')))),
        f.set('ya', i32.load(at4(get('yRange'), i32.shl(get('sy'), i32.const(1))))),
        f.set('yb', i32.load(at4(get('yRange'), i32.add(i32.shl(get('sy'), i32.const(1)), i32.const(1))))),
        // 16 cells at a time (map widths are multiples of 16): one test rules out a cold run
        forRange(
          f,
          'sx',
          i32.const(0),
          i32.shrS(get('width'), i32.const(4)),
          f.set('x', i32.shl(get('sx'), i32.const(4))),
          op.if(
            v128.anyTrue(f32x4.ge(f32x4.max(f32x4.max(quad(0), quad(1)), f32x4.max(quad(2), quad(3))), get('thr'))),
            [
              f.set('e', i32.add(get('x'), i32.const(16))),
              whileLoop(i32.lt(get('x'), get('e')), ...cellBody, f.set('x', i32.add(get('x'), i32.const(1)))),
            ],
          ),
        ),
      ),
      get('count'),
    ];
  },
};
