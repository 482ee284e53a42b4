/**
 * A small WebAssembly assembler: enough of the binary format (WebAssembly Core Specification 2.0, §5, and the
 * fixed-width SIMD proposal's opcodes) to write the decoder's kernels by hand in TypeScript, without a toolchain.
 * Code is written in folded form: every helper returns the bytes of its operands followed by its opcode, so
 * `op.f32.add(get('a'), get('b'))` is `(f32.add (local.get $a) (local.get $b))`.
 */
export type Bytes = number[];
export type ValType = 'i32' | 'f32' | 'f64' | 'v128';

const TYPE_CODE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** unsigned LEB128 */
export function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** signed LEB128 (32-bit values) */
export function sleb(n: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const flat = (parts: (Bytes | number)[]): Bytes => parts.flatMap((p) => (typeof p === 'number' ? [p] : p));
const utf8 = (s: string): Bytes => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];

/** A function being written: named parameters and locals, resolved to indices by `get`/`set`/`tee`. */
export interface FunctionDef {
  name: string;
  params: [string, ValType][];
  result: ValType | null;
  locals: [string, ValType][];
  body: (f: LocalAccess) => Bytes[];
}

/** A function the module imports from `env` (the host provides it at instantiation). */
export interface ImportDef {
  name: string;
  params: ValType[];
  result: ValType | null;
}

export interface LocalAccess {
  get(name: string): Bytes;
  set(name: string, ...value: Bytes[]): Bytes;
  tee(name: string, ...value: Bytes[]): Bytes;
  /** Calls an imported or defined function by name; operands in order. */
  call(name: string, ...args: Bytes[]): Bytes;
}

function localAccess(def: FunctionDef, functionIndex: Map<string, number>): LocalAccess {
  const index = new Map<string, number>();
  [...def.params, ...def.locals].forEach(([n], i) => {
    if (index.has(n)) throw new Error(`wasm ${def.name}: local ${n} declared twice`);
    index.set(n, i);
  });
  const at = (n: string) => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`wasm ${def.name}: unknown local ${n}`);
    return uleb(i);
  };
  return {
    get: (n) => [0x20, ...at(n)],
    set: (n, ...v) => [...flat(v), 0x21, ...at(n)],
    tee: (n, ...v) => [...flat(v), 0x22, ...at(n)],
    call: (n, ...args) => {
      const i = functionIndex.get(n);
      if (i === undefined) throw new Error(`wasm ${def.name}: unknown function ${n}`);
      return [...flat(args), 0x10, ...uleb(i)];
    },
  };
}

/**
 * Assembles a module that imports its memory as env.memory and the given functions from env, and exports every
 * defined function by name.
 */
export function assembleModule(functions: FunctionDef[], imports: ImportDef[] = []): Uint8Array {
  const sig = (params: ValType[], result: ValType | null) => `${params.join(',')}->${result ?? ''}`;
  const sigKey = (f: FunctionDef) =>
    sig(
      f.params.map((p) => p[1]),
      f.result,
    );
  const sigs = [...new Set([...imports.map((i) => sig(i.params, i.result)), ...functions.map(sigKey)])];
  const typeSec = vec(
    sigs.map((k) => {
      const [ps, r] = k.split('->');
      const params = ps ? ps.split(',').map((t) => [TYPE_CODE[t as ValType]]) : [];
      return [0x60, ...vec(params), ...vec(r ? [[TYPE_CODE[r as ValType]]] : [])];
    }),
  );
  const functionIndex = new Map<string, number>();
  for (const [i, f] of [...imports, ...functions].entries()) functionIndex.set(f.name, i);
  const importSec = vec([
    [...utf8('env'), ...utf8('memory'), 0x02, 0x00, ...uleb(1)],
    ...imports.map((im) => [...utf8('env'), ...utf8(im.name), 0x00, ...uleb(sigs.indexOf(sig(im.params, im.result)))]),
  ]);
  const funcSec = vec(functions.map((f) => uleb(sigs.indexOf(sigKey(f)))));
  const exportSec = vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(imports.length + i)]));
  const codeSec = vec(
    functions.map((f) => {
      const locals = vec(f.locals.map(([, t]) => [...uleb(1), TYPE_CODE[t]]));
      const body = [...locals, ...flat(f.body(localAccess(f, functionIndex))), 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  const section = (id: number, content: Bytes) => [id, ...uleb(content.length), ...content];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, typeSec),
    ...section(2, importSec),
    ...section(3, funcSec),
    ...section(7, exportSec),
    ...section(10, codeSec),
  ]);
}

const f32Bytes = (v: number) => Array.from(new Uint8Array(Float32Array.of(v).buffer));
const f64Bytes = (v: number) => Array.from(new Uint8Array(Float64Array.of(v).buffer));
const un = (code: number) => (a: Bytes) => [...a, code];
const bin = (code: number) => (a: Bytes, b: Bytes) => [...a, ...b, code];
const simd = (code: number) => [0xfd, ...uleb(code)];
const sUn = (code: number) => (a: Bytes) => [...a, ...simd(code)];
const sBin = (code: number) => (a: Bytes, b: Bytes) => [...a, ...b, ...simd(code)];
/** memarg: alignment exponent and a constant byte offset. */
const mem =
  (code: Bytes, align: number) =>
  (addr: Bytes, offset = 0) => [...addr, ...code, align, ...uleb(offset)];
const store =
  (code: Bytes, align: number) =>
  (addr: Bytes, value: Bytes, offset = 0) => [...addr, ...value, ...code, align, ...uleb(offset)];

/** Instructions in folded form (operands first). Only what the kernels use. */
export const op = {
  i32: {
    const: (v: number) => [0x41, ...sleb(v)],
    load: mem([0x28], 2),
    store: store([0x36], 2),
    eqz: un(0x45),
    eq: bin(0x46),
    ne: bin(0x47),
    lt: bin(0x48),
    gt: bin(0x4a),
    le: bin(0x4c),
    ge: bin(0x4e),
    add: bin(0x6a),
    sub: bin(0x6b),
    mul: bin(0x6c),
    divS: bin(0x6d),
    and: bin(0x71),
    or: bin(0x72),
    shl: bin(0x74),
    shrS: bin(0x75),
    store8: store([0x3a], 0),
    load8u: mem([0x2d], 0),
    truncF32: un(0xa8),
    truncF64: un(0xaa),
  },
  f32: {
    const: (v: number) => [0x43, ...f32Bytes(v)],
    load: mem([0x2a], 2),
    store: store([0x38], 2),
    eq: bin(0x5b),
    lt: bin(0x5d),
    gt: bin(0x5e),
    le: bin(0x5f),
    ge: bin(0x60),
    add: bin(0x92),
    sub: bin(0x93),
    mul: bin(0x94),
    div: bin(0x95),
    min: bin(0x96),
    max: bin(0x97),
    floor: un(0x8e),
    demote: un(0xb6),
    fromI32: un(0xb2),
  },
  f64: {
    const: (v: number) => [0x44, ...f64Bytes(v)],
    load: mem([0x2b], 3),
    store: store([0x39], 3),
    add: bin(0xa0),
    sub: bin(0xa1),
    mul: bin(0xa2),
    div: bin(0xa3),
    abs: un(0x99),
    floor: un(0x9c),
    nearest: un(0x9e),
    sqrt: un(0x9f),
    min: bin(0xa4),
    max: bin(0xa5),
    eq: bin(0x61),
    lt: bin(0x63),
    gt: bin(0x64),
    le: bin(0x65),
    ge: bin(0x66),
    promote: un(0xbb),
    fromI32: un(0xb7),
  },
  v128: {
    load: mem(simd(0x00), 4),
    store: store(simd(0x0b), 4),
    anyTrue: sUn(0x53),
    and: sBin(0x4e),
    /** v128 of two f64 lanes equal to v (v128.const). */
    constF64: (v: number) => [...simd(0x0c), ...f64Bytes(v), ...f64Bytes(v)],
    /** v128 filled with the f32 value (v128.const). */
    constF32: (v: number) => [...simd(0x0c), ...Array.from({ length: 4 }, () => f32Bytes(v)).flat()],
    /** i8x16.shuffle of two vectors by 16 byte indices. */
    shuffle: (a: Bytes, b: Bytes, lanes: number[]) => [...a, ...b, ...simd(0x0d), ...lanes],
    /** f32x4 lanes all equal to NaN (a quiet NaN bit pattern). */
    constNaN: () => [...simd(0x0c), ...Array.from({ length: 4 }, () => [0x00, 0x00, 0xc0, 0x7f]).flat()],
  },
  i32x4: {
    bitmask: sUn(0xa4),
  },
  f32x4: {
    splat: sUn(0x13),
    extractLane: (a: Bytes, lane: number) => [...a, ...simd(0x1f), lane],
    ge: sBin(0x46),
    add: sBin(0xe4),
    sub: sBin(0xe5),
    mul: sBin(0xe6),
    div: sBin(0xe7),
    max: sBin(0xe9),
    /** pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a (lane-wise) */
    pmin: sBin(0xea),
    pmax: sBin(0xeb),
  },
  block: (...body: Bytes[]) => [0x02, 0x40, ...flat(body), 0x0b],
  loop: (...body: Bytes[]) => [0x03, 0x40, ...flat(body), 0x0b],
  if: (cond: Bytes, then: Bytes[], otherwise: Bytes[] = []) => [
    ...cond,
    0x04,
    0x40,
    ...flat(then),
    ...(otherwise.length ? [0x05, ...flat(otherwise)] : []),
    0x0b,
  ],
  /** `if` with a result of the given type (both arms required). */
  select: (type: ValType, cond: Bytes, then: Bytes, otherwise: Bytes) => [
    ...cond,
    0x04,
    TYPE_CODE[type],
    ...then,
    0x05,
    ...otherwise,
    0x0b,
  ],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  drop: (value: Bytes) => [...value, 0x1a],
  brIf: (depth: number, cond: Bytes) => [...cond, 0x0d, ...uleb(depth)],
  return: (value: Bytes = []) => [...value, 0x0f],
};
