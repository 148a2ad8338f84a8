/**
 * The FEMNIST CNN (Marfoq et al.'s reference model): its layer sizes and parameter count,
 * and that it learns: centralised training on synthetic characters with a fixed seed
 * reaches an accuracy far above chance (1/62) on the writers' held-out images.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { createModel } from '../../../src/learning/tf/models/registry.js';
import { validateConfig, type TrainConfig } from '../../../src/experiment/config.js';
import { runTraining } from '../../../src/experiment/runner.js';
import { getWorkload } from '../../../src/timing/workload.js';
import { networkFile } from '../../helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('femnist-cnn', () => {
  it('has the reference layout: 1,206,590 parameters in grayscale, 1,207,166 in RGB', () => {
    const h = createModel('femnist-cnn', { seed: 0 });
    // conv1 3*3*1*32+32 = 320; conv2 3*3*32*64+64 = 18,496; fc1 9,216*128+128 = 1,179,776; fc2 128*62+62 = 7,998
    expect(h.paramCount).toBe(320 + 18_496 + 1_179_776 + 7_998);
    expect(h.paramCount).toBe(1_206_590);
    expect(h.weightCount).toBe(h.paramCount);
    expect(h.inputShape).toEqual([28, 28, 1]);
    expect(h.task).toBe('classification');
    expect(h.outputSize).toBe(62);
    // 28 -> 26 -> 24 (valid 3x3), pooled to 12: 12*12*64 = 9,216 features
    expect(h.model.getLayer('flatten').outputShape).toEqual([null, 9216]);
    // The reference reads the PNGs as RGB: conv1 has 3*3*3*32+32 = 896 parameters, 576 more
    const rgb = createModel('femnist-cnn', { channels: 3, seed: 0 });
    expect(rgb.paramCount).toBe(1_207_166);
    // 1,206,590 float32 = 38,610,880 bits = 38.6 Mbit, 8x the FEMNIST workload's 4,843,243 bits:
    // the workload keeps the papers' figure for the timing, training uses the real model
    expect(h.paramCount * 32).toBe(38_610_880);
    expect((h.paramCount * 32) / getWorkload('femnist').modelSizeBits).toBeCloseTo(7.97, 2);
    expect(() => createModel('femnist-cnn', { inputSize: 32 })).toThrow(/fixed at 28/);
    h.model.dispose();
    rgb.model.dispose();
  });

  it('gives logits of 62 classes per image, and its two dropout layers draw different masks', () => {
    const h = createModel('femnist-cnn', { seed: 5 });
    const w = h.initWeights(5);
    expect(w.some((v) => v !== 0)).toBe(true);
    const out = tf.tidy(() => (h.model.apply(tf.zeros([3, 28, 28, 1]), { training: false }) as tf.Tensor).shape);
    expect(out).toEqual([3, 62]);
    // the trainer reseeds every dropout layer with the same (silo, round) seed: the second
    // layer offsets it, so the masks of two equal-shaped inputs are not the same
    const [d1, d2] = ['dropout1', 'dropout2'].map(
      (n) => h.model.getLayer(n) as unknown as { reseed(s: number): void; apply(x: tf.Tensor, k: object): tf.Tensor },
    );
    d1.reseed(77);
    d2.reseed(77);
    const ones = tf.ones([1, 256]);
    const m1 = Array.from(d1.apply(ones, { training: true }).dataSync()).map((v) => v > 0);
    const m2 = Array.from(d2.apply(ones, { training: true }).dataSync()).map((v) => v > 0);
    const agree = m1.filter((v, i) => v === m2[i]).length;
    // independent masks with keep rates 0.75 and 0.5 agree on 0.75*0.5 + 0.25*0.5 = 50% of units;
    // the same stream would agree on 75% (every unit dropped at 0.25 is dropped at 0.5 too)
    expect(agree / 256).toBeLessThan(0.65);
    ones.dispose();
    h.model.dispose();
  });

  it('learns: centralised on 12 writers of synthetic characters, 100 steps of batch 16, reaches 40% test accuracy', async () => {
    const cfg = validateConfig(
      {
        kind: 'train',
        name: 'cnn-learns',
        network: networkFile('gaia'),
        topology: 'centralised',
        model: { name: 'femnist-cnn' },
        dataset: { kind: 'synthetic-characters', writers: 12, meanSamplesPerWriter: 100 },
        rounds: 100,
        batchSize: 16,
        lr: 1e-3,
        evalEvery: 50,
        seed: 1,
        backend: 'wasm',
        workers: 1,
      },
      'cnn.json',
    ) as TrainConfig;
    const out = mkdtempSync(path.join(tmpdir(), 'dflsim-cnn-'));
    const s = await runTraining(cfg, 'cnn.json', { outDir: out });
    expect(s.task).toBe('classification');
    expect(s.model.params).toBe(1_206_590);
    // 854 training images of 12 writers, 214 held out (20% of each writer's)
    expect(s.shards[0].size).toBe(854);
    // measured (wasm, seed 1): 27.1% after 50 steps, 42.06% after 100 (90 of 214 images);
    // the majority class scores 5.1% and chance is 1/62 = 1.6%
    expect(s.majorityClassAccuracy!).toBeLessThan(0.06);
    expect(s.testAccuracy!).toBeGreaterThan(0.4);
    const rows = readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(rows[0].split(',')).toContain('testAccuracy');
    expect(rows).toHaveLength(101);
  }, 300_000);
});
