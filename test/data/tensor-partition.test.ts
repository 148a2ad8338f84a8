import { describe, expect, it } from 'vitest';
import {
  alignTestDataset,
  checkTensorDataset,
  datasetSummary,
  resolveLabels,
  subsetTensor,
  type TensorDataset,
  type TensorShard,
} from '../../src/data/tensor-dataset.js';
import { concatShards, partitionTensor, splitShards, splitTensor, type TensorPartitionSpec } from '../../src/data/tensor-partition.js';
import { DflsimInputError } from '../../src/errors.js';
import { createRng } from '../../src/random.js';

/** `k` classes of `per` samples each (labels interleaved: sample i has class i mod k); x = [i, -i]. */
function classes(k: number, per: number, groups?: (i: number) => string): TensorDataset {
  const n = k * per;
  const ds: TensorDataset = {
    name: 'toy',
    sampleShape: [2],
    count: n,
    x: Float32Array.from({ length: 2 * n }, (_, j) => (j % 2 ? -1 : 1) * Math.floor(j / 2)),
    labelKind: 'class',
    y: Float32Array.from({ length: n }, (_, i) => i % k),
    targets: 1,
    classes: Array.from({ length: k }, (_, c) => `c${c}`),
  };
  if (groups) {
    ds.groups = Array.from({ length: n }, (_, i) => groups(i));
    ds.groupField = 'site';
  }
  return ds;
}

/** `n` regression samples with two targets: (i, 2i). */
function regression(n: number): TensorDataset {
  return {
    name: 'reg',
    sampleShape: [1],
    count: n,
    x: Float32Array.from({ length: n }, (_, i) => i),
    labelKind: 'value',
    y: Float32Array.from({ length: 2 * n }, (_, j) => (j % 2 ? 2 : 1) * Math.floor(j / 2)),
    targets: 2,
  };
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

/** Every sample of `ds` in exactly one shard, and each shard's rows are the dataset's rows of its indices. */
function expectExactCover(ds: TensorDataset, shards: readonly TensorShard[]): void {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const seen = new Uint8Array(ds.count);
  for (const s of shards) {
    expect(s.x.length).toBe(s.size * per);
    expect(s.y.length).toBe(s.size * ds.targets);
    for (let k = 0; k < s.size; k++) {
      const i = s.indices[k];
      seen[i]++;
      expect(Array.from(s.y.subarray(k * ds.targets, (k + 1) * ds.targets))).toEqual(
        Array.from(ds.y.subarray(i * ds.targets, (i + 1) * ds.targets)),
      );
      expect(Array.from(s.x.subarray(k * per, (k + 1) * per))).toEqual(Array.from(ds.x.subarray(i * per, (i + 1) * per)));
    }
  }
  expect(Array.from(seen).every((v) => v === 1)).toBe(true);
}

/** Mean over silos of the largest class share, and of the total-variation distance to the pooled class mix. */
function skew(shards: readonly TensorShard[], k: number): { top: number; tv: number } {
  let top = 0,
    tv = 0;
  for (const s of shards) {
    const c = new Array<number>(k).fill(0);
    for (const v of s.y) c[v]++;
    top += Math.max(...c) / s.size;
    tv += c.reduce((a, x) => a + Math.abs(x / s.size - 1 / k), 0) / 2;
  }
  return { top: top / shards.length, tv: tv / shards.length };
}

describe('partitionTensor', () => {
  it('iid: every sample once, sizes differ by at most one, samples in dataset order, same seed same shards', () => {
    const ds = classes(3, 11, (i) => `g${i % 4}`);
    const shards = partitionTensor(ds, 5, 'iid', createRng(7));
    expectExactCover(ds, shards);
    expect(shards.map((s) => s.size).sort()).toEqual([6, 6, 7, 7, 7]);
    for (const s of shards) expect(Array.from(s.indices)).toEqual([...s.indices].sort((a, b) => a - b));
    expect(shards.map((s) => s.silo)).toEqual([0, 1, 2, 3, 4]);
    const again = partitionTensor(ds, 5, { kind: 'iid' }, createRng(7));
    expect(again.map((s) => Array.from(s.indices))).toEqual(shards.map((s) => Array.from(s.indices)));
    const other = partitionTensor(ds, 5, 'iid', createRng(8));
    expect(other.map((s) => Array.from(s.indices))).not.toEqual(shards.map((s) => Array.from(s.indices)));
    expect(shards[0].groups!.length).toBeGreaterThan(0);
  });

  it('dirichlet: tiny alpha gives near-single-class silos, large alpha near-uniform ones (10 classes, 10 silos, 3 seeds)', () => {
    const ds = classes(10, 100);
    for (const seed of [1, 2, 3]) {
      const tiny = partitionTensor(ds, 10, { kind: 'dirichlet', alpha: 0.01 }, createRng(seed));
      expectExactCover(ds, tiny);
      // measured: mean largest class share 0.94 to 0.996 over these seeds
      expect(skew(tiny, 10).top).toBeGreaterThan(0.9);
      const large = partitionTensor(ds, 10, { kind: 'dirichlet', alpha: 1000 }, createRng(seed));
      expectExactCover(ds, large);
      // measured: mean total-variation distance to the pooled mix 0.005 to 0.010
      expect(skew(large, 10).tv).toBeLessThan(0.03);
      // self-balancing: no silo far above its share (measured largest 103 of 100)
      expect(Math.max(...large.map((s) => s.size))).toBeLessThan(110);
    }
    const a = partitionTensor(ds, 10, { kind: 'dirichlet', alpha: 0.5 }, createRng(4));
    const b = partitionTensor(ds, 10, { kind: 'dirichlet', alpha: 0.5 }, createRng(4));
    expect(a.map((s) => Array.from(s.indices))).toEqual(b.map((s) => Array.from(s.indices)));
  });

  it('dirichlet with equal sizes: sizes differ by at most one, every sample once', () => {
    const ds = classes(4, 25);
    const shards = partitionTensor(ds, 6, { kind: 'dirichlet', alpha: 0.1, sizes: 'equal' }, createRng(2));
    expectExactCover(ds, shards);
    expect(shards.map((s) => s.size).sort()).toEqual([16, 16, 17, 17, 17, 17]);
  });

  it('dirichlet on regression data: skew over quantile bins of the first target, every sample once', () => {
    const ds = regression(200);
    const tiny = partitionTensor(ds, 4, { kind: 'dirichlet', alpha: 0.01, bins: 4 }, createRng(3));
    expectExactCover(ds, tiny);
    // 4 quantile bins of 50 samples each, 4 silos: each silo's targets come from one bin (measured: spans of 49 each; alpha 1000 gives 189 to 198)
    for (const s of tiny) {
      const first = Array.from({ length: s.size }, (_, k) => s.y[2 * k]);
      expect(Math.max(...first) - Math.min(...first)).toBeLessThan(60);
    }
  });

  it('dirichlet refuses what it cannot do, naming the field', () => {
    const ds = classes(2, 10);
    expect(inputError(() => partitionTensor(ds, 5, { kind: 'dirichlet', alpha: 0 }, createRng(1))).where).toBe('partition: alpha');
    const e = inputError(() => partitionTensor(ds, 5, { kind: 'dirichlet', alpha: 0.001 }, createRng(1), 'exp.json: partition'));
    expect(e.where).toBe('exp.json: partition: alpha');
    expect(e.message).toContain('over 2 classes left a silo with 0 samples');
    expect(inputError(() => partitionTensor(ds, 5, { kind: 'dirichlet', alpha: 1, minSize: 5 }, createRng(1))).where).toBe(
      'partition: minSize',
    );
    expect(inputError(() => partitionTensor(regression(10), 2, { kind: 'dirichlet', alpha: 1, bins: 0 }, createRng(1))).where).toBe(
      'partition: bins',
    );
    expect(inputError(() => partitionTensor(ds, 30, 'iid', createRng(1))).message).toBe('toy: has 20 samples, fewer than the 30 silos');
    expect(inputError(() => partitionTensor(ds, 0, 'iid', createRng(1))).where).toBe('partition: silos');
    expect(inputError(() => partitionTensor(ds, 2, 'by-silo' as TensorPartitionSpec, createRng(1))).message).toContain('unknown partition');
  });

  it('by-group keeps groups whole: as many groups as silos map in order of appearance, more are balanced', () => {
    // 3 groups in order of appearance b, a, c
    const order = ['b', 'a', 'c'];
    const ds = classes(2, 6, (i) => order[i % 3]);
    const shards = partitionTensor(ds, 3, 'by-group', createRng(1));
    expectExactCover(ds, shards);
    expect(shards.map((s) => s.groups)).toEqual([['b'], ['a'], ['c']]);
    expect(Array.from(shards[1].indices)).toEqual([1, 4, 7, 10]);
    // 5 groups of sizes 6, 3, 3, 2, 2 over 2 silos: largest first to the emptier silo gives 8 and 8
    const sizes: [string, number][] = [
      ['big', 6],
      ['m1', 3],
      ['m2', 3],
      ['s1', 2],
      ['s2', 2],
    ];
    const labels = sizes.flatMap(([g, k]) => new Array<string>(k).fill(g));
    const ds2 = classes(2, 8, (i) => labels[i]);
    for (const seed of [1, 2, 3]) {
      const two = partitionTensor(ds2, 2, { kind: 'by-group' }, createRng(seed));
      expectExactCover(ds2, two);
      expect(two.map((s) => s.size)).toEqual([8, 8]);
      // each group's samples all in one silo
      for (const [g] of sizes) expect(two.filter((s) => Array.from(s.indices).some((i) => labels[i] === g))).toHaveLength(1);
      expect(two[0].groups).toContain('big');
    }
  });

  it('by-group refuses too few groups (naming the group field) or none; by-file needs groups from files', () => {
    const ds = classes(2, 4, (i) => (i < 4 ? 'x' : 'y'));
    const few = inputError(() => partitionTensor(ds, 3, 'by-group', createRng(1)));
    expect(few.where).toBe('toy: site');
    expect(few.message).toBe('toy: site: toy has 2 groups (field "site"), fewer than the 3 silos ("by-group" keeps each whole)');
    expect(inputError(() => partitionTensor(classes(2, 4), 2, 'by-group', createRng(1))).message).toContain('needs a group per sample');
    expect(inputError(() => partitionTensor(ds, 2, 'by-file', createRng(1))).message).toContain('groups come from "site"');
    const files = { ...ds, groupField: 'file' };
    expect(partitionTensor(files, 2, 'by-file', createRng(1)).map((s) => s.groups)).toEqual([['x'], ['y']]);
    expect(inputError(() => partitionTensor(files, 3, 'by-file', createRng(1))).message).toContain('has 2 files, fewer than the 3 silos');
  });
});

describe('train/test splits', () => {
  it('splitTensor holds out testFraction of each class, keeps order, returns the counts', () => {
    const ds = classes(3, 10);
    const split = splitTensor(ds, { testFraction: 0.2 }, createRng(5));
    expect(split.total).toBe(30);
    expect(split.testCount).toBe(6);
    expect(split.train.count + split.test.count).toBe(30);
    const perClass = (d: TensorDataset): number[] => [0, 1, 2].map((c) => Array.from(d.y).filter((v) => v === c).length);
    expect(perClass(split.test)).toEqual([2, 2, 2]);
    expect(split.test.classes).toEqual(ds.classes);
    const xs = [...Array.from(split.train.x), ...Array.from(split.test.x)].filter((_, j) => j % 2 === 0).sort((a, b) => a - b);
    expect(xs).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const trainX = Array.from(split.train.x).filter((_, j) => j % 2 === 0);
    expect(trainX).toEqual([...trainX].sort((a, b) => a - b));
    expect(splitTensor(ds, { testFraction: 0.2 }, createRng(5)).test.x).toEqual(split.test.x);
    const reg = splitTensor(regression(10), { testFraction: 0.3 }, createRng(1));
    expect([reg.train.count, reg.test.count, reg.test.targets]).toEqual([7, 3, 2]);
    expect(inputError(() => splitTensor(ds, { testFraction: 1 }, createRng(1))).where).toBe('testFraction');
    expect(inputError(() => splitTensor(ds, { testFraction: 0, where: 'exp.json: dataset.testFraction' }, createRng(1))).where).toBe(
      'exp.json: dataset.testFraction',
    );
  });

  it('splitShards splits each silo (at least one sample each side), indices still name the dataset samples', () => {
    const ds = classes(2, 11);
    const shards = partitionTensor(ds, 3, 'iid', createRng(2));
    const split = splitShards(shards, { testFraction: 0.25 }, createRng(9));
    expect(split.total).toBe(22);
    // sizes 7, 7, 8: round(0.25 * 7) = 2, round(0.25 * 8) = 2
    expect(split.test.map((s) => s.size)).toEqual(shards.map((s) => Math.round(0.25 * s.size)));
    expect(split.testCount).toBe(6);
    expect(split.train.map((s) => s.silo)).toEqual([0, 1, 2]);
    expect(split.test.map((s) => s.silo)).toEqual([0, 1, 2]);
    expectExactCover(ds, [...split.train, ...split.test]);
    const pooled = concatShards(split.test);
    expect(pooled).toMatchObject({ silo: -1, size: 6, sampleShape: [2], labelKind: 'class' });
    expect(Array.from(pooled.indices)).toEqual(split.test.flatMap((s) => Array.from(s.indices)));
    const tiny = splitShards([partitionTensor(classes(1, 2), 1, 'iid', createRng(1))[0]], { testFraction: 0.01 }, createRng(1));
    expect([tiny.train[0].size, tiny.test[0].size]).toEqual([1, 1]);
  });
});

describe('TensorDataset helpers', () => {
  it('datasetSummary: class counts, or target means and standard deviations', () => {
    const ds = subsetTensor(classes(3, 2), [0, 1, 2, 3, 4]);
    const s = datasetSummary(ds);
    expect(s.classCounts).toEqual([
      { name: 'c0', count: 2 },
      { name: 'c1', count: 2 },
      { name: 'c2', count: 1 },
    ]);
    expect(s.text).toBe('toy: 5 samples of [2]; 3 classes: c0 2, c1 2, c2 1');
    // targets (0, 0), (1, 2), (2, 4), (3, 6): means 1.5 and 3, population std sqrt(1.25) and 2 sqrt(1.25)
    const r = datasetSummary(regression(4));
    expect(r.targetStats![0].mean).toBe(1.5);
    expect(r.targetStats![1].mean).toBe(3);
    expect(r.targetStats![0].std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(r.targetStats![1].std).toBeCloseTo(2 * Math.sqrt(1.25), 12);
    expect(r.text).toBe('reg: 4 samples of [1]; 2 targets: mean 1.5 std 1.118, mean 3 std 2.236');
    expect(datasetSummary(classes(2, 2, (i) => `g${i % 3}`)).text).toBe('toy: 4 samples of [2]; 2 classes: c0 2, c1 2; 3 groups (site)');
  });

  it('alignTestDataset: same shapes, classes re-indexed by name; a mismatch names both files', () => {
    const train = { ...classes(3, 2), name: 'train.npz' };
    const test: TensorDataset = { ...subsetTensor(classes(3, 2), [0, 1]), name: 'test.npz', classes: ['c1', 'c2'] };
    const aligned = alignTestDataset(train, test);
    expect(aligned.classes).toEqual(['c0', 'c1', 'c2']);
    expect(Array.from(aligned.y)).toEqual([1, 2]);
    const shape = inputError(() => alignTestDataset(train, { ...test, sampleShape: [1, 2] }));
    expect(shape.message).toBe(
      "test.npz: sample shape [1, 2] differs from train.npz's [2]: test.npz (test) and train.npz (training) must have samples of one shape",
    );
    expect(inputError(() => alignTestDataset(train, { ...test, classes: ['c1', 'c9'] })).message).toContain(
      'class "c9", which train.npz does not have',
    );
    expect(
      inputError(() => alignTestDataset(train, { ...regression(2), name: 'r.npz', sampleShape: [2], x: new Float32Array(4) })).message,
    ).toBe('r.npz: has regression targets but train.npz has class labels');
  });

  it('resolveLabels decides the label kind over all parts together', () => {
    const a = { file: 'a.npz', field: 'y', values: [0, 2], integer: true, width: 1 };
    const b = { file: 'b.npz', field: 'y', values: [5], integer: true, width: 1 };
    expect(resolveLabels([a, b])).toMatchObject({ labelKind: 'class', classes: ['0', '1', '2', '3', '4', '5'] });
    expect(resolveLabels([a, { ...b, integer: false }])).toMatchObject({ labelKind: 'value', targets: 1 });
    const s = resolveLabels([{ file: 'c.csv', field: 'label', values: ['b', 'a', 'b'], integer: false, width: 1 }]);
    expect(s.classes).toEqual(['a', 'b']);
    expect(Array.from(s.y[0])).toEqual([1, 0, 1]);
    expect(inputError(() => resolveLabels([{ ...a, values: [-1, 0] }])).message).toBe(
      'a.npz: y[0]: class label -1 is not an integer in 0..99999 (for regression targets, set task "value")',
    );
    expect(inputError(() => resolveLabels([a, { ...b, width: 2, values: [1, 2] }], 'value')).message).toBe(
      'b.npz: y: has 2 targets per sample, but a.npz: y has 1',
    );
  });

  it('checkTensorDataset catches inconsistent lengths and labels, naming the field', () => {
    const ds = classes(2, 2);
    expect(() => checkTensorDataset(ds)).not.toThrow();
    expect(inputError(() => checkTensorDataset({ ...ds, x: new Float32Array(3) })).where).toBe('toy: x');
    expect(inputError(() => checkTensorDataset({ ...ds, y: Float32Array.from([0, 1, 2, 0]) })).where).toBe('toy: y[2]');
    expect(inputError(() => checkTensorDataset({ ...ds, groups: ['a'] })).where).toBe('toy: groups');
  });
});
