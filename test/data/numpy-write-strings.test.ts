/** Fixed-width unicode arrays written by encodeNpy and read back by parseNpy (NumPy's `<U` layout, by hand). */
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/data/numpy-write.js';
import { parseNpy } from '../../src/data/numpy.js';

describe('encodeNpy: unicode', () => {
  it("writes '<U' + the longest name in code points, UTF-32 little-endian, NUL-padded", () => {
    const names = ['São Paulo', '東京', 'A', '𝄞x'];
    const bytes = encodeNpy({ dtype: 'unicode', shape: [4], data: names });
    const a = parseNpy(bytes, 'names.npy');
    expect(a.descr).toBe('<U9');
    expect(a.shape).toEqual([4]);
    expect(a.values).toEqual(names);
    // the data: 4 cells of 9 code points x 4 bytes; '東' is U+6771, the astral '𝄞' one code point U+1D11E
    const data = bytes.subarray(bytes.length - 4 * 9 * 4);
    const dv = new DataView(data.buffer, data.byteOffset);
    expect(dv.getUint32(9 * 4, true)).toBe(0x6771);
    expect(dv.getUint32(2 * 9 * 4, true)).toBe(0x41);
    expect(dv.getUint32(2 * 9 * 4 + 4, true)).toBe(0);
    expect(dv.getUint32(3 * 9 * 4, true)).toBe(0x1d11e);
    expect((bytes.length - data.length) % 64).toBe(0);
  });

  it('writes a 0-d string and an empty list (width 1)', () => {
    expect(parseNpy(encodeNpy({ dtype: 'unicode', shape: [], data: ['{"a": 1}'] }), 'h.npy').values).toEqual(['{"a": 1}']);
    const e = parseNpy(encodeNpy({ dtype: 'unicode', shape: [0], data: [] }), 'e.npy');
    expect([e.descr, e.values]).toEqual(['<U1', []]);
    expect(() => encodeNpy({ dtype: 'unicode', shape: [2], data: ['a'] })).toThrow(/holds 2 values, the data has 1/);
  });
});
