/**
 * One setting, one meaning: a training run's simulated clock counts the `localSteps` it
 * trains, `localSteps x computeMs` of compute per round.
 *
 * By hand: on a static overlay the clock is the max-plus recursion
 * `t_j(k+1) = max(t_j(k) + C, max_i t_i(k) + d(i,j))` with `d(i,j) = C + latency + transfer`,
 * so raising C by D raises every term of round k+1 by D over round k's: every round ends
 * D later per round, D = (localSteps - 1) x computeMs against localSteps 1.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { runTraining } from '../../src/experiment/runner.js';
import { networkFile } from '../helpers.js';
import { fakeTrainer } from './fake-trainer.js';

const COMPUTE_MS = 25;

async function clock(localSteps: number): Promise<number[]> {
  const cfg = validateConfig(
    {
      kind: 'train',
      name: `steps-${localSteps}`,
      network: networkFile('gaia'),
      topology: 'ring',
      workload: { name: 'custom', modelSizeBits: 1e7, computeMs: COMPUTE_MS },
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
      rounds: 12,
      localSteps,
      batchSize: 2,
      lr: 1e-6,
      evalEvery: 6,
      seed: 2,
    },
    'clock.json',
  ) as TrainConfig;
  const trainer = fakeTrainer(256);
  const s = await runTraining(cfg, 'clock.json', { outDir: mkdtempSync(path.join(tmpdir(), 'dflsim-clock-')), trainer });
  expect(s.rounds).toBe(12);
  // 11 silos, one train call each per round
  expect(trainer.calls).toBe(12 * 11);
  return readFileSync(path.join(s.outDir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
}

describe('the simulated clock counts localSteps', () => {
  it('on RING each round takes exactly (localSteps - 1) x computeMs longer than with one step', async () => {
    const one = await clock(1);
    expect(one).toHaveLength(12);
    for (const L of [2, 4]) {
      const many = await clock(L);
      for (let k = 0; k < 12; k++) {
        const perRoundOne = one[k]! - (k ? one[k - 1]! : 0);
        const perRoundMany = many[k]! - (k ? many[k - 1]! : 0);
        expect(Math.abs(perRoundMany - perRoundOne - (L - 1) * COMPUTE_MS), `localSteps ${L}, round ${k}`).toBeLessThan(1e-9);
      }
    }
  });

  it('a train config refuses localUpdates and names localSteps', () => {
    const raw = { kind: 'train', network: 'x.gml', localUpdates: 3 };
    expect(() => validateConfig(raw, 'exp.json')).toThrow(DflsimInputError);
    expect(() => validateConfig(raw, 'exp.json')).toThrow(/localUpdates: .*use localSteps/);
    // cycle-time configs keep their localUpdates
    const ct = validateConfig({ kind: 'cycle-times', networks: ['x.gml'], localUpdates: 3 }, 'ct.json');
    expect(ct.kind === 'cycle-times' && ct.localUpdates).toBe(3);
  });
});
