import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy, parseNpyHeader, parseNpz, readNpy, readNpyDataset, readNpzDataset } from '../../src/data/numpy.js';
import { DflsimInputError } from '../../src/errors.js';
import { ROOT } from '../helpers.js';
import { npyBytes, npzBytes } from './npy-writer.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dflsim-numpy-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const f = path.join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

function inputError(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

describe('.npy arrays', () => {
  const cases: [string, number[]][] = [
    ['<f4', [0.5, -2.25, 1e-3, 3.4e38]],
    ['<f8', [0.1, -1e300, 42, 7.5]],
    ['|u1', [0, 1, 128, 255]],
    ['|i1', [-128, -1, 0, 127]],
    ['|b1', [1, 0, 0, 1]],
    ['<i2', [-32768, -2, 5, 32767]],
    ['<u2', [0, 1, 40000, 65535]],
    ['<i4', [-2147483648, -7, 9, 2147483647]],
    ['<u4', [0, 3, 3000000000, 4294967295]],
    ['<i8', [-(2 ** 40), -3, 0, 2 ** 50]],
    ['<u8', [0, 1, 2 ** 33, 2 ** 52]],
  ];
  for (const [descr, values] of cases) {
    it(`reads ${descr} into Float32 (and Float64 when asked), shape kept`, () => {
      const a = parseNpy(npyBytes(descr, [2, 2], values), 'a.npy');
      expect(a.shape).toEqual([2, 2]);
      expect(a.descr).toBe(descr);
      expect(a.values).toBeInstanceOf(Float32Array);
      expect(Array.from(a.values as Float32Array)).toEqual(values.map((v) => Math.fround(v)));
      const b = parseNpy(npyBytes(descr, [4], values), 'b.npy', { precision: 64 });
      // float32 data is exact as float32 only; everything else is exact in a double
      expect(Array.from(b.values as Float64Array)).toEqual(descr === '<f4' ? values.map((v) => Math.fround(v)) : values);
    });
  }

  it('reads format versions 2 and 3, a scalar, an empty array, fixed-width strings', () => {
    expect(Array.from(parseNpy(npyBytes('<f4', [3], [1, 2, 3], { version: 2 }), 'v2.npy').values as Float32Array)).toEqual([1, 2, 3]);
    expect(Array.from(parseNpy(npyBytes('<i4', [1], [5], { version: 3 }), 'v3.npy').values as Float32Array)).toEqual([5]);
    expect(parseNpy(npyBytes('<f8', [], [2.5]), 's.npy')).toMatchObject({ shape: [] });
    expect(parseNpy(npyBytes('<f4', [0, 3], []), 'e.npy')).toMatchObject({ shape: [0, 3] });
    const s = parseNpy(npyBytes('<U5', [3], ['cat', 'mouse', 'é']), 'u.npy');
    expect(s.kind).toBe('string');
    expect(s.values).toEqual(['cat', 'mouse', 'é']);
  });

  it('parses headers with keys in any order and unaligned data', () => {
    const h = parseNpyHeader(npyBytes('<f4', [2], [1, 2], { header: "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}" }), 'h.npy');
    expect(h).toMatchObject({ descr: '<f4', shape: [2], fortranOrder: false, itemSize: 4, kind: 'float' });
    // a header of odd length puts the data at an offset no f8 view can start at
    const odd = npyBytes('<f8', [2], [1.5, -3]);
    const shifted = new Uint8Array(odd.length + 1).subarray(1);
    shifted.set(odd);
    expect(Array.from(parseNpy(shifted, 'odd.npy').values as Float32Array)).toEqual([1.5, -3]);
  });

  it('refuses bad files naming the file and the field', () => {
    const good = npyBytes('<f4', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(inputError(() => parseNpy(good.subarray(0, good.length - 4), 't.npy')).message).toMatch(
      /^t\.npy: truncated: shape \(2, 3\) of <f4 needs 24 bytes of data, the file has 20$/,
    );
    expect(inputError(() => parseNpy(good.subarray(0, 40), 'h.npy')).message).toMatch(
      /^h\.npy: truncated: the header says it is \d+ bytes/,
    );
    expect(inputError(() => parseNpy(good.subarray(0, 7), 's.npy')).message).toMatch(/^s\.npy: truncated/);
    const bad = good.slice();
    bad[1] = 0x4d;
    expect(inputError(() => parseNpy(bad, 'm.npy')).message).toMatch(/^m\.npy: not a \.npy array: bad magic/);
    expect(inputError(() => parseNpy(npyBytes('<f4', [2], [1, 2], { fortran: true }), 'f.npy')).where).toBe('f.npy: fortran_order');
    const obj = inputError(() => parseNpy(npyBytes('|O', [2], [0, 0]), 'o.npy'));
    expect(obj.where).toBe('o.npy: descr');
    expect(obj.message).toContain('object array');
    const be = inputError(() => parseNpy(npyBytes('>f4', [2], [1, 2]), 'b.npy'));
    expect(be.where).toBe('b.npy: descr');
    expect(be.message).toContain('big-endian');
    expect(inputError(() => parseNpy(npyBytes('<c8', [1], [0]), 'c.npy')).where).toBe('c.npy: descr');
    expect(
      inputError(() =>
        parseNpy(npyBytes('<f4', [1], [0], { header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}" }), 'r.npy'),
      ).message,
    ).toContain('structured dtype');
    expect(inputError(() => parseNpy(npyBytes('<f4', [1], [0], { header: "{'descr': '<f4', 'shape': (1,)" }), 'p.npy')).where).toBe(
      'p.npy: header',
    );
    expect(inputError(() => parseNpy(npyBytes('<f4', [1], [0], { header: "{'descr': '<f4', 'shape': (1,)}" }), 'q.npy')).where).toBe(
      'q.npy: fortran_order',
    );
    // a shape whose product overflows, and one above the bound
    const huge = inputError(() => parseNpy(npyBytes('<f4', [2 ** 40, 2 ** 40], []), 'big.npy'));
    expect(huge.where).toBe('big.npy: shape');
    expect(huge.message).toContain('larger than the 2 GiB');
    expect(inputError(() => parseNpy(npyBytes('<f8', [10], new Array(10).fill(0)), 'z.npy', { maxBytes: 64 })).where).toBe('z.npy: shape');
    expect(inputError(() => parseNpy(npyBytes('<f4', [3], [1, NaN, 2]), 'n.npy', { finite: true })).message).toBe(
      'n.npy: element 1 (sample 1) is NaN, not a finite number',
    );
    const extra = new Uint8Array(good.length + 2);
    extra.set(good);
    expect(inputError(() => parseNpy(extra, 'x.npy')).message).toContain('2 bytes after the data');
  });

  it('reads a file from disk (readNpy)', () => {
    const f = write('one.npy', npyBytes('<i8', [3], [4, 5, 6]));
    expect(Array.from(readNpy(f).values as Float32Array)).toEqual([4, 5, 6]);
    expect(inputError(() => readNpy(path.join(tmp, 'none.npy'))).message).toContain('not found');
  });
});

describe('.npz datasets', () => {
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((v) => v / 4);

  it('reads x and int labels as classes 0..max (stored and deflated zips alike)', () => {
    for (const compressed of [false, true]) {
      const f = write(
        `cls-${compressed}.npz`,
        npzBytes({ x: npyBytes('<f4', [4, 3], x), y: npyBytes('<i8', [4], [3, 0, 3, 1]) }, compressed),
      );
      const ds = readNpzDataset(f);
      expect(ds).toMatchObject({
        name: path.basename(f),
        sampleShape: [3],
        count: 4,
        labelKind: 'class',
        targets: 1,
        classes: ['0', '1', '2', '3'],
      });
      expect(Array.from(ds.x)).toEqual(x);
      expect(Array.from(ds.y)).toEqual([3, 0, 3, 1]);
      expect(ds.groups).toBeUndefined();
    }
  });

  it('float labels are regression targets, several per sample from a 2-d y; task overrides', () => {
    const f = write('reg.npz', npzBytes({ x: npyBytes('|u1', [2, 2, 3], x.map(Math.round)), y: npyBytes('<f8', [2, 2], [0.5, 1, -2, 3]) }));
    const ds = readNpzDataset(f);
    expect(ds).toMatchObject({ sampleShape: [2, 3], count: 2, labelKind: 'value', targets: 2 });
    expect(Array.from(ds.y)).toEqual([0.5, 1, -2, 3]);
    expect(ds.classes).toBeUndefined();
    const asValue = readNpzDataset(
      write('intreg.npz', npzBytes({ x: npyBytes('<f4', [2, 1], [1, 2]), y: npyBytes('<i4', [2], [30, 41]) })),
      {
        task: 'value',
      },
    );
    expect(asValue).toMatchObject({ labelKind: 'value', targets: 1 });
    const asClass = readNpzDataset(write('fcls.npz', npzBytes({ x: npyBytes('<f4', [2, 1], [1, 2]), y: npyBytes('<f4', [2], [1, 0]) })), {
      task: 'class',
    });
    expect(asClass).toMatchObject({ labelKind: 'class', classes: ['0', '1'] });
    const e = inputError(() =>
      readNpzDataset(write('half.npz', npzBytes({ x: npyBytes('<f4', [2, 1], [1, 2]), y: npyBytes('<f4', [2], [1, 0.5]) })), {
        task: 'class',
      }),
    );
    expect(e.where).toBe(`${path.join(tmp, 'half.npz')}: y[1]`);
  });

  it('string labels become sorted class names; custom array names; a group array', () => {
    const f = write(
      'named.npz',
      npzBytes({
        images: npyBytes('<f4', [3, 1], [1, 2, 3]),
        species: npyBytes('<U6', [3], ['setosa', 'iris', 'setosa']),
        site: npyBytes('<i4', [3], [7, 9, 7]),
      }),
    );
    const ds = readNpzDataset(f, { x: 'images', y: 'species', group: 'site' });
    expect(ds.classes).toEqual(['iris', 'setosa']);
    expect(Array.from(ds.y)).toEqual([1, 0, 1]);
    expect(ds.groups).toEqual(['7', '9', '7']);
    expect(ds.groupField).toBe('site');
  });

  it('a list of files: one per silo, each sample grouped by its file; classes over all files', () => {
    const a = write('silo-a.npz', npzBytes({ x: npyBytes('<f4', [2, 2], [1, 2, 3, 4]), y: npyBytes('<i8', [2], [0, 1]) }));
    const b = write('silo-b.npz', npzBytes({ x: npyBytes('<f8', [1, 2], [5, 6]), y: npyBytes('<i8', [1], [4]) }));
    const ds = readNpzDataset([a, b]);
    expect(ds).toMatchObject({ count: 3, sampleShape: [2], classes: ['0', '1', '2', '3', '4'], groupField: 'file' });
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(ds.y)).toEqual([0, 1, 4]);
    expect(ds.groups).toEqual(['silo-a.npz', 'silo-a.npz', 'silo-b.npz']);
    const c = write('silo-c.npz', npzBytes({ x: npyBytes('<f4', [1, 3], [5, 6, 7]), y: npyBytes('<i8', [1], [0]) }));
    const e = inputError(() => readNpzDataset([a, c]));
    expect(e.where).toBe(c);
    expect(e.message).toContain(`shape [3] but ${a}'s have [2]`);
  });

  it('reads the files NumPy itself writes (np.savez, np.savez_compressed)', () => {
    const dir = path.join(ROOT, 'test', 'fixtures', 'numpy');
    const a = readNpzDataset(path.join(dir, 'savez.npz'), { group: 'silo' });
    expect(a).toMatchObject({
      sampleShape: [2, 2],
      count: 3,
      labelKind: 'class',
      classes: ['0', '1', '2'],
      groups: ['north', 'south', 'north'],
    });
    expect(Array.from(a.x)).toEqual(Array.from({ length: 12 }, (_, i) => i / 8));
    expect(Array.from(a.y)).toEqual([2, 0, 2]);
    const b = readNpzDataset(path.join(dir, 'savez-compressed.npz'), { group: 'silo' });
    expect(b).toMatchObject({ labelKind: 'value', targets: 1, groups: ['7', '7', '9'] });
    expect(Array.from(b.y)).toEqual([0.5, -1.25, 3]);
  });

  it('reads x and y from two .npy files', () => {
    const xf = write('feat.npy', npyBytes('<f4', [2, 2], [1, 2, 3, 4]));
    const yf = write('lab.npy', npyBytes('|u1', [2], [1, 1]));
    expect(readNpyDataset(xf, yf)).toMatchObject({ name: 'feat.npy', count: 2, sampleShape: [2], classes: ['0', '1'] });
    const short = write('short.npy', npyBytes('|u1', [1], [1]));
    expect(inputError(() => readNpyDataset(xf, short)).where).toBe(`${short}: shape`);
  });

  it('refuses bad files naming the file and the array', () => {
    const xOk = npyBytes('<f4', [3, 2], [1, 2, 3, 4, 5, 6]);
    const mismatch = inputError(() => readNpzDataset(write('mm.npz', npzBytes({ x: xOk, y: npyBytes('<i8', [2], [0, 1]) }))));
    expect(mismatch.where).toBe(`${path.join(tmp, 'mm.npz')}: y.npy: shape`);
    expect(mismatch.message).toContain("does not match x's 3 samples");
    const missing = inputError(() => readNpzDataset(write('miss.npz', npzBytes({ x: xOk, labels: npyBytes('<i8', [3], [0, 1, 1]) }))));
    expect(missing.message).toBe(`${path.join(tmp, 'miss.npz')}: has no array "y" (its arrays: "x", "labels")`);
    const fortran = inputError(() =>
      readNpzDataset(
        write(
          'fo.npz',
          npzBytes({ x: npyBytes('<f4', [3, 2], [1, 2, 3, 4, 5, 6], { fortran: true }), y: npyBytes('<i8', [3], [0, 1, 1]) }),
        ),
      ),
    );
    expect(fortran.where).toBe(`${path.join(tmp, 'fo.npz')}: x.npy: fortran_order`);
    const obj = inputError(() => readNpzDataset(write('obj.npz', npzBytes({ x: xOk, y: npyBytes('|O', [3], [0, 0, 0]) }))));
    expect(obj.where).toBe(`${path.join(tmp, 'obj.npz')}: y.npy: descr`);
    const truncated = npyBytes('<f4', [3, 2], [1, 2, 3, 4, 5, 6]).subarray(0, 70);
    expect(
      inputError(() => readNpzDataset(write('tr.npz', npzBytes({ x: truncated, y: npyBytes('<i8', [3], [0, 1, 1]) })))).message,
    ).toMatch(/tr\.npz: x\.npy: truncated/);
    expect(inputError(() => readNpzDataset(write('notzip.npz', xOk))).message).toContain('not a .npz file');
    const zip = npzBytes({ x: xOk, y: npyBytes('<i8', [3], [0, 1, 1]) });
    expect(inputError(() => readNpzDataset(write('cut.npz', zip.subarray(0, zip.length - 30)))).message).toContain('not a readable .npz');
    const nan = inputError(() =>
      readNpzDataset(write('nan.npz', npzBytes({ x: npyBytes('<f8', [2, 1], [1, Infinity]), y: npyBytes('<i8', [2], [0, 1]) }))),
    );
    expect(nan.message).toBe(`${path.join(tmp, 'nan.npz')}: x.npy: element 1 (sample 1) is Infinity, not a finite number`);
    expect(inputError(() => readNpzDataset(path.join(tmp, 'absent.npz'))).message).toContain('not found');
    expect(inputError(() => readNpzDataset([])).where).toBe('dataset: files');
  });

  it('bounds the bytes read: the file, each array and the samples of all files', () => {
    const f = write(
      'bound.npz',
      npzBytes({ x: npyBytes('<f8', [64, 2], new Array(128).fill(1)), y: npyBytes('<i8', [64], new Array(64).fill(0)) }),
    );
    // the file itself (about 1.7 KB stored) is above a 1 KB bound
    expect(inputError(() => readNpzDataset(f, { maxBytes: 1000 })).message).toMatch(/bound\.npz: .* above the 1000 bytes/);
    // deflated, the file is small but x is 1 KiB of data: refused from the zip's directory, before inflating
    const z = write(
      'bomb.npz',
      npzBytes({ x: npyBytes('<f8', [64, 2], new Array(128).fill(0)), y: npyBytes('<i8', [64], new Array(64).fill(0)) }, true),
    );
    const e = inputError(() => readNpzDataset(z, { maxBytes: 1100 }));
    expect(e.where).toMatch(/bomb\.npz: (x|y)\.npy$/);
    expect(e.message).toContain('uncompressed');
    // with the default bound the member inflates to the bytes written
    expect(parseNpz(readFileSync(z), 'bomb.npz', ['x']).get('x')).toEqual(npyBytes('<f8', [64, 2], new Array(128).fill(0)));
  });
});
