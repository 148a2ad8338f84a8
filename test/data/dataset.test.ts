import { describe, expect, it } from 'vitest';
import {
  constantPredictorRmse,
  countFrames,
  datasetToShard,
  frameOf,
  poolShards,
  shardFromSequences,
  splitBySequence,
  targetStats,
  type DrivingDataset,
} from '../../src/data/dataset.js';
import { DflsimInputError } from '../../src/errors.js';
import { createRng } from '../../src/random.js';

/** A tiny hand-made dataset: 2x2 frames whose every pixel equals the global frame index. */
function tiny(): DrivingDataset {
  const seq = (id: string, condition: string, start: number, frames: number) => {
    const x = new Float32Array(frames * 4);
    const y = new Float32Array(frames);
    for (let f = 0; f < frames; f++) {
      x.fill(start + f, f * 4, (f + 1) * 4);
      y[f] = (start + f) / 10;
    }
    return { id, condition, x, y, frames };
  };
  return {
    name: 'tiny',
    height: 2,
    width: 2,
    channels: 1,
    sequences: [seq('a', 'sun', 0, 3), seq('b', 'rain', 3, 2), seq('c', 'sun', 5, 4), seq('d', 'rain', 9, 1)],
  };
}

describe('dataset helpers', () => {
  it('builds shards from sequences and pools them back (frames, targets, provenance)', () => {
    const ds = tiny();
    expect(countFrames(ds)).toBe(10);
    expect(Array.from(frameOf(ds, ds.sequences[2], 1))).toEqual([6, 6, 6, 6]);
    const s0 = shardFromSequences(ds, [0, 3], 0);
    const s1 = shardFromSequences(ds, [1, 2], 1);
    expect(s0.size).toBe(4);
    expect(Array.from(s0.frameIndex)).toEqual([0, 1, 2, 9]);
    expect(s0.sequences).toEqual(['a', 'd']);
    expect(s0.conditions).toEqual({ sun: 3, rain: 1 });
    expect(Array.from(s0.x.subarray(12, 16))).toEqual([9, 9, 9, 9]);
    const pooled = poolShards([s0, s1]);
    expect(pooled.silo).toBe(-1);
    expect(pooled.size).toBe(10);
    expect(Array.from(pooled.frameIndex).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let k = 0; k < pooled.size; k++) {
      expect(pooled.x[k * 4]).toBe(pooled.frameIndex[k]);
      expect(pooled.y[k]).toBeCloseTo(pooled.frameIndex[k] / 10, 6);
    }
    expect(pooled.conditions).toEqual({ sun: 7, rain: 3 });
    expect(datasetToShard(ds).size).toBe(10);
  });

  it('splits by whole sequences, seeded, stratified by condition', () => {
    const ds = tiny();
    const a = splitBySequence(ds, { testFraction: 0.5 }, createRng(1));
    const b = splitBySequence(ds, { testFraction: 0.5 }, createRng(1));
    expect(a.test.sequences.map((s) => s.id)).toEqual(b.test.sequences.map((s) => s.id));
    const ids = [...a.train.sequences, ...a.test.sequences].map((s) => s.id).sort();
    expect(ids).toEqual(['a', 'b', 'c', 'd']);
    // one sun and one rain sequence on each side
    expect(a.test.sequences.map((s) => s.condition).sort()).toEqual(['rain', 'sun']);
    expect(a.train.sequences.map((s) => s.condition).sort()).toEqual(['rain', 'sun']);
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      seen.add(
        splitBySequence(ds, { testFraction: 0.5 }, createRng(seed))
          .test.sequences.map((s) => s.id)
          .join(),
      );
    }
    expect(seen.size).toBeGreaterThan(1);
    expect(() => splitBySequence(ds, { testFraction: 1 }, createRng(1))).toThrow(/split\.testFraction/);
  });

  it('computes target statistics and the constant-predictor RMSE', () => {
    const s = targetStats([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(s).toMatchObject({ count: 4, min: 1, max: 4 });
    expect(constantPredictorRmse([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(1.25), 12);
    // predicting the train mean 2.5 on [0, 5]: errors 2.5 each
    expect(constantPredictorRmse([1, 2, 3, 4], [0, 5])).toBeCloseTo(2.5, 12);
  });
});
