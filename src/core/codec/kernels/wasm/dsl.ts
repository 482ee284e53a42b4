import { op, type Bytes, type LocalAccess } from '../../../wasm/wasmAssembler.ts';

export { op };
export const { i32, f32, f64, v128, f32x4 } = op;
/** Lanes (t2, t3, t0, t1): added to (t0..t3) it gives t0 + t2 and t1 + t3 in lanes 0 and 1. */
export const HALF_SWAP = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Lanes reversed (x3, x2, x1, x0). */
export const REVERSE = [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3];
/** log2 of the fast decoder's tile side (fastChannel.ts FAST_TILE = 8). */
export const TILE_SHIFT = 3;

/** `while (cond) { body }` */
export const whileLoop = (cond: Bytes, ...body: Bytes[]): Bytes =>
  op.block(op.loop(op.brIf(1, i32.eqz(cond)), ...body, op.br(0)));

/** `for (name = from; name < to; name++) { body }` over an i32 local. */
export const forRange = (f: LocalAccess, name: string, from: Bytes, to: Bytes, ...body: Bytes[]): Bytes => [
  ...f.set(name, from),
  ...whileLoop(i32.lt(f.get(name), to), ...body, f.set(name, i32.add(f.get(name), i32.const(1)))),
];

/** Byte address base + 4·index. */
export const at4 = (base: Bytes, index: Bytes): Bytes => i32.add(base, i32.shl(index, i32.const(2)));

/** The row sum h of decodeKernels.ts at taps `s` (byte address) with 8 weights at `w`, as one f32 (uses v128 local t). */
export function rowSum(f: LocalAccess, s: Bytes, w: Bytes, t: string): Bytes {
  return [
    ...f.set(t, f32x4.add(f32x4.mul(v128.load(s), v128.load(w)), f32x4.mul(v128.load(s, 16), v128.load(w, 16)))),
    ...f.set(t, f32x4.add(f.get(t), v128.shuffle(f.get(t), f.get(t), HALF_SWAP))),
    ...f32.add(f32x4.extractLane(f.get(t), 0), f32x4.extractLane(f.get(t), 1)),
  ];
}
