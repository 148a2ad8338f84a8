/**
 * Character datasets for training: LEAF's per-writer split, the by-writer partition, the
 * majority-class baseline, and reading LEAF JSON files and folders from disk.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { createRng } from '../../src/random.js';
import { classCounts, majorityClassAccuracy, partitionByWriter, splitWritersSamples, writersToShard } from '../../src/data/characters.js';
import { leafFemnistFiles, readLeafFemnist } from '../../src/data/leaf-femnist.js';
import { loadCharacterDataset } from '../../src/data/registry.js';
import { generateSyntheticCharacters, type CharacterWriter } from '../../src/data/synthetic-characters.js';
import { expectSameWriters, leafText } from './leaf-fixture.js';

const ds = generateSyntheticCharacters({ writers: 7, seed: 4, meanSamplesPerWriter: 20, stdSamplesPerWriter: 6 });

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected a DflsimInputError');
}

/** Each image as a string key (its label and pixels), to compare multisets of images. */
function imageKeys(ws: readonly CharacterWriter[]): string[] {
  return ws
    .flatMap((w) =>
      Array.from({ length: w.count }, (_, i) => `${w.id}:${w.y[i]}:${Array.from(w.x.subarray(i * 784, (i + 1) * 784)).join(',')}`),
    )
    .sort();
}

/** LEAF stores dark ink on white: 1 − ink. */
describe('per-writer train/test split (LEAF)', () => {
  it('holds out round(f * count) of every writer, each image on exactly one side', () => {
    const { train, test } = splitWritersSamples(ds, { testFraction: 0.2 }, createRng(1));
    expect(train.writers.map((w) => w.id)).toEqual(ds.writers.map((w) => w.id));
    expect(test.writers.map((w) => w.id)).toEqual(ds.writers.map((w) => w.id));
    ds.writers.forEach((w, k) => {
      // e.g. 23 images: round(4.6) = 5 test, 18 train
      expect(test.writers[k].count).toBe(Math.round(0.2 * w.count));
      expect(train.writers[k].count + test.writers[k].count).toBe(w.count);
    });
    expect([...imageKeys(train.writers), ...imageKeys(test.writers)].sort()).toEqual(imageKeys(ds.writers));
  });

  it('is deterministic by seed and differs across seeds', () => {
    const a = splitWritersSamples(ds, { testFraction: 0.3 }, createRng(9));
    const b = splitWritersSamples(ds, { testFraction: 0.3 }, createRng(9));
    const c = splitWritersSamples(ds, { testFraction: 0.3 }, createRng(10));
    expect(imageKeys(a.test.writers)).toEqual(imageKeys(b.test.writers));
    expect(imageKeys(a.test.writers)).not.toEqual(imageKeys(c.test.writers));
  });

  it('keeps at least one image on each side, and a single image for training', () => {
    const tiny = {
      ...ds,
      writers: [
        { id: 'one', x: ds.writers[0].x.slice(0, 784), y: ds.writers[0].y.slice(0, 1), count: 1 },
        { id: 'two', x: ds.writers[1].x.slice(0, 2 * 784), y: ds.writers[1].y.slice(0, 2), count: 2 },
      ],
    };
    // f = 0.9 of 2 images rounds to 2, capped to 1; of 1 image: none held out
    const { train, test } = splitWritersSamples(tiny, { testFraction: 0.9 }, createRng(0));
    expect(train.writers.map((w) => w.count)).toEqual([1, 1]);
    expect(test.writers.map((w) => [w.id, w.count])).toEqual([['two', 1]]);
    expect(errorOf(() => splitWritersSamples(ds, { testFraction: 1 }, createRng(0))).where).toBe('dataset.testFraction');
  });
});

describe('by-writer partition', () => {
  it('deals whole writers round-robin over a seeded shuffle', () => {
    const shards = partitionByWriter(ds, 3, createRng(5));
    // 7 writers over 3 silos: 3, 2, 2
    expect(shards.map((s) => s.writers.length)).toEqual([3, 2, 2]);
    expect(shards.flatMap((s) => s.writers).sort()).toEqual(ds.writers.map((w) => w.id).sort());
    for (const s of shards) {
      const mine = ds.writers.filter((w) => s.writers.includes(w.id));
      expect(s.size).toBe(mine.reduce((a, w) => a + w.count, 0));
      expect(s.x.length).toBe(s.size * 784);
      // labels as floats, in the writers' order
      const y = s.writers.flatMap((id) => Array.from(ds.writers.find((w) => w.id === id)!.y));
      expect(Array.from(s.y)).toEqual(y);
    }
    expect(partitionByWriter(ds, 3, createRng(5)).map((s) => s.writers)).toEqual(shards.map((s) => s.writers));
    expect(partitionByWriter(ds, 3, createRng(6)).map((s) => s.writers)).not.toEqual(shards.map((s) => s.writers));
  });

  it('refuses fewer writers than silos, naming the field', () => {
    const e = errorOf(() => partitionByWriter(ds, 11, createRng(0), 'x.json: dataset'));
    expect(e.where).toBe('x.json: dataset');
    expect(e.message).toMatch(/7 writers, fewer than the 11 silos/);
  });
});

describe('majority-class baseline', () => {
  it('scores the test share of the most frequent training class', () => {
    // train: class 2 three times, class 0 twice -> predicts 2; test 2,2,1,0 -> 2 of 4
    expect(majorityClassAccuracy([2, 0, 2, 2, 0], [2, 2, 1, 0], 62)).toBe(0.5);
    // a tie goes to the lower label: 0 and 5 twice each -> 0; test has one 0 in 4
    expect(majorityClassAccuracy([5, 0, 5, 0], [0, 5, 5, 5], 62)).toBe(0.25);
    expect(classCounts([1, 1, 3], 4)).toEqual([0, 2, 0, 1]);
    expect(writersToShard([], -1).size).toBe(0);
  });
});

describe('LEAF FEMNIST files on disk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-leaf-'));
  const folder = path.join(dir, 'femnist');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'all_data_1.json'), leafText(ds.writers.slice(3)));
  writeFileSync(path.join(folder, 'all_data_0.json'), leafText(ds.writers.slice(0, 3)));
  writeFileSync(path.join(folder, 'README.txt'), 'not data');

  it('reads a folder of *.json files in name order, round-tripping the writers', () => {
    expectSameWriters(readLeafFemnist('femnist', dir, 'x.json: dataset.files').writers, ds.writers);
  });

  it('reads a list of files (and a folder) through the registry', () => {
    const one = loadCharacterDataset({ kind: 'leaf-femnist', files: ['femnist/all_data_1.json'] }, { baseDir: dir });
    expect(one.writers.map((w) => w.id)).toEqual(ds.writers.slice(3).map((w) => w.id));
    expect(leafFemnistFiles([folder, path.join(folder, 'all_data_0.json')], dir, 'f')).toEqual([
      path.join(folder, 'all_data_0.json'),
      path.join(folder, 'all_data_1.json'),
    ]);
  });

  it('names the field and the path: a missing file, a folder without JSON, a directory where a file is expected', () => {
    const missing = errorOf(() => readLeafFemnist(['femnist/all_data_0.json', 'nope.json'], dir, 'x.json: dataset.files'));
    expect(missing.where).toBe('x.json: dataset.files[1]');
    expect(missing.message).toBe(`x.json: dataset.files[1]: not found: ${path.join(dir, 'nope.json')}`);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const e2 = errorOf(() => readLeafFemnist('empty', dir, 'x.json: dataset.files'));
    expect(e2.where).toBe('x.json: dataset.files');
    expect(e2.message).toMatch(/has no \.json files/);
    // a directory named like a data file inside the folder
    const tricky = path.join(dir, 'tricky');
    mkdirSync(path.join(tricky, 'all_data_9.json'), { recursive: true });
    const e3 = errorOf(() => readLeafFemnist('tricky', dir, 'x.json: dataset.files'));
    expect(e3.where).toBe(path.join(tricky, 'all_data_9.json'));
    expect(e3.message).toMatch(/is a directory, not a LEAF FEMNIST file/);
  });

  it('names the file and the field of a bad file', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ users: ['u'], user_data: { u: { x: [[0.5]], y: [1] } } }));
    const e = errorOf(() => readLeafFemnist('bad.json', dir, 'x.json: dataset.files'));
    expect(e.where).toBe(`${bad}: user_data["u"].x[0]`);
    expect(e.message).toMatch(/expected 784 pixels/);
  });
});
