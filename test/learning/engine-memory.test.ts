/**
 * A long DPASGD run with the real TensorFlow.js trainer keeps its memory flat: no tensors
 * or bytes accumulate in TensorFlow.js, and the engine state does not grow.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateSyntheticDriving } from '../../src/data/synthetic-driving.js';
import { datasetToShard } from '../../src/data/dataset.js';
import { partitionIid } from '../../src/data/partition.js';
import { initEngineState, runRounds } from '../../src/learning/dpasgd.js';
import { MULTIGRAPH_SELF_WEIGHT } from '../../src/overlay/topologies/multigraph.js';
import { multigraphMixing } from '../../src/overlay/mixing-rules.js';
import type { TrainingSchedule } from '../../src/learning/schedule.js';
import { initBackend } from '../../src/learning/tf/backend.js';
import { createTrainer } from '../../src/learning/tf/silo-trainer.js';
import { createRng } from '../../src/random.js';

describe('engine memory', () => {
  it('stays flat over a long run (tensors, bytes, state size)', async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    const ds = generateSyntheticDriving({ size: 16, sequences: 8, framesPerSequence: 10, seed: 1 });
    const shards = partitionIid(ds, 4, createRng(1));
    const test = datasetToShard(ds);
    const trainer = createTrainer('linear', { inputSize: 256 });
    const pairs: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 0],
    ];
    const schedule: TrainingSchedule = {
      topology: 'multigraph-test',
      n: 4,
      plan: (k) => {
        const strong = k % 2 === 0 ? pairs : pairs.slice(0, 2);
        const prev = k === 0 ? null : (k - 1) % 2 === 0 ? pairs : pairs.slice(0, 2);
        return { round: k, mixing: multigraphMixing(4, strong, prev, MULTIGRAPH_SELF_WEIGHT), endMs: k + 1, isolated: [] };
      },
    };
    const opts = { localSteps: 2, batchSize: 4, lr: 1e-7, seed: 2, evalEvery: 10 };
    let state = runRounds(initEngineState(trainer, 4, 2), trainer, schedule, { shards, test }, { ...opts, rounds: 50 });
    const before = tf.memory();
    state = runRounds({ ...state, done: false }, trainer, schedule, { shards, test }, { ...opts, rounds: 1050 });
    const after = tf.memory();
    expect(state.round).toBe(1050);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(state.weights.every((w) => w.length === trainer.weightCount)).toBe(true);
    expect(state.opt.every((o) => o.m.length === trainer.paramCount)).toBe(true);
    expect(state.metrics).toHaveLength(1050);
  }, 300_000);
});
