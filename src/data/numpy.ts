/**
 * NumPy's `.npy` and `.npz` files as {@link TensorDataset}s.
 *
 * `.npy` (NEP 1, "A simple file format for NumPy arrays"): the magic `\x93NUMPY`, a major
 * and minor version byte, the header's length (2 bytes little-endian in version 1, 4 in
 * versions 2 and 3), then the header, a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 28, 28), }`, padded with spaces
 * to an aligned offset, then the raw data in C order. `.npz` is a zip of `.npy` files, one
 * per array (`np.savez`, stored; `np.savez_compressed`, deflated), read with `fflate`.
 *
 * Read: little-endian (or single-byte) `float32`, `float64`, `uint8`, `int8`, `bool`,
 * `int16`, `uint16`, `int32`, `uint32`, `int64`, `uint64`, all converted to `Float32`; and,
 * for labels and groups only, fixed-width strings (`<U`, `|S`). Refused with the file, the
 * array and the header field named: big-endian data, `fortran_order: True`, object arrays
 * (pickles are never loaded), structured dtypes, truncated data, arrays or files above a
 * size bound.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { DflsimInputError } from '../errors.js';
import {
  DEFAULT_MAX_DATASET_BYTES,
  checkTensorDataset,
  resolveLabels,
  sampleSize,
  type RawLabels,
  type TensorDataset,
} from './tensor-dataset.js';

/** The parsed header of a `.npy` array. */
export interface NpyHeader {
  /** The dtype string as written (`<f4`, `|u1`, `<U7`). */
  descr: string;
  /** Always false here (Fortran order is refused). */
  fortranOrder: boolean;
  /** The array's shape (`[]` for a scalar). */
  shape: number[];
  /** Byte offset of the data in the file. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
  /** What the elements are. */
  kind: 'float' | 'int' | 'bool' | 'string';
}

/** A `.npy` array read into memory: numbers (converted) or strings. */
export interface NpyArray extends NpyHeader {
  /** The elements in C order: numbers for numeric dtypes, strings for `<U` / `|S`. */
  values: Float32Array | Float64Array | string[];
}

/** Options of `parseNpy` (the parser behind {@link readNpy}). */
export interface NpyParseOptions {
  /** Element type of numeric results (default 32: `Float32Array`; 64 for labels and group ids). */
  precision?: 32 | 64;
  /** Refuse arrays whose data is larger (default 2 GiB). */
  maxBytes?: number;
  /** Refuse NaN and infinite values (default false), naming the element's index. */
  finite?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const NUMERIC: Record<string, { kind: 'float' | 'int' | 'bool'; size: number }> = {
  f4: { kind: 'float', size: 4 },
  f8: { kind: 'float', size: 8 },
  u1: { kind: 'int', size: 1 },
  i1: { kind: 'int', size: 1 },
  b1: { kind: 'bool', size: 1 },
  i2: { kind: 'int', size: 2 },
  u2: { kind: 'int', size: 2 },
  i4: { kind: 'int', size: 4 },
  u4: { kind: 'int', size: 4 },
  i8: { kind: 'int', size: 8 },
  u8: { kind: 'int', size: 8 },
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parse the header of a `.npy` file.
 * @param bytes the file's bytes (at least the header)
 * @param where the file (and array) to name in errors, e.g. `data.npz: x.npy`
 * @throws DflsimInputError naming `where` and the field: bad magic, unknown version, a
 *   truncated or malformed header, a refused dtype, Fortran order, a bad shape
 */
export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b))
      throw new DflsimInputError(where, `not a .npy array: bad magic (expected "\\x93NUMPY", ${bytes.length} bytes)`);
    throw new DflsimInputError(where, `truncated: ${bytes.length} bytes, too short for a .npy header`);
  }
  const major = bytes[6];
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12)
      throw new DflsimInputError(where, `truncated: ${bytes.length} bytes, too short for a version ${major} .npy header`);
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
    start = 12;
  } else throw new DflsimInputError(where, `.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  if (start + headerLen > bytes.length)
    throw new DflsimInputError(where, `truncated: the header says it is ${headerLen} bytes, but only ${bytes.length - start} follow`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const dict = parsePyDict(text, where);
  const descr = dict.get('descr');
  if (descr === undefined) throw new DflsimInputError(`${where}: descr`, 'missing from the header');
  if (Array.isArray(descr))
    throw new DflsimInputError(`${where}: descr`, 'is a structured dtype (a list of fields); only plain numeric arrays are read');
  if (typeof descr !== 'string') throw new DflsimInputError(`${where}: descr`, `expected a dtype string, got ${String(descr)}`);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean')
    throw new DflsimInputError(`${where}: fortran_order`, 'missing from the header (expected True or False)');
  if (fortran)
    throw new DflsimInputError(
      `${where}: fortran_order`,
      'is True: Fortran-ordered (column-major) arrays are not read; save with np.ascontiguousarray(a) (C order)',
    );
  const shapeRaw = dict.get('shape');
  if (!Array.isArray(shapeRaw) || !shapeRaw.every((d) => typeof d === 'number'))
    throw new DflsimInputError(`${where}: shape`, 'missing from the header or not a tuple of integers');
  const shape = shapeRaw as number[];
  for (const d of shape)
    if (!Number.isSafeInteger(d) || d < 0) throw new DflsimInputError(`${where}: shape`, `dimension ${d} is not a non-negative integer`);
  const { kind, itemSize } = dtypeOf(descr, where);
  return { descr, fortranOrder: false, shape, dataOffset: start + headerLen, itemSize, kind };
}

function dtypeOf(descr: string, where: string): { kind: NpyHeader['kind']; itemSize: number } {
  const w = `${where}: descr`;
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw new DflsimInputError(w, `dtype "${descr}" is not a plain numeric dtype`);
  const [, order, code, digits] = m;
  if (code === 'O') throw new DflsimInputError(w, `dtype "${descr}" is an object array (pickled Python objects), which is never loaded`);
  if (code === 'U' || code === 'S') {
    const n = Number(digits);
    if (!(n >= 1)) throw new DflsimInputError(w, `string dtype "${descr}" has no width`);
    if (code === 'U' && order === '>')
      throw new DflsimInputError(w, `dtype "${descr}" is big-endian; save little-endian data (a.astype('<U${n}'))`);
    return { kind: 'string', itemSize: code === 'U' ? 4 * n : n };
  }
  const t = NUMERIC[`${code}${digits}`];
  if (!t)
    throw new DflsimInputError(
      w,
      `dtype "${descr}" is not read (float32, float64, uint8, int8, bool, int16, uint16, int32, uint32, int64 and uint64 are)`,
    );
  if (order === '>' && t.size > 1)
    throw new DflsimInputError(w, `dtype "${descr}" is big-endian; save little-endian data (a.astype('<${code}${digits}'))`);
  if (order === '=' && !LITTLE_ENDIAN_HOST) throw new DflsimInputError(w, `dtype "${descr}" is in native order; save it little-endian`);
  return { kind: t.kind, itemSize: t.size };
}

/** Values of the Python literals a `.npy` header holds. */
type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/**
 * Parse the Python dict literal of a `.npy` header: strings, integers, True/False/None,
 * tuples and lists, nested dicts (values only; keys are strings).
 */
function parsePyDict(text: string, where: string): Map<string, PyValue> {
  let i = 0;
  const bad = (what: string): never => {
    throw new DflsimInputError(
      `${where}: header`,
      `is not a Python dict literal: ${what} at character ${i + 1} of "${text.trim().slice(0, 120)}"`,
    );
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  let depth = 0;
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) bad('an unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) bad('an escape in a string');
      i = end + 1;
      return s;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (++depth > 8) bad('nesting too deep');
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      i++;
      const items: PyValue[] = [];
      const map = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        if (c === '{') {
          const k = value();
          if (typeof k !== 'string') bad('a key that is not a string');
          ws();
          if (text[i] !== ':') bad('a missing ":"');
          i++;
          map.set(k as string, value());
        } else items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) bad(`"${text[i] ?? 'the end'}" where "," or "${close}" belongs`);
      }
      depth--;
      return c === '{' ? map : items;
    }
    const m = /^(?:[+-]?\d+L?|True|False|None)/.exec(text.slice(i, i + 40));
    if (!m) bad(`unexpected "${c ?? 'end of header'}"`);
    i += m![0].length;
    const t = m![0];
    if (t === 'True') return true;
    if (t === 'False') return false;
    if (t === 'None') return null;
    return Number(t.replace(/L$/, ''));
  };
  const v = value();
  ws();
  if (i < text.length) bad('text after the dict');
  if (!(v instanceof Map)) bad('a value that is not a dict');
  return v as Map<string, PyValue>;
}

/**
 * The data size of an array: `prod(shape) * itemSize` bytes, refused above `maxBytes`
 * (checked step by step, so a product that overflows is refused too).
 */
function dataBytes(h: NpyHeader, where: string, maxBytes: number): number {
  let n = h.itemSize;
  for (const d of h.shape) {
    n *= d;
    if (n > maxBytes)
      throw new DflsimInputError(
        `${where}: shape`,
        `(${h.shape.join(', ')}) of ${h.descr} is larger than the ${fmtBytes(maxBytes)} an array may hold`,
      );
  }
  return n;
}

function fmtBytes(n: number): string {
  return n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${+(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * Parse a whole `.npy` file.
 * @param bytes the file's bytes
 * @param where the file (and array) to name in errors
 * @param options result precision, size bound, finiteness check
 * @throws DflsimInputError naming `where`: everything {@link parseNpyHeader} refuses, data
 *   shorter or longer than the shape says, an array above `maxBytes`, a non-finite value
 */
export function parseNpy(bytes: Uint8Array, where: string, options: NpyParseOptions = {}): NpyArray {
  const h = parseNpyHeader(bytes, where);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  const nbytes = dataBytes(h, where, maxBytes);
  const have = bytes.length - h.dataOffset;
  if (have < nbytes)
    throw new DflsimInputError(
      where,
      `truncated: shape (${h.shape.join(', ')}) of ${h.descr} needs ${nbytes} bytes of data, the file has ${have}`,
    );
  if (have > nbytes)
    throw new DflsimInputError(
      where,
      `has ${have - nbytes} bytes after the data that shape (${h.shape.join(', ')}) of ${h.descr} describes`,
    );
  const data = bytes.subarray(h.dataOffset, h.dataOffset + nbytes);
  const count = nbytes / h.itemSize;
  if (h.kind === 'string') return { ...h, values: decodeStrings(data, h, count) };
  const out = options.precision === 64 ? new Float64Array(count) : new Float32Array(count);
  convert(data, h.descr.replace(/^[<>|=]/, ''), out);
  if (options.finite) {
    for (let k = 0; k < count; k++)
      if (!Number.isFinite(out[k])) {
        const per = h.shape.length > 1 ? sampleSize(h.shape.slice(1)) : 1;
        throw new DflsimInputError(where, `element ${k} (sample ${Math.floor(k / per)}) is ${out[k]}, not a finite number`);
      }
  }
  return { ...h, values: out };
}

function convert(data: Uint8Array, code: string, out: Float32Array | Float64Array): void {
  const size = NUMERIC[code].size;
  // typed-array views need an aligned offset and a little-endian host; copy otherwise
  const src = data.byteOffset % size === 0 ? data : data.slice();
  const buf = src.buffer,
    off = src.byteOffset,
    n = out.length;
  if (!LITTLE_ENDIAN_HOST && size > 1) {
    const dv = new DataView(buf, off, n * size);
    for (let k = 0; k < n; k++) out[k] = readLe(dv, k * size, code);
    return;
  }
  switch (code) {
    case 'f4':
      out.set(new Float32Array(buf, off, n));
      return;
    case 'f8':
      out.set(new Float64Array(buf, off, n));
      return;
    case 'u1':
      out.set(new Uint8Array(buf, off, n));
      return;
    case 'b1':
      for (let k = 0; k < n; k++) out[k] = src[k] ? 1 : 0;
      return;
    case 'i1':
      out.set(new Int8Array(buf, off, n));
      return;
    case 'i2':
      out.set(new Int16Array(buf, off, n));
      return;
    case 'u2':
      out.set(new Uint16Array(buf, off, n));
      return;
    case 'i4':
      out.set(new Int32Array(buf, off, n));
      return;
    case 'u4':
      out.set(new Uint32Array(buf, off, n));
      return;
    case 'i8': {
      const v = new BigInt64Array(buf, off, n);
      for (let k = 0; k < n; k++) out[k] = Number(v[k]);
      return;
    }
    case 'u8': {
      const v = new BigUint64Array(buf, off, n);
      for (let k = 0; k < n; k++) out[k] = Number(v[k]);
      return;
    }
  }
}

function readLe(dv: DataView, o: number, code: string): number {
  switch (code) {
    case 'f4':
      return dv.getFloat32(o, true);
    case 'f8':
      return dv.getFloat64(o, true);
    case 'i2':
      return dv.getInt16(o, true);
    case 'u2':
      return dv.getUint16(o, true);
    case 'i4':
      return dv.getInt32(o, true);
    case 'u4':
      return dv.getUint32(o, true);
    case 'i8':
      return Number(dv.getBigInt64(o, true));
    default:
      return Number(dv.getBigUint64(o, true));
  }
}

function decodeStrings(data: Uint8Array, h: NpyHeader, count: number): string[] {
  const out: string[] = [];
  const utf32 = h.descr.includes('U');
  const dec = new TextDecoder('utf-8');
  for (let k = 0; k < count; k++) {
    const cell = data.subarray(k * h.itemSize, (k + 1) * h.itemSize);
    if (utf32) {
      let s = '';
      for (let j = 0; j + 4 <= cell.length; j += 4) {
        const cp = (cell[j] | (cell[j + 1] << 8) | (cell[j + 2] << 16) | (cell[j + 3] << 24)) >>> 0;
        if (cp === 0) break;
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      out.push(s);
    } else {
      let end = cell.indexOf(0);
      if (end < 0) end = cell.length;
      out.push(dec.decode(cell.subarray(0, end)));
    }
  }
  return out;
}

/** Options of {@link parseNpz}. */
export interface NpzParseOptions {
  /** Refuse arrays whose (uncompressed) data together exceed this (default 2 GiB). */
  maxBytes?: number;
}

/**
 * The `.npy` members of an `.npz` (zip) file, by array name (the member name without
 * `.npy`), without decompressing any other member.
 * @param bytes the file's bytes
 * @param file the file to name in errors
 * @param names the arrays wanted
 * @param options size bound
 * @throws DflsimInputError naming the file: not a zip, a corrupt member, a missing array
 *   (with the arrays the file has), members above the size bound
 */
export function parseNpz(
  bytes: Uint8Array,
  file: string,
  names: readonly string[],
  options: NpzParseOptions = {},
): Map<string, Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    throw new DflsimInputError(
      file,
      `not a .npz file (a zip of .npy arrays): it does not start with "PK"${bytes.length < 4 ? ` (${bytes.length} bytes)` : ''}`,
    );
  const wanted = new Set(names.map((n) => `${n}.npy`));
  const present: string[] = [];
  let total = 0;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        present.push(f.name.replace(/\.npy$/, ''));
        if (!wanted.has(f.name)) return false;
        total += f.originalSize;
        if (f.originalSize > maxBytes || total > maxBytes)
          throw new DflsimInputError(
            `${file}: ${f.name}`,
            `${fmtBytes(f.originalSize)} uncompressed; the arrays read from one file may hold at most ${fmtBytes(maxBytes)}`,
          );
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DflsimInputError) throw e;
    throw new DflsimInputError(file, `not a readable .npz (zip) file: ${(e as Error).message}`);
  }
  const out = new Map<string, Uint8Array>();
  for (const n of names) {
    const m = members[`${n}.npy`];
    if (!m)
      throw new DflsimInputError(
        file,
        `has no array "${n}" (its arrays: ${present.length ? present.map((p) => `"${p}"`).join(', ') : 'none'})`,
      );
    out.set(n, m);
  }
  return out;
}

/** Options of {@link readNpzDataset} and {@link readNpyDataset}. */
export interface NpzDatasetOptions {
  /** Array of the samples (default `x`): shape `[count, ...sampleShape]`. */
  x?: string;
  /** Array of the labels or targets (default `y`): shape `[count]` or `[count, targets]`. */
  y?: string;
  /** Array of a natural-silo key per sample (integers or strings), e.g. `silo`. */
  group?: string;
  /**
   * `class` or `value` (regression); default: integer and string labels are classes,
   * float labels are regression targets.
   */
  task?: 'class' | 'value';
  /** Dataset name (default: the file name, or the first file's name and the count). */
  name?: string;
  /** Refuse files or arrays larger than this, and datasets whose samples take more (default 2 GiB). */
  maxBytes?: number;
  /** Prefix of option errors (default `dataset`), e.g. `exp.json: dataset`. */
  where?: string;
}

/** The arrays of one file, checked against each other. */
interface Part {
  file: string;
  x: Float32Array;
  sampleShape: number[];
  count: number;
  labels: RawLabels;
  groups?: string[];
}

function readBytes(file: string, maxBytes: number, what: string): Uint8Array {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new DflsimInputError(file, `${what} not found`);
  }
  if (!st.isFile()) throw new DflsimInputError(file, `is not a regular file (expected ${what})`);
  if (st.size > maxBytes) throw new DflsimInputError(file, `${fmtBytes(st.size)}, above the ${fmtBytes(maxBytes)} a dataset file may have`);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DflsimInputError(file, `cannot read ${what}: ${(e as Error).message}`);
  }
}

function partOf(
  file: string,
  arrays: { x: NpyArray; y: NpyArray; group?: NpyArray },
  names: { x: string; y: string; group?: string },
  wheres: { x: string; y: string; group?: string },
): Part {
  const { x, y, group } = arrays;
  if (x.kind === 'string') throw new DflsimInputError(`${wheres.x}: descr`, `holds strings ("${x.descr}"); samples must be numbers`);
  if (x.shape.length === 0) throw new DflsimInputError(`${wheres.x}: shape`, 'is a scalar; expected [samples, ...]');
  const count = x.shape[0];
  const sampleShape = x.shape.length === 1 ? [1] : x.shape.slice(1);
  if (y.shape.length === 0 || y.shape[0] !== count)
    throw new DflsimInputError(
      `${wheres.y}: shape`,
      `(${y.shape.join(', ')}) does not match ${names.x}'s ${count} samples (shape (${x.shape.join(', ')})): "${names.y}" needs one row per sample`,
    );
  const width = y.shape.length === 1 ? 1 : sampleSize(y.shape.slice(1));
  const labels: RawLabels = {
    file,
    field: names.y,
    values: y.values as ArrayLike<number> | string[],
    integer: y.kind === 'int' || y.kind === 'bool',
    width,
  };
  const part: Part = { file, x: x.values as Float32Array, sampleShape, count, labels };
  if (group) {
    const gw = group.shape.length === 1 ? 1 : sampleSize(group.shape.slice(1));
    if (group.shape.length === 0 || group.shape[0] !== count || gw !== 1)
      throw new DflsimInputError(
        `${wheres.group!}: shape`,
        `(${group.shape.join(', ')}) does not match ${names.x}'s ${count} samples: "${names.group!}" needs one value per sample`,
      );
    part.groups = Array.from(group.values as ArrayLike<number | string>, (v) => String(v));
  }
  return part;
}

/**
 * Read a dataset from one `.npz` file, or from several (one per silo: each sample's group
 * is its file's name, unless a `group` array is named).
 * @param file a `.npz` path, or a list of them
 * @param options array names, task, size bound
 * @throws DflsimInputError naming the file and the array: a missing file or array, a
 *   refused dtype or layout, arrays that disagree on the sample count, files that disagree
 *   on the sample shape, a label that does not fit the task, a size above the bound
 */
export function readNpzDataset(file: string | readonly string[], options: NpzDatasetOptions = {}): TensorDataset {
  const files = typeof file === 'string' ? [file] : [...file];
  const where = options.where ?? 'dataset';
  if (files.length === 0) throw new DflsimInputError(`${where}: files`, 'is empty: give at least one .npz file');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  const names = { x: options.x ?? 'x', y: options.y ?? 'y', group: options.group };
  if (names.x === names.y) throw new DflsimInputError(`${where}: y`, `names the same array as x ("${names.x}")`);
  const parts: Part[] = [];
  let budget = maxBytes;
  for (const f of files) {
    const bytes = readBytes(f, maxBytes, 'a .npz file');
    const wanted = [names.x, names.y, ...(names.group !== undefined ? [names.group] : [])];
    const members = parseNpz(bytes, f, wanted, { maxBytes });
    const w = (n: string): string => `${f}: ${n}.npy`;
    const x = parseNpy(members.get(names.x)!, w(names.x), { maxBytes: budget, finite: true });
    const y = parseNpy(members.get(names.y)!, w(names.y), { maxBytes, precision: 64 });
    const group = names.group !== undefined ? parseNpy(members.get(names.group)!, w(names.group), { maxBytes, precision: 64 }) : undefined;
    const part = partOf(f, { x, y, group }, names, { x: w(names.x), y: w(names.y), group: names.group && w(names.group) });
    budget -= part.x.length * 4;
    if (budget < 0) throw new DflsimInputError(f, `the samples of ${files.length} files take more than ${fmtBytes(maxBytes)}`);
    parts.push(part);
  }
  const name = options.name ?? (files.length === 1 ? path.basename(files[0]) : `${path.basename(files[0])} (+${files.length - 1} files)`);
  return combineParts(parts, name, options.task, `${where}: task`, names.group ?? (files.length > 1 ? 'file' : undefined));
}

/**
 * Read a dataset from two `.npy` files: the samples and their labels (or targets).
 * @param xFile samples, shape `[count, ...sampleShape]`
 * @param yFile labels, shape `[count]` or `[count, targets]`
 * @param options task, name, size bound (`x`, `y` and `group` are ignored)
 * @throws DflsimInputError naming the file and field, as {@link readNpzDataset}
 */
export function readNpyDataset(xFile: string, yFile: string, options: NpzDatasetOptions = {}): TensorDataset {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  const x = parseNpy(readBytes(xFile, maxBytes, 'a .npy file'), xFile, { maxBytes, finite: true });
  const y = parseNpy(readBytes(yFile, maxBytes, 'a .npy file'), yFile, { maxBytes, precision: 64 });
  const part = partOf(xFile, { x, y }, { x: path.basename(xFile), y: path.basename(yFile) }, { x: xFile, y: yFile });
  part.labels = { ...part.labels, file: yFile, field: 'labels' };
  return combineParts([part], options.name ?? path.basename(xFile), options.task, `${options.where ?? 'dataset'}: task`, undefined);
}

/**
 * Read one `.npy` file.
 * @param file the path
 * @param options precision, size bound, finiteness
 */
export function readNpy(file: string, options: NpyParseOptions = {}): NpyArray {
  return parseNpy(readBytes(file, options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES, 'a .npy file'), file, options);
}

function combineParts(
  parts: Part[],
  name: string,
  task: 'class' | 'value' | undefined,
  taskWhere: string,
  groupField: string | undefined,
): TensorDataset {
  const first = parts[0];
  for (const p of parts.slice(1))
    if (p.sampleShape.length !== first.sampleShape.length || p.sampleShape.some((d, i) => d !== first.sampleShape[i]))
      throw new DflsimInputError(
        p.file,
        `samples have shape [${p.sampleShape.join(', ')}] but ${first.file}'s have [${first.sampleShape.join(', ')}]: the files of one dataset must agree`,
      );
  const labels = resolveLabels(
    parts.map((p) => p.labels),
    task,
    taskWhere,
  );
  const count = parts.reduce((a, p) => a + p.count, 0);
  const per = sampleSize(first.sampleShape);
  const x = new Float32Array(count * per);
  const y = new Float32Array(count * labels.targets);
  let o = 0;
  parts.forEach((p, k) => {
    x.set(p.x, o * per);
    y.set(labels.y[k], o * labels.targets);
    o += p.count;
  });
  const ds: TensorDataset = {
    name,
    sampleShape: [...first.sampleShape],
    count,
    x,
    labelKind: labels.labelKind,
    y,
    targets: labels.targets,
  };
  if (labels.classes) ds.classes = labels.classes;
  if (groupField !== undefined) {
    // a file's group is its name, or its path as given when two files share a name
    const base = parts.map((p) => path.basename(p.file));
    const unique = new Set(base).size === base.length;
    ds.groups = parts.flatMap((p, k) => p.groups ?? new Array<string>(p.count).fill(unique ? base[k] : p.file));
    ds.groupField = groupField;
  }
  checkTensorDataset(ds);
  return ds;
}
