/** LEAF FEMNIST JSON: a file written here round-trips; bad files are refused naming the field. */
import { describe, expect, it } from 'vitest';
import { parseLeafFemnist } from '../../src/data/leaf-femnist.js';
import { generateSyntheticCharacters } from '../../src/data/synthetic-characters.js';
import { expectSameWriters, leafText as leafFixture } from './leaf-fixture.js';

const ds = generateSyntheticCharacters({ writers: 3, seed: 2, meanSamplesPerWriter: 12, stdSamplesPerWriter: 0 });

const leafText = (writers = ds.writers): string => leafFixture(writers);

describe('LEAF FEMNIST reader', () => {
  it("round-trips a file written here, flipping LEAF's white background to ink = 1 (auto)", () => {
    expectSameWriters(parseLeafFemnist([['all_data_0.json', leafText()]]).writers, ds.writers);
  });

  it('reads writers from many files, and refuses a writer in two files', () => {
    const a = leafText(ds.writers.slice(0, 2)),
      b = leafText(ds.writers.slice(2));
    expect(
      parseLeafFemnist([
        ['a.json', a],
        ['b.json', b],
      ]).writers,
    ).toHaveLength(3);
    expect(() =>
      parseLeafFemnist([
        ['a.json', a],
        ['c.json', a],
      ]),
    ).toThrow(/c\.json: users.*also appears in a\.json/);
  });

  const bad: [string, (o: any) => void, RegExp][] = [
    [
      'users not a list',
      (o) => {
        o.users = 'x';
      },
      /f\.json: users: expected a list/,
    ],
    [
      'a user without data',
      (o) => {
        o.users.push('ghost');
        o.num_samples.push(1);
      },
      /user_data\["ghost"\]: missing/,
    ],
    [
      'a short image',
      (o) => {
        o.user_data[o.users[0]].x[1] = [0.5, 0.5];
      },
      /user_data\["writer-0000"\]\.x\[1\]: expected 784 pixels/,
    ],
    [
      'a label out of range',
      (o) => {
        o.user_data[o.users[0]].y[0] = 62;
      },
      /\.y\[0\]: expected a class label 0\.\.61/,
    ],
    [
      'a pixel out of [0, 1]',
      (o) => {
        o.user_data[o.users[0]].x[0][3] = 2;
      },
      /\.x\[0\]\[3\]: expected a pixel in \[0, 1\]/,
    ],
    [
      'num_samples disagreeing',
      (o) => {
        o.num_samples[1] = 99;
      },
      /num_samples\[1\]: says 99 samples/,
    ],
    [
      'labels and images of different lengths',
      (o) => {
        o.user_data[o.users[0]].y.pop();
      },
      /\.y: has 11 labels for 12 images/,
    ],
  ];
  it.each(bad)('refuses %s, naming the field', (_, edit, re) => {
    const o = JSON.parse(leafText());
    edit(o);
    expect(() => parseLeafFemnist([['f.json', JSON.stringify(o)]])).toThrow(re);
  });

  it('refuses malformed JSON naming the file', () => {
    expect(() => parseLeafFemnist([['broken.json', '{"users": [']])).toThrow(/broken\.json/);
  });
});
