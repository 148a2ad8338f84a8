/**
 * Writing NumPy files: `.npy` (one array) and `.npz` (a zip of `.npy` members, as
 * `numpy.savez` and `numpy.savez_compressed` write it), so that data made or exported by
 * dflsim is read by Python users with `numpy.load` and read back by {@link readNpzDataset}.
 *
 * The header is NumPy's format 1.0: the magic string, version, a little-endian header length
 * and a dict literal padded with spaces to a 64-byte boundary, ending in a newline. Numbers
 * are little-endian. Zip members carry a fixed date, so the same arrays give the same bytes.
 */
import { zipSync } from 'fflate';
import { writeFileAtomic } from '../io/files.js';

/** The numeric dtypes written: NumPy's names. */
export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';

/** A numeric array to write: values in row-major order with their shape. */
export interface NpyNumericInput {
  dtype: NpyDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * A string array to write as NumPy's fixed-width unicode (`<U` + the longest string's
 * length in code points, at least 1; UTF-32 little-endian, shorter strings padded with NULs).
 */
export interface NpyStringInput {
  dtype: 'unicode';
  shape: readonly number[];
  data: readonly string[];
}

/** An array to write: values in row-major order with their shape. */
export type NpyArrayInput = NpyNumericInput | NpyStringInput;

const DESCR: Record<NpyDtype, { descr: string; size: number }> = {
  float32: { descr: '<f4', size: 4 },
  float64: { descr: '<f8', size: 8 },
  uint8: { descr: '|u1', size: 1 },
  int32: { descr: '<i4', size: 4 },
  int64: { descr: '<i8', size: 8 },
};

/**
 * The bytes of a `.npy` file.
 * @throws Error when the shape's product is not the number of values, or a dtype is unknown
 */
export function encodeNpy(a: NpyArrayInput): Uint8Array {
  if (a.dtype === 'unicode') return encodeStrings(a);
  const t = DESCR[a.dtype];
  if (!t) throw new Error(`dflsim encodeNpy: unknown dtype ${String(a.dtype)} (known: ${Object.keys(DESCR).join(', ')})`);
  const count = a.shape.reduce((p, d) => p * d, 1);
  if (!a.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== a.data.length)
    throw new Error(`dflsim encodeNpy: shape (${a.shape.join(', ')}) holds ${count} values, the data has ${a.data.length}`);
  const { out, dataOffset } = npyWithHeader(t.descr, a.shape, count * t.size);
  const dv = new DataView(out.buffer, dataOffset);
  for (let i = 0; i < count; i++) {
    const v = a.data[i];
    const o = i * t.size;
    if (a.dtype === 'float32') dv.setFloat32(o, v, true);
    else if (a.dtype === 'float64') dv.setFloat64(o, v, true);
    else if (a.dtype === 'uint8') dv.setUint8(o, v);
    else if (a.dtype === 'int32') dv.setInt32(o, v, true);
    else dv.setBigInt64(o, BigInt(Math.trunc(v)), true);
  }
  return out;
}

/** A `.npy` buffer with its header written (format 1.0) and room for `dataBytes` bytes of data. */
function npyWithHeader(descr: string, shape: readonly number[], dataBytes: number): { out: Uint8Array; dataOffset: number } {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + head.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 0xff, head.length >> 8]);
  out.set(head, 10);
  return { out, dataOffset: 10 + head.length };
}

/** The bytes of a fixed-width unicode `.npy` (see {@link NpyStringInput}). */
function encodeStrings(a: NpyStringInput): Uint8Array {
  const count = a.shape.reduce((p, d) => p * d, 1);
  if (!a.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== a.data.length)
    throw new Error(`dflsim encodeNpy: shape (${a.shape.join(', ')}) holds ${count} values, the data has ${a.data.length}`);
  const points = a.data.map((s) => {
    if (typeof s !== 'string') throw new Error(`dflsim encodeNpy: unicode arrays hold strings, got ${typeof s}`);
    return Array.from(s, (c) => c.codePointAt(0)!);
  });
  const width = Math.max(1, ...points.map((p) => p.length));
  const { out, dataOffset } = npyWithHeader(`<U${width}`, a.shape, count * width * 4);
  const dv = new DataView(out.buffer, dataOffset);
  points.forEach((p, i) => p.forEach((cp, j) => dv.setUint32((i * width + j) * 4, cp, true)));
  return out;
}

/**
 * The bytes of a `.npz` file: each array as member `<name>.npy`, deflated when `compressed`
 * (as `numpy.savez_compressed`), else stored (as `numpy.savez`).
 */
export function encodeNpz(arrays: Record<string, NpyArrayInput>, compressed = true): Uint8Array {
  const members: Record<string, Uint8Array> = {};
  for (const [name, a] of Object.entries(arrays)) members[`${name}.npy`] = encodeNpy(a);
  // a fixed date (1980-01-01, the zip format's first) keeps the bytes a function of the arrays
  return zipSync(members, { level: compressed ? 9 : 0, mtime: new Date(1980, 0, 1) });
}

/** Write a `.npz` file atomically (see {@link encodeNpz}). */
export function writeNpz(file: string, arrays: Record<string, NpyArrayInput>, compressed = true): void {
  writeFileAtomic(file, encodeNpz(arrays, compressed));
}
