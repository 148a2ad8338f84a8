/**
 * The trainer on the general native step: every model the step covers trains through it
 * where the addon is loaded (the FEMNIST CNN included), close to the tf.layers path; a model
 * outside its cover trains through tf.layers with a one-line notice; runs record the step
 * after their kernels and refuse to resume a checkpoint across the change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/learning/tf/backend.js';
import { nativeAddon } from '../../../../src/learning/native-addon.js';
import { createTrainer, recordedKernels, setLayersStep } from '../../../../src/learning/tf/silo-trainer.js';
import type { ModelHandle } from '../../../../src/learning/tf/models/registry.js';
import { checkKernels } from '../../../../src/experiment/checkpoint.js';
import { DflsimInputError } from '../../../../src/errors.js';
import { createRng } from '../../../../src/random.js';

const addon = nativeAddon();

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});
afterAll(() => setLayersStep(false));

describe.skipIf(!addon)('the trainer on the native step', () => {
  it('trains the FEMNIST CNN through it, close to the tf.layers path, and records it after the kernels', () => {
    const run = (layers: boolean) => {
      setLayersStep(layers);
      const t = createTrainer('femnist-cnn', { numClasses: 62 });
      const path = t.trainingPath();
      const rng = createRng(3);
      const x = new Float32Array(4 * 28 * 28).map(() => rng.next());
      const y = new Float32Array(4).map(() => rng.int(62));
      const r = t.train(t.initWeights(5), t.newOptimizerState(), [{ x, y, size: 4 }], 1e-3, 7);
      const kernels = recordedKernels('native-avx2', t);
      t.dispose();
      setLayersStep(false);
      return { path, loss: r.loss, w: r.weights, kernels };
    };
    const native = run(false);
    const layers = run(true);
    expect(native.path).toEqual({ native: true });
    expect(native.kernels).toBe('native-avx2+native-step');
    expect(layers.path).toEqual({ native: false, notice: '' });
    expect(layers.kernels).toBe('native-avx2');
    if (process.env.DFLSIM_TEST_MEASURE) console.log(`measured: loss ${Math.abs(native.loss - layers.loss) / layers.loss}`);
    // one Adam step from the same weights, batch and dropout masks: measured 3.5e-8 relative on the loss
    expect(Math.abs(native.loss - layers.loss) / layers.loss).toBeLessThan(1e-7);
    let worst = 0;
    for (let i = 0; i < native.w.length; i++) worst = Math.max(worst, Math.abs(native.w[i]! - layers.w[i]!));
    if (process.env.DFLSIM_TEST_MEASURE) console.log(`measured: weights ${worst}`);
    // the weights after the step (Adam's first step moves each by up to lr = 1e-3): measured at most 9.3e-7 apart
    expect(worst).toBeLessThan(5e-6);
    // and the two paths are not the same code: somewhere the last bits differ
    expect(native.w.every((v, i) => v === layers.w[i])).toBe(false);
  });

  it('trains a model outside its cover through tf.layers, naming the layer', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'fc' }), tf.layers.dropout({ rate: 0.1, name: 'plain_dropout' })],
    });
    const handle: ModelHandle = {
      name: 'linear',
      model,
      inputShape: [3],
      outputSize: 2,
      task: 'regression',
      paramCount: 8,
      weightCount: 8,
      initWeights: () => new Float32Array(8).fill(0.5),
      origin: { field: 'model.name', value: 'linear' },
      loss: 'mse',
      fromLogits: true,
      macsPerSample: 6,
    };
    const t = createTrainer(handle);
    expect(t.trainingPath()).toEqual({
      native: false,
      notice: "model layer 'plain_dropout' (Dropout) has no native op: training through tf.layers",
    });
    expect(recordedKernels('native-avx2', t)).toBe('native-avx2');
    const r = t.train(t.initWeights(0), t.newOptimizerState(), [{ x: new Float32Array(6).fill(1), y: new Float32Array(4), size: 2 }], 1e-2);
    expect(r.loss).toBeGreaterThan(0);
    t.dispose();
  });
});

describe('resuming across the native step', () => {
  it('refuses a checkpoint trained without it, and the other way round', () => {
    expect(() => checkKernels('native-fma', 'native-fma+native-step', 'ck.bin')).toThrow(DflsimInputError);
    expect(() => checkKernels('native-fma', 'native-fma+native-step', 'ck.bin')).toThrow(
      /trained with the native-fma kernels and this run has the native-fma kernels with dflsim's native training step.*tf\.layers/,
    );
    expect(() => checkKernels('native-fma+native-step', 'native-fma', 'ck.bin')).toThrow(/ran through dflsim's native training step/);
    expect(() => checkKernels('native-fma+native-step', 'wasm', 'ck.bin')).toThrow(/build the native kernels/);
    // an older addon's checkpoint (no fused multiply-add), with or without the step, is refused
    expect(() => checkKernels('native-avx2', 'native-fma+native-step', 'ck.bin')).toThrow(/without fused multiply-add/);
    // every code path of the native kernels gives the same bits: one label
    expect(() => checkKernels('native-fma+native-step', 'native-fma+native-step', 'ck.bin')).not.toThrow();
    expect(() => checkKernels('native-avx2', 'native-portable', 'ck.bin')).not.toThrow();
  });
});
