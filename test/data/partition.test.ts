import { describe, expect, it } from 'vitest';
import { countFrames, type Shard } from '../../src/data/dataset.js';
import {
  describeShards,
  partitionBySequence,
  partitionDirichlet,
  partitionIid,
  sampleDirichlet,
  sampleGamma,
  steeringSkew,
} from '../../src/data/partition.js';
import { generateSyntheticDriving } from '../../src/data/synthetic-driving.js';
import { DflsimInputError } from '../../src/errors.js';
import { createRng } from '../../src/random.js';

const ds = generateSyntheticDriving({ size: 16, sequences: 24, framesPerSequence: 25, seed: 21 });
const total = countFrames(ds);

function expectExactCover(shards: Shard[]): void {
  const count = new Uint8Array(total);
  for (const s of shards) for (const g of s.frameIndex) count[g]++;
  expect(count.every((c) => c === 1)).toBe(true);
  expect(shards.reduce((a, s) => a + s.size, 0)).toBe(total);
  shards.forEach((s, i) => {
    expect(s.silo).toBe(i);
    expect(s.x.length).toBe(s.size * 16 * 16);
    expect(s.y.length).toBe(s.size);
  });
}

describe('partitioners', () => {
  it('bySequence keeps sequences whole, groups conditions, balances frame counts', () => {
    const shards = partitionBySequence(ds, 8);
    expectExactCover(shards);
    const owner = new Map<string, number>();
    for (const s of shards) {
      for (const id of s.sequences) {
        expect(owner.has(id)).toBe(false);
        owner.set(id, s.silo);
        expect(s.size % 25).toBe(0); // whole sequences only
      }
      expect(s.size).toBe(75); // 24 equal sequences over 8 silos
      expect(Object.keys(s.conditions)).toHaveLength(1); // 8 conditions x 3 sequences: one condition each
    }
    expect(owner.size).toBe(24);
    // uneven counts still balanced within one sequence's length
    const six = partitionBySequence(ds, 5);
    expectExactCover(six);
    const sizes = six.map((s) => s.size);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(25);
    const conds = describeShards(six).map((d) => Object.keys(d.conditions).length);
    expect(Math.max(...conds)).toBeLessThanOrEqual(3);
  });

  it('bySequence without grouping mixes conditions (seeded)', () => {
    const a = partitionBySequence(ds, 4, { groupByCondition: false, rng: createRng(1) });
    const b = partitionBySequence(ds, 4, { groupByCondition: false, rng: createRng(1) });
    expectExactCover(a);
    expect(a.map((s) => s.sequences)).toEqual(b.map((s) => s.sequences));
    expect(Math.min(...a.map((s) => Object.keys(s.conditions).length))).toBeGreaterThan(2);
    expect(() => partitionBySequence(ds, 4, { groupByCondition: false })).toThrow(/partition\.rng/);
    expect(() => partitionBySequence(ds, 30)).toThrow(/24 sequences, fewer than the 30 silos/);
  });

  it('iid deals shuffled frames into equal shards', () => {
    const shards = partitionIid(ds, 7, createRng(3));
    expectExactCover(shards);
    const sizes = shards.map((s) => s.size);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Object.keys(shards[0].conditions).length).toBe(8);
    expect(Array.from(partitionIid(ds, 7, createRng(3))[2].frameIndex)).toEqual(Array.from(shards[2].frameIndex));
  });

  it('dirichlet: equal shards, exact cover; small alpha is more skewed than large alpha', () => {
    const skewed = partitionDirichlet(ds, 6, { alpha: 0.1 }, createRng(4));
    const flat = partitionDirichlet(ds, 6, { alpha: 100 }, createRng(4));
    for (const p of [skewed, flat]) {
      expectExactCover(p);
      const sizes = p.map((s) => s.size);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    const sSkew = steeringSkew(skewed),
      sFlat = steeringSkew(flat);
    expect(sSkew).toBeGreaterThan(0.3);
    expect(sFlat).toBeLessThan(0.15);
    expect(sSkew).toBeGreaterThan(sFlat + 0.2);
    // the skew shows in the silos' mean steering
    const spread = (p: Shard[]) => {
      const m = describeShards(p).map((d) => d.meanSteering);
      return Math.max(...m) - Math.min(...m);
    };
    expect(spread(skewed)).toBeGreaterThan(spread(flat));
    expect(() => partitionDirichlet(ds, 6, { alpha: 0 }, createRng(1))).toThrow(/partition\.alpha/);
  });

  it('describeShards reports size, steering and conditions per silo', () => {
    const shards = partitionBySequence(ds, 4);
    const d = describeShards(shards);
    expect(d).toHaveLength(4);
    expect(d[0]).toMatchObject({ silo: 0, size: 150, sequences: 6 });
    expect(Object.values(d[0].conditions).reduce((a, b) => a + b, 0)).toBe(150);
    // mean and population std of the shard's own labels (one pass: E[y], E[y^2] - E[y]^2)
    const y = Array.from(shards[0].y.subarray(0, 150));
    const mean = y.reduce((a, b) => a + b, 0) / 150;
    const std = Math.sqrt(y.reduce((a, b) => a + b * b, 0) / 150 - mean * mean);
    expect(Math.abs(d[0].meanSteering - mean)).toBeLessThan(1e-12);
    expect(Math.abs(d[0].stdSteering - std)).toBeLessThan(1e-9);
    expect(std).toBeGreaterThan(0.01);
  });

  it('Gamma (Marsaglia-Tsang) and Dirichlet samplers have the right moments', () => {
    const rng = createRng(8);
    for (const shape of [0.3, 1, 4.5]) {
      const n = 20000;
      let s = 0,
        q = 0;
      for (let i = 0; i < n; i++) {
        const g = sampleGamma(shape, rng);
        s += g;
        q += g * g;
      }
      const mean = s / n,
        variance = q / n - mean * mean;
      expect(mean).toBeCloseTo(shape, 1);
      expect(Math.abs(variance - shape) / shape).toBeLessThan(0.1);
    }
    const p = sampleDirichlet([0.001, 0.001, 0.001], rng);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(() => sampleDirichlet([1, -1], rng)).toThrow(DflsimInputError);
  });
});
