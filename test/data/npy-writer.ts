/**
 * A tiny `.npy` / `.npz` writer for the reader tests: the header exactly as NumPy writes it
 * (magic, version, little-endian header length, a dict literal padded with spaces to a
 * 64-byte boundary and ending in a newline), then the raw data.
 */
import { zipSync } from 'fflate';

/** Options of {@link npyBytes}. */
export interface NpyWriteOptions {
  /** Header value of `fortran_order` (default false). */
  fortran?: boolean;
  /** Format version 1, 2 or 3 (default 1). */
  version?: 1 | 2 | 3;
  /** Header text in place of the generated dict. */
  header?: string;
}

/** The raw little-endian bytes of `values` as dtype `descr`. */
export function rawBytes(descr: string, values: ArrayLike<number> | readonly string[]): Uint8Array {
  const code = descr.replace(/^[<>|=]/, '');
  if (code.startsWith('U')) {
    const n = Number(code.slice(1));
    const out = new Uint8Array(values.length * 4 * n);
    const dv = new DataView(out.buffer);
    (values as readonly string[]).forEach((s, k) => {
      [...s].slice(0, n).forEach((ch, j) => dv.setUint32((k * n + j) * 4, ch.codePointAt(0)!, true));
    });
    return out;
  }
  const size = Number(code.slice(1));
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  const big = descr.startsWith('>');
  for (let k = 0; k < values.length; k++) {
    const v = (values as ArrayLike<number>)[k];
    const o = k * size;
    switch (code) {
      case 'f4':
        dv.setFloat32(o, v, !big);
        break;
      case 'f8':
        dv.setFloat64(o, v, !big);
        break;
      case 'u1':
        dv.setUint8(o, v);
        break;
      case 'i1':
        dv.setInt8(o, v);
        break;
      case 'b1':
        dv.setUint8(o, v ? 1 : 0);
        break;
      case 'i2':
        dv.setInt16(o, v, !big);
        break;
      case 'u2':
        dv.setUint16(o, v, !big);
        break;
      case 'i4':
        dv.setInt32(o, v, !big);
        break;
      case 'u4':
        dv.setUint32(o, v, !big);
        break;
      case 'i8':
        dv.setBigInt64(o, BigInt(v), !big);
        break;
      case 'u8':
        dv.setBigUint64(o, BigInt(v), !big);
        break;
      default:
        // other dtypes (objects, ...): zero bytes of the given width
        break;
    }
  }
  return out;
}

/** A `.npy` file of `values` with dtype `descr` and `shape`. */
export function npyBytes(
  descr: string,
  shape: readonly number[],
  values: ArrayLike<number> | readonly string[],
  opts: NpyWriteOptions = {},
): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = opts.header ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  let header = dict;
  while ((pre + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const headerBytes = new TextEncoder().encode(header);
  const data = rawBytes(descr, values);
  const out = new Uint8Array(pre + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) {
    out[8] = headerBytes.length & 0xff;
    out[9] = headerBytes.length >> 8;
  } else new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, pre);
  out.set(data, pre + headerBytes.length);
  return out;
}

/** An `.npz` file: `arrays` by name (`x` becomes member `x.npy`), stored (`np.savez`) or deflated (`np.savez_compressed`). */
export function npzBytes(arrays: Record<string, Uint8Array>, compressed = false): Uint8Array {
  const members: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) members[`${k}.npy`] = v;
  return zipSync(members, { level: compressed ? 6 : 0 });
}
