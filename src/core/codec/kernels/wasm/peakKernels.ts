import type { Bytes, FunctionDef, LocalAccess } from '../../../wasm/wasmAssembler.ts';
import { at4, f32, f32x4, forRange, i32, op, v128 } from './dsl.ts';
import { CTX } from '../decodeKernels.ts';
import { tileSlot } from './tileKernels.ts';

const { i32x4 } = op;

/** Stride (floats) of the NMS buffer: the tile at rows 1..8, columns 1..8, its neighbours' edge pixels around. */
const B = 16;

/** The parts of nms's body (code generators over its locals). */
function nmsParts(f: LocalAccess) {
  const get = f.get;
  const px = (dx: Bytes, dy: Bytes) => f32.load(at4(get('off'), i32.add(i32.shl(dy, i32.const(3)), dx)));
  const hotPx = (dx: Bytes, dy: Bytes) => f32.ge(px(dx, dy), get('threshold'));
  const cell = (bx: Bytes, by: Bytes) => at4(get('buf'), i32.add(i32.shl(by, i32.const(4)), bx));
  // Slot of neighbour tile (tx + ddx, ty + ddy), computed on demand.
  const neighbour = (ddx: number, ddy: number) =>
    f.call(
      'ensureTile',
      get('ctx'),
      i32.add(i32.mul(i32.add(get('ty'), i32.const(ddy)), get('tilesX')), i32.add(get('tx'), i32.const(ddx))),
      get('scratch'),
    );
  const nbPx = (x: number | Bytes, y: number) =>
    f32.load(at4(get('nb'), i32.add(i32.const(y * 8), typeof x === 'number' ? i32.const(x) : x)));
  /** any of `n` pixels (i over locals) hot, as a flag into 'hot' */
  const anyHot = (n: Bytes, pixel: (i: Bytes) => Bytes) => [
    f.set('hot', i32.const(0)),
    forRange(f, 'c', i32.const(0), n, op.if(pixel(get('c')), [f.set('hot', i32.const(1))])),
  ];
  const lastX = i32.sub(get('nx'), i32.const(1)),
    lastY = i32.sub(get('ny'), i32.const(1));
  const inGrid = (ddx: number, ddy: number): Bytes => {
    const conds: Bytes[] = [];
    if (ddx < 0) conds.push(i32.gt(get('tx'), i32.const(0)));
    if (ddx > 0) conds.push(i32.lt(i32.add(get('tx'), i32.const(1)), get('tilesX')));
    if (ddy < 0) conds.push(i32.gt(get('ty'), i32.const(0)));
    if (ddy > 0) conds.push(i32.lt(i32.add(get('ty'), i32.const(1)), get('tilesY')));
    return conds.reduce((a, b) => i32.and(a, b));
  };
  const ring = [
    // edges: needed when that border row/column has a pixel ≥ threshold
    ...anyHot(get('nx'), (i) => hotPx(i, i32.const(0))),
    op.if(i32.and(get('hot'), inGrid(0, -1)), [
      f.set('nb', neighbour(0, -1)),
      forRange(
        f,
        'c',
        i32.const(0),
        get('nx'),
        f32.store(cell(i32.add(get('c'), i32.const(1)), i32.const(0)), nbPx(get('c'), 7)),
      ),
    ]),
    ...anyHot(get('nx'), (i) => hotPx(i, lastY)),
    op.if(i32.and(get('hot'), inGrid(0, 1)), [
      f.set('nb', neighbour(0, 1)),
      forRange(
        f,
        'c',
        i32.const(0),
        get('nx'),
        f32.store(cell(i32.add(get('c'), i32.const(1)), i32.const(9)), nbPx(get('c'), 0)),
      ),
    ]),
    ...anyHot(get('ny'), (i) => hotPx(i32.const(0), i)),
    op.if(i32.and(get('hot'), inGrid(-1, 0)), [
      f.set('nb', neighbour(-1, 0)),
      forRange(
        f,
        'c',
        i32.const(0),
        get('ny'),
        f32.store(
          cell(i32.const(0), i32.add(get('c'), i32.const(1))),
          f32.load(at4(get('nb'), i32.add(i32.shl(get('c'), i32.const(3)), i32.const(7)))),
        ),
      ),
    ]),
    ...anyHot(get('ny'), (i) => hotPx(lastX, i)),
    op.if(i32.and(get('hot'), inGrid(1, 0)), [
      f.set('nb', neighbour(1, 0)),
      forRange(
        f,
        'c',
        i32.const(0),
        get('ny'),
        f32.store(
          cell(i32.const(9), i32.add(get('c'), i32.const(1))),
          f32.load(at4(get('nb'), i32.shl(get('c'), i32.const(3)))),
        ),
      ),
    ]),
    // corners: needed when the corner pixel is ≥ threshold (a neighbour tile there is a full 8×8)
    op.if(i32.and(hotPx(i32.const(0), i32.const(0)), inGrid(-1, -1)), [
      f32.store(cell(i32.const(0), i32.const(0)), f32.load(neighbour(-1, -1), 4 * 63)),
    ]),
    op.if(i32.and(hotPx(lastX, i32.const(0)), inGrid(1, -1)), [
      f32.store(cell(i32.const(9), i32.const(0)), f32.load(neighbour(1, -1), 4 * 56)),
    ]),
    op.if(i32.and(hotPx(i32.const(0), lastY), inGrid(-1, 1)), [
      f32.store(cell(i32.const(0), i32.const(9)), f32.load(neighbour(-1, 1), 4 * 7)),
    ]),
    op.if(i32.and(hotPx(lastX, lastY), inGrid(1, 1)), [
      f32.store(cell(i32.const(9), i32.const(9)), f32.load(neighbour(1, 1), 0)),
    ]),
  ];
  const at = (d: number) => v128.load(i32.add(get('c'), i32.const(4 * d)));
  const scan = forRange(
    f,
    'dy',
    i32.const(0),
    get('ny'),
    forRange(
      f,
      'g',
      i32.const(0),
      i32.const(2),
      f.set('c', cell(i32.add(i32.shl(get('g'), i32.const(2)), i32.const(1)), i32.add(get('dy'), i32.const(1)))),
      f.set('v', v128.load(get('c'))),
      f.set('m', f32x4.ge(get('v'), get('thr'))),
      ...[-B - 1, -B, -B + 1, -1, 1, B - 1, B, B + 1].map((d) =>
        f.set('m', v128.and(get('m'), f32x4.ge(get('v'), at(d)))),
      ),
      f.set('bits', i32x4.bitmask(get('m'))),
      op.if(get('bits'), [
        forRange(
          f,
          'dx',
          i32.const(0),
          i32.const(4),
          op.if(i32.and(get('bits'), i32.shl(i32.const(1), get('dx'))), [
            f.set('o', i32.add(get('out'), i32.shl(get('found'), i32.const(4)))),
            i32.store(
              get('o'),
              i32.add(i32.shl(get('tx'), i32.const(3)), i32.add(i32.shl(get('g'), i32.const(2)), get('dx'))),
            ),
            i32.store(get('o'), i32.add(i32.shl(get('ty'), i32.const(3)), get('dy')), 4),
            f32.store(get('o'), f32.load(at4(get('c'), get('dx'))), 8),
            i32.store(get('o'), i32.const(0), 12),
            f.set('found', i32.add(get('found'), i32.const(1))),
          ]),
        ),
      ]),
    ),
  );
  return { get, px, cell, anyHot, ring, scan };
}

/** decodeKernels.ts nms: exact 3×3 NMS over the listed tiles (neighbour tiles computed when a border needs them). */
export const nms: FunctionDef = {
  name: 'nms',
  params: [
    ['ctx', 'i32'],
    ['list', 'i32'],
    ['count', 'i32'],
    ['threshold', 'f32'],
    ['scratch', 'i32'],
    ['buf', 'i32'],
    ['out', 'i32'],
  ],
  result: 'i32',
  locals: [
    ['li', 'i32'],
    ['t', 'i32'],
    ['off', 'i32'],
    ['tx', 'i32'],
    ['ty', 'i32'],
    ['nx', 'i32'],
    ['ny', 'i32'],
    ['dx', 'i32'],
    ['dy', 'i32'],
    ['g', 'i32'],
    ['tilesX', 'i32'],
    ['tilesY', 'i32'],
    ['nb', 'i32'],
    ['bits', 'i32'],
    ['c', 'i32'],
    ['found', 'i32'],
    ['o', 'i32'],
    ['hot', 'i32'],
    ['v', 'v128'],
    ['m', 'v128'],
    ['thr', 'v128'],
  ],
  body: (f) => {
    const { get, px, cell, anyHot, ring, scan } = nmsParts(f);
    return [
      f.set('thr', f32x4.splat(get('threshold'))),
      f.set('tilesX', i32.load(get('ctx'), CTX.tilesX)),
      f.set('tilesY', op.i32.divS(i32.add(i32.load(get('ctx'), CTX.imageH), i32.const(7)), i32.const(8))),
      forRange(
        f,
        'li',
        i32.const(0),
        get('count'),
        f.set('t', i32.load(at4(get('list'), get('li')))),
        f.set('off', tileSlot(f, get('t'))),
        f.set('ty', op.i32.divS(get('t'), get('tilesX'))),
        f.set('tx', i32.sub(get('t'), i32.mul(get('ty'), get('tilesX')))),
        f.set('nx', i32.sub(i32.load(get('ctx'), CTX.imageW), i32.shl(get('tx'), i32.const(3)))),
        op.if(i32.gt(get('nx'), i32.const(8)), [f.set('nx', i32.const(8))]),
        f.set('ny', i32.sub(i32.load(get('ctx'), CTX.imageH), i32.shl(get('ty'), i32.const(3)))),
        op.if(i32.gt(get('ny'), i32.const(8)), [f.set('ny', i32.const(8))]),
        // a tile with nothing ≥ threshold has no peak
        ...anyHot(i32.const(64), (i) =>
          i32.and(
            i32.and(i32.lt(i32.and(i, i32.const(7)), get('nx')), i32.lt(i32.shrS(i, i32.const(3)), get('ny'))),
            f32.ge(f32.load(at4(get('off'), i)), get('threshold')),
          ),
        ),
        op.if(get('hot'), [
          forRange(
            f,
            'c',
            i32.const(0),
            i32.const(40),
            v128.store(i32.add(get('buf'), i32.shl(get('c'), i32.const(4))), v128.constF32(-Infinity)),
          ),
          forRange(
            f,
            'dy',
            i32.const(0),
            get('ny'),
            forRange(
              f,
              'dx',
              i32.const(0),
              get('nx'),
              f32.store(
                cell(i32.add(get('dx'), i32.const(1)), i32.add(get('dy'), i32.const(1))),
                px(get('dx'), get('dy')),
              ),
            ),
          ),
          ...ring,
          // a neighbour computed on demand may have grown memory; offsets stay valid
          scan,
        ]),
      ),
      get('found'),
    ];
  },
};
