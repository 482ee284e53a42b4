import type { FunctionDef } from '../../../wasm/wasmAssembler.ts';
import { f32, f32x4, i32, op, REVERSE, rowSum, v128, whileLoop } from './dsl.ts';
import type { Bytes } from '../../../wasm/wasmAssembler.ts';

/** Flip average of whole rows (decodeKernels.ts flipAverage). */
export const flipAverage: FunctionDef = {
  name: 'flipAverage',
  params: [
    ['dst', 'i32'],
    ['src', 'i32'],
    ['mir', 'i32'],
    ['width', 'i32'],
    ['rows', 'i32'],
  ],
  result: null,
  locals: [
    ['rowBytes', 'i32'],
    ['x', 'i32'],
    ['m', 'v128'],
  ],
  body: (f) => [
    f.set('rowBytes', i32.shl(f.get('width'), i32.const(2))),
    whileLoop(
      i32.gt(f.get('rows'), i32.const(0)),
      f.set('x', i32.const(0)),
      whileLoop(
        i32.lt(f.get('x'), f.get('rowBytes')),
        v128.store(
          i32.add(f.get('dst'), f.get('x')),
          f32x4.mul(
            f32x4.add(
              v128.load(i32.add(f.get('src'), f.get('x'))),
              v128.shuffle(
                f.tee(
                  'm',
                  v128.load(i32.sub(i32.add(f.get('mir'), f.get('rowBytes')), i32.add(f.get('x'), i32.const(16)))),
                ),
                f.get('m'),
                REVERSE,
              ),
            ),
            f32x4.splat(f32.const(0.5)),
          ),
        ),
        f.set('x', i32.add(f.get('x'), i32.const(16))),
      ),
      f.set('dst', i32.add(f.get('dst'), f.get('rowBytes'))),
      f.set('src', i32.add(f.get('src'), f.get('rowBytes'))),
      f.set('mir', i32.add(f.get('mir'), f.get('rowBytes'))),
      f.set('rows', i32.sub(f.get('rows'), i32.const(1))),
    ),
  ],
};

/** The composite kernel over one tile, divided and stored or accumulated (decodeKernels.ts tile). */
export const tile: FunctionDef = {
  name: 'tile',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['xStart', 'i32'],
    ['xWeight', 'i32'],
    ['yStart', 'i32'],
    ['yWeight', 'i32'],
    ['x0', 'i32'],
    ['y0', 'i32'],
    ['nx', 'i32'],
    ['ny', 'i32'],
    ['out', 'i32'],
    ['scratch', 'i32'],
    ['divisor', 'f32'],
    ['accumulate', 'i32'],
  ],
  result: null,
  locals: [
    ['rFirst', 'i32'],
    ['r', 'i32'],
    ['rLast', 'i32'],
    ['i', 'i32'],
    ['x', 'i32'],
    ['rowPtr', 'i32'],
    ['sc', 'i32'],
    ['wp', 'i32'],
    ['base', 'i32'],
    ['o', 'i32'],
    ['t', 'v128'],
    ['wk', 'v128'],
    ['acc0', 'v128'],
    ['acc1', 'v128'],
    ['div', 'v128'],
  ],
  body: (f) => {
    const vertical: Bytes[] = [];
    for (let k = 1; k < 8; k++) {
      vertical.push(
        f.set('wk', f32x4.splat(f32.load(f.get('wp'), 4 * k))),
        f.set('acc0', f32x4.add(f.get('acc0'), f32x4.mul(f.get('wk'), v128.load(f.get('base'), 32 * k)))),
        f.set('acc1', f32x4.add(f.get('acc1'), f32x4.mul(f.get('wk'), v128.load(f.get('base'), 32 * k + 16)))),
      );
    }
    return [
      f.set('div', f32x4.splat(f.get('divisor'))),
      f.set('rFirst', i32.load(i32.add(f.get('yStart'), i32.shl(f.get('y0'), i32.const(2))))),
      f.set(
        'rLast',
        i32.add(
          i32.load(
            i32.add(f.get('yStart'), i32.shl(i32.sub(i32.add(f.get('y0'), f.get('ny')), i32.const(1)), i32.const(2))),
          ),
          i32.const(7),
        ),
      ),
      f.set('r', f.get('rFirst')),
      whileLoop(
        i32.le(f.get('r'), f.get('rLast')),
        f.set('rowPtr', i32.add(f.get('plane'), i32.shl(i32.mul(f.get('r'), f.get('width')), i32.const(2)))),
        f.set('sc', i32.add(f.get('scratch'), i32.shl(i32.sub(f.get('r'), f.get('rFirst')), i32.const(5)))),
        f.set('i', i32.const(0)),
        whileLoop(
          i32.lt(f.get('i'), f.get('nx')),
          f.set('x', i32.add(f.get('x0'), f.get('i'))),
          f32.store(
            i32.add(f.get('sc'), i32.shl(f.get('i'), i32.const(2))),
            rowSum(
              f,
              i32.add(
                f.get('rowPtr'),
                i32.shl(i32.load(i32.add(f.get('xStart'), i32.shl(f.get('x'), i32.const(2)))), i32.const(2)),
              ),
              i32.add(f.get('xWeight'), i32.shl(f.get('x'), i32.const(5))),
              't',
            ),
          ),
          f.set('i', i32.add(f.get('i'), i32.const(1))),
        ),
        f.set('r', i32.add(f.get('r'), i32.const(1))),
      ),
      f.set('i', i32.const(0)),
      whileLoop(
        i32.lt(f.get('i'), f.get('ny')),
        f.set('x', i32.add(f.get('y0'), f.get('i'))), // x holds the image row y here
        f.set(
          'base',
          i32.add(
            f.get('scratch'),
            i32.shl(
              i32.sub(i32.load(i32.add(f.get('yStart'), i32.shl(f.get('x'), i32.const(2)))), f.get('rFirst')),
              i32.const(5),
            ),
          ),
        ),
        f.set('wp', i32.add(f.get('yWeight'), i32.shl(f.get('x'), i32.const(5)))),
        f.set('wk', f32x4.splat(f32.load(f.get('wp')))),
        f.set('acc0', f32x4.mul(f.get('wk'), v128.load(f.get('base')))),
        f.set('acc1', f32x4.mul(f.get('wk'), v128.load(f.get('base'), 16))),
        ...vertical,
        f.set('acc0', f32x4.div(f.get('acc0'), f.get('div'))),
        f.set('acc1', f32x4.div(f.get('acc1'), f.get('div'))),
        f.set('o', i32.add(f.get('out'), i32.shl(f.get('i'), i32.const(5)))),
        op.if(f.get('accumulate'), [
          f.set('acc0', f32x4.add(v128.load(f.get('o')), f.get('acc0'))),
          f.set('acc1', f32x4.add(v128.load(f.get('o'), 16), f.get('acc1'))),
        ]),
        v128.store(f.get('o'), f.get('acc0')),
        v128.store(f.get('o'), f.get('acc1'), 16),
        f.set('i', i32.add(f.get('i'), i32.const(1))),
      ),
    ];
  },
};

/** The composite kernel at one pixel (decodeKernels.ts point). */
export const point: FunctionDef = {
  name: 'point',
  params: [
    ['plane', 'i32'],
    ['width', 'i32'],
    ['xStart', 'i32'],
    ['xWeight', 'i32'],
    ['yStart', 'i32'],
    ['yWeight', 'i32'],
    ['x', 'i32'],
    ['y', 'i32'],
  ],
  result: 'f32',
  locals: [
    ['s', 'i32'],
    ['wx', 'i32'],
    ['wy', 'i32'],
    ['rowBytes', 'i32'],
    ['acc', 'f32'],
    ['t', 'v128'],
  ],
  body: (f) => {
    const rows: Bytes[] = [];
    for (let k = 0; k < 8; k++) {
      const term = f32.mul(f32.load(f.get('wy'), 4 * k), rowSum(f, f.get('s'), f.get('wx'), 't'));
      rows.push(f.set('acc', k === 0 ? term : f32.add(f.get('acc'), term)));
      rows.push(f.set('s', i32.add(f.get('s'), f.get('rowBytes'))));
    }
    return [
      f.set('rowBytes', i32.shl(f.get('width'), i32.const(2))),
      f.set('wx', i32.add(f.get('xWeight'), i32.shl(f.get('x'), i32.const(5)))),
      f.set('wy', i32.add(f.get('yWeight'), i32.shl(f.get('y'), i32.const(5)))),
      f.set(
        's',
        i32.add(
          f.get('plane'),
          i32.shl(
            i32.add(
              i32.mul(i32.load(i32.add(f.get('yStart'), i32.shl(f.get('y'), i32.const(2)))), f.get('width')),
              i32.load(i32.add(f.get('xStart'), i32.shl(f.get('x'), i32.const(2)))),
            ),
            i32.const(2),
          ),
        ),
      ),
      ...rows,
      f.get('acc'),
    ];
  },
};
