/**
 * The linear model reads pixels scaled to [-1, 1] (as FADNet does): Adam at lr 0.01 on
 * the synthetic driving data learns something, where on raw 0-255 pixels it diverged
 * (test RMSE about 22 against a constant predictor's 0.37).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig, type TrainConfig } from '../../../src/experiment/config.js';
import { runTraining } from '../../../src/experiment/runner.js';
import { networkFile } from '../../helpers.js';

describe('linear model on synthetic driving frames', () => {
  it('at lr 0.01 ends below the constant predictor', async () => {
    const cfg = validateConfig(
      {
        kind: 'train',
        name: 'linear-lr',
        network: networkFile('gaia'),
        topology: 'ring',
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 20 },
        rounds: 100,
        batchSize: 8,
        lr: 0.01,
        evalEvery: 10,
        seed: 1,
        backend: 'wasm',
      },
      'linear.json',
    ) as TrainConfig;
    const s = await runTraining(cfg, 'linear.json', { outDir: mkdtempSync(path.join(tmpdir(), 'dflsim-linear-')) });
    expect(s.completed).toBe(true);
    expect(s.constantPredictorRmse).toBeCloseTo(0.3675, 3);
    // measured: final test RMSE 0.2699, 0.734x the constant predictor's; raw pixels gave ~22 (60x)
    expect(s.final!.testRmse!).toBeLessThan(s.constantPredictorRmse);
    expect(s.rmseRatioToConstant!).toBeLessThan(0.76);
  }, 120_000);
});
