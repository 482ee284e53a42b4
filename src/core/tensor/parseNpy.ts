/**
 * NumPy `.npy` (format v1/v2/v3) parsing and writing for little-endian float16/float32/float64 C-order arrays.
 * Pure: takes and returns bytes. Source: numpy/lib/format.py (NEP 1).
 */
import { roundHalfEven } from '../codec/cubicAxis.ts';
import { float32ToFloat16Bits } from './float16Bits.ts';

/** A dense tensor; `data` is row-major (C order) over `shape`. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
}

/** IEEE 754 binary16 → number (exact: every float16 is a float32). */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function parseHeader(bytes: Uint8Array): { descr: string; fortran: boolean; shape: number[]; dataOffset: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new NpyFormatError('not a .npy file (bad magic bytes)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError('truncated .npy header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new NpyFormatError(`unsupported .npy format version ${major}`);
  if (start + headerLen > bytes.length) throw new NpyFormatError('truncated .npy header');
  let header = '';
  for (let i = start; i < start + headerLen; i++) header += String.fromCharCode(bytes[i]); // latin-1 / ASCII header
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError(`malformed .npy header: ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0))
    throw new NpyFormatError(`bad shape in .npy header: (${shapeText})`);
  return { descr, fortran: fortran === 'True', shape, dataOffset: start + headerLen };
}

let halfTable: Float32Array | undefined;
function float16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16ToNumber(h);
  }
  return halfTable;
}

/** Parses a .npy buffer into a float32 tensor. float16 and float64 are converted (float16 exactly). */
export function parseNpy(bytes: Uint8Array): Tensor {
  const { descr, fortran, shape, dataOffset } = parseHeader(bytes);
  if (fortran) throw new NpyFormatError('Fortran-order .npy arrays are not supported; save with C order');
  const count = shape.reduce((a, b) => a * b, 1);
  const sizes: Record<string, number> = { '<f2': 2, '<f4': 4, '<f8': 8 };
  const itemSize = sizes[descr];
  if (itemSize === undefined)
    throw new NpyFormatError(`unsupported .npy dtype ${descr} (want little-endian float16/32/64)`);
  if (dataOffset + count * itemSize > bytes.length) {
    throw new NpyFormatError(`truncated .npy data: need ${count * itemSize} bytes, have ${bytes.length - dataOffset}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, count * itemSize);
  const data = new Float32Array(count);
  if (itemSize === 2) {
    const t = float16Table();
    for (let i = 0; i < count; i++) data[i] = t[view.getUint16(2 * i, true)];
  } else if (itemSize === 4) for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
  else for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
  return { data, shape };
}

/** Rounds a number to the nearest float16 bit pattern (round-half-even, with subnormals and overflow to ∞). */
export function numberToFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    const m = roundHalfEven(a / 2 ** -24);
    return sign | m; // m may reach 1024 = smallest normal, which is the right bit pattern
  }
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp -= 1;
  if (2 ** (exp + 1) <= a) exp += 1;
  let mant = roundHalfEven((a / 2 ** exp - 1) * 1024);
  if (mant === 1024) {
    mant = 0;
    exp += 1;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | mant;
}

/** Serialises a tensor as .npy v1, little-endian float16 ('<f2') or float32 ('<f4'). */
export function writeNpy(tensor: Tensor, dtype: 'float16' | 'float32' = 'float32'): Uint8Array {
  const descr = dtype === 'float16' ? '<f2' : '<f4';
  const shapeText = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += `${' '.repeat(pad % 64)}\n`;
  const itemSize = dtype === 'float16' ? 2 : 4;
  const out = new Uint8Array(10 + header.length + tensor.data.length * itemSize);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  // base is a multiple of 64 (the header is padded so), so the data can be written through a typed view when the
  // machine is little-endian, as .npy '<' is.
  if (dtype === 'float16' && LITTLE_ENDIAN) float32ToFloat16Bits(tensor.data, new Uint16Array(out.buffer, base));
  else if (dtype === 'float16')
    for (let i = 0; i < tensor.data.length; i++)
      view.setUint16(base + 2 * i, numberToFloat16Bits(tensor.data[i]), true);
  else if (LITTLE_ENDIAN) new Float32Array(out.buffer, base).set(tensor.data);
  else for (let i = 0; i < tensor.data.length; i++) view.setFloat32(base + 4 * i, tensor.data[i], true);
  return out;
}
