/**
 * Keras Dropout layers in users' models: replaced at load by dflsim's seeded dropout (the same
 * function), so a silo's masks come from its seed: two trainers on the same job give the
 * same bits, and the model stays inside the native training step's cover.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/learning/tf/models/build.js';
import { createTrainer } from '../../../src/learning/tf/silo-trainer.js';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { nativeKernelAddon } from '../../../src/learning/tf/kernels/native.js';
import { saveModelFiles } from './model-files.js';

function withDropout(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [6, 6, 1] }),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

describe("a user's model with Keras Dropout", () => {
  it('loads with seeded dropout in its place, trains to the same bits twice, on the native step where it is built', async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-dropout-'));
    const file = await saveModelFiles(withDropout(), path.join(dir, 'm'));
    const opts = { inputShape: [6, 6, 1], numClasses: 3, seed: 4 };
    const a = await buildModel({ path: file }, opts);
    expect(a.model.layers.map((l) => l.getClassName())).toEqual(['Flatten', 'Dense', 'DflsimSeededDropout', 'Dense']);
    // the file's weights are kept
    expect(Array.from(a.initWeights(0))).toEqual(Array.from(a.initWeights(1)));
    const b = await buildModel({ path: file }, opts);
    const batch = {
      x: Float32Array.from({ length: 8 * 36 }, (_, i) => ((i * 37) % 11) / 11),
      y: Float32Array.from([0, 1, 2, 0, 1, 2, 0, 1]),
      size: 8,
    };
    const train = (h: typeof a) => {
      const t = createTrainer(h);
      const r = t.train(h.initWeights(0), t.newOptimizerState(), [batch, batch], 1e-2, 9);
      const path_ = t.trainingPath();
      t.dispose();
      return { w: r.weights, path: path_ };
    };
    const ra = train(a);
    const rb = train(b);
    expect(Array.from(ra.w)).toEqual(Array.from(rb.w));
    if (nativeKernelAddon()) expect(ra.path.native).toBe(true);
    // dropout is on: a run with another seed gives other weights
    const c = createTrainer(await buildModel({ path: file }, opts));
    const rc = c.train(a.initWeights(0), c.newOptimizerState(), [batch, batch], 1e-2, 10);
    c.dispose();
    expect(Array.from(rc.weights)).not.toEqual(Array.from(ra.w));
  });
});
