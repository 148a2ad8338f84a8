import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvDataset, readCsvDataset } from '../../src/data/csv-table.js';
import { DflsimInputError } from '../../src/errors.js';

function inputError(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

const IRIS = `sepal,petal,species,site
5.1,1.4,setosa,a
7.0,4.7,versicolor,b
6.3,6.0,virginica,a
4.9,1.5,setosa,c
`;

describe('CSV tables', () => {
  it('reads features (all columns but label and group), text labels as sorted classes, a group column', () => {
    const ds = parseCsvDataset(IRIS, 'iris.csv', { label: 'species', group: 'site' });
    expect(ds).toMatchObject({ name: 'iris.csv', sampleShape: [2], count: 4, labelKind: 'class', targets: 1 });
    expect(ds.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(ds.x)).toEqual([5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.5].map(Math.fround));
    expect(Array.from(ds.y)).toEqual([0, 1, 2, 0]);
    expect(ds.groups).toEqual(['a', 'b', 'a', 'c']);
    expect(ds.groupField).toBe('site');
    // without a group column, "site" is refused as a feature: it is not a number
    expect(inputError(() => parseCsvDataset(IRIS, 'iris.csv', { label: 'species' })).message).toBe(
      'iris.csv:2: column "site": "a" is not a number',
    );
  });

  it('takes the columns asked for, in their order', () => {
    const ds = parseCsvDataset(IRIS, 'iris.csv', { label: 'species', columns: ['petal', 'sepal'] });
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x.subarray(0, 2))).toEqual([1.4, 5.1].map(Math.fround));
  });

  it('integer labels are class indices, decimal labels regression targets, several label columns several targets', () => {
    const ints = parseCsvDataset('a,b,y\n1,2,3\n3,4,0\n5,6,3\n', 'i.csv', { label: 'y' });
    expect(ints).toMatchObject({ labelKind: 'class', classes: ['0', '1', '2', '3'] });
    expect(Array.from(ints.y)).toEqual([3, 0, 3]);
    const asValue = parseCsvDataset('a,b,y\n1,2,3\n3,4,0\n', 'i.csv', { label: 'y', task: 'value' });
    expect(asValue).toMatchObject({ labelKind: 'value', targets: 1 });
    const reg = parseCsvDataset('a,y\n1,0.5\n2,-1e-1\n', 'r.csv', { label: 'y' });
    expect(reg).toMatchObject({ labelKind: 'value', targets: 1 });
    expect(Array.from(reg.y)).toEqual([0.5, -0.1].map(Math.fround));
    const two = parseCsvDataset('a,u,v\n1,0.5,2\n2,1,3\n', 't.csv', { label: ['u', 'v'] });
    expect(two).toMatchObject({ labelKind: 'value', targets: 2, sampleShape: [1] });
    expect(Array.from(two.y)).toEqual([0.5, 2, 1, 3]);
  });

  it('reads quoted cells and a byte-order mark; line numbers count the lines of multi-line cells', () => {
    const text = '\uFEFFnote,x,y\n"a, b",1,0\n"two\nlines",2,1\n"c",oops,1\n';
    const e = inputError(() => parseCsvDataset(text, 'q.csv', { label: 'y', columns: ['x'] }));
    expect(e.message).toBe('q.csv:5: column "x": "oops" is not a number');
    const ds = parseCsvDataset(text.replace('oops', '3'), 'q.csv', { label: 'y', columns: ['x'] });
    expect(Array.from(ds.x)).toEqual([1, 2, 3]);
  });

  it('refuses bad tables naming file:line and the column', () => {
    expect(inputError(() => parseCsvDataset(IRIS, 'iris.csv', { label: 'kind', group: 'site' })).message).toBe(
      'iris.csv:1: label column "kind" is not in the header (its columns: "sepal", "petal", "species", "site")',
    );
    expect(inputError(() => parseCsvDataset(IRIS, 'iris.csv', { label: 'species', group: 'hospital' })).message).toContain(
      'group column "hospital" is not in the header',
    );
    expect(inputError(() => parseCsvDataset('a,y\n1,0\n,1\n', 'e.csv', { label: 'y' })).message).toBe('e.csv:3: column "a": empty cell');
    expect(inputError(() => parseCsvDataset('a,y\n1,0\n0x10,1\n', 'h.csv', { label: 'y' })).message).toBe(
      'h.csv:3: column "a": "0x10" is not a number',
    );
    expect(inputError(() => parseCsvDataset('a,y\n1,0\nNaN,1\n', 'n.csv', { label: 'y' })).message).toBe(
      'n.csv:3: column "a": "NaN" is not a number',
    );
    expect(inputError(() => parseCsvDataset('a,y\n1,0\n2,1,5\n', 'c.csv', { label: 'y' })).message).toBe(
      'c.csv:3: has 3 cells, the header has 2',
    );
    expect(inputError(() => parseCsvDataset('a,a,y\n1,2,0\n', 'd.csv', { label: 'y' })).message).toContain('column "a" appears twice');
    expect(inputError(() => parseCsvDataset('a,y\n1,\n', 'l.csv', { label: 'y' })).message).toBe('l.csv:2: column "y": empty label');
    expect(inputError(() => parseCsvDataset('y\n1\n', 'o.csv', { label: 'y' })).message).toContain('no feature columns');
    expect(inputError(() => parseCsvDataset('', 'z.csv', { label: 'y' })).message).toContain('z.csv:1: empty');
    expect(inputError(() => parseCsvDataset('a,"y\n1,2\n', 'u.csv', { label: 'y' })).message).toMatch(/^u\.csv:\d+: not valid CSV/);
    // a label that does not fit the task, by line
    expect(inputError(() => parseCsvDataset('a,y\n1,0\n2,0.5\n', 't.csv', { label: 'y', task: 'class' })).message).toMatch(
      /^t\.csv:3: y: class label 0\.5 is not an integer/,
    );
    expect(
      inputError(() => parseCsvDataset('a,y\n1,cat\n', 'v.csv', { label: 'y', task: 'value', where: 'exp.json: dataset' })).where,
    ).toBe('exp.json: dataset: task');
    expect(inputError(() => parseCsvDataset('a,u,v\n1,2,x\n', 'w.csv', { label: ['u', 'v'] })).message).toContain(
      'w.csv:2: column "v": "x" is not a number',
    );
    expect(inputError(() => parseCsvDataset('a,y\n1,0\n2,1\n3,1\n', 'm.csv', { label: 'y', maxRows: 2 })).message).toContain(
      'more than the 2',
    );
  });

  it('reads from disk, bounded', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-csv-'));
    try {
      const f = path.join(dir, 'iris.csv');
      writeFileSync(f, IRIS);
      expect(readCsvDataset(f, { label: 'species', group: 'site' })).toMatchObject({ name: 'iris.csv', count: 4 });
      expect(inputError(() => readCsvDataset(f, { label: 'species', maxBytes: 50 })).message).toContain('above the largest CSV file');
      expect(inputError(() => readCsvDataset(path.join(dir, 'none.csv'), { label: 'y' })).message).toContain('not found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
