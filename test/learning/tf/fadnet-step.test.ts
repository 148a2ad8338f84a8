/**
 * FADNet's training step through the general native step (native-step/, FADNet's layers
 * as custom ops in native-step/fadnet-ops.ts) against the tf.layers model it replaces in
 * training: the same loss and gradients (`tf.variableGrads` on the layers model, same
 * weights, batch and dropout mask), the same moving statistics, the trainer using it where
 * the addon is built, and the same bits as FADNet's former hand-written step
 * (native-step/fadnet-reference.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { nativeAddon } from '../../../src/learning/native-addon.js';
import { setNativeThreads } from '../../../src/learning/tf/kernels/native.js';
import { compileNativeStep, trainableSlots, type NativeStepProgram } from '../../../src/learning/tf/native-step/index.js';
import { createFadnetStepper } from './native-step/fadnet-reference.js';
import { createModel } from '../../../src/learning/tf/models/registry.js';
import { SeededDropout } from '../../../src/learning/tf/models/layers.js';
import { createTrainer, setLayersStep } from '../../../src/learning/tf/silo-trainer.js';
import { createRng } from '../../../src/random.js';

const addon = nativeAddon();

function program(model: tf.LayersModel): NativeStepProgram {
  const c = compileNativeStep(addon!, model, { loss: 'mse' });
  if (!('program' in c)) throw new Error(c.fallback);
  return c.program;
}
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});
afterAll(() => {
  setLayersStep(false);
  setNativeThreads(1);
});

function setup(size: number, batch: number, seed: number, name: 'fadnet' | 'dronet' = 'fadnet') {
  const h = createModel(name, { inputSize: size });
  const slots = trainableSlots(h.model);
  const w = h.initWeights(seed);
  let o = 0;
  for (const v of [...h.model.trainableWeights, ...h.model.nonTrainableWeights]) {
    const n = (v.shape as number[]).reduce((a, b) => a * b, 1);
    v.write(tf.tensor(w.subarray(o, o + n), v.shape as number[]));
    o += n;
  }
  const rng = createRng(seed + 1);
  const x = new Float32Array(batch * size * size).map(() => Math.floor(rng.next() * 256));
  const y = new Float32Array(batch).map(() => rng.normal() * 0.3);
  const drop = h.model.layers.find((l): l is SeededDropout => l instanceof SeededDropout)!;
  const F = name === 'fadnet' ? (h.model.getLayer('width_dense').outputShape as number[])[1]! : 0;
  return { h, slots, w, x, y, drop, F };
}

/**
 * One step through the layers model (`tf.variableGrads`) and through the native program:
 * the loss's relative difference, and per trainable weight max |a - b| over max |b| (a bias
 * feeding batch norm, whose gradient is 0 exactly, over its kernel's scale instead).
 */
function stepBothWays(s: ReturnType<typeof setup>, size: number, batch: number, dropSeed: number) {
  const { h, slots, w, x, y, drop } = s;
  drop.reseed(dropSeed);
  const vars = h.model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () =>
      tf.mean(
        tf.squaredDifference(
          h.model.apply(tf.tensor(x, [batch, size, size, 1]), { training: true }) as tf.Tensor,
          tf.tensor(y, [batch, 1]),
        ),
      ) as tf.Scalar,
    vars,
  );
  const lossTf = value.dataSync()[0]!;
  drop.reseed(dropSeed);
  const r = program(h.model).step(w, x, y, batch);
  const kernelScale = new Map<string, number>();
  const rel = new Map<string, number>();
  const zeroBias = new Map<string, number>();
  for (const [i, sl] of slots.entries()) {
    const want = grads[vars[i]!.name]!.dataSync() as Float32Array;
    let num = 0;
    let den = 0;
    for (let k = 0; k < want.length; k++) {
      num = Math.max(num, Math.abs(r.grads[sl.offset + k]! - want[k]!));
      den = Math.max(den, Math.abs(want[k]!));
    }
    if (sl.name.endsWith('/kernel')) kernelScale.set(sl.name.split('/')[0]!, den);
    if (/_conv1\/bias$/.test(sl.name)) zeroBias.set(sl.name, num / kernelScale.get(sl.name.split('/')[0]!)!);
    else rel.set(sl.name, num / den);
  }
  tf.dispose([value, ...Object.values(grads)]);
  return { lossRel: Math.abs(r.loss - lossTf) / lossTf, rel, zeroBias };
}

describe.skipIf(!addon)('FADNet through the native step', () => {
  for (const [size, batch] of [
    [64, 4],
    [32, 3],
  ] as const) {
    it(`gives the layers model's loss and gradients (FADNet ${size}x${size}, batch ${batch})`, () => {
      const s = setup(size, batch, 3);
      const r = stepBothWays(s, size, batch, 77);
      // float32 sums in other orders: measured 4e-9 relative
      expect(r.lossRel).toBeLessThan(1e-6);
      // a bias feeding batch norm has gradient 0 exactly (the normalisation removes it): both are
      // rounding noise, measured 1e-10 against kernel gradients of 1e-4
      for (const [name, e] of r.zeroBias) expect(e, name).toBeLessThan(1e-5);
      // measured at most 1.7e-5 (the stem's bias, summed over 16k rows in another order)
      for (const [name, e] of r.rel) expect(e, name).toBeLessThan(3e-5);
      s.h.model.dispose();
    });
  }

  for (const [size, batch] of [
    [64, 4],
    [32, 3],
  ] as const) {
    it(`gives the bits of FADNet's former hand-written step: loss, gradients, batch statistics (${size}x${size}, batch ${batch})`, () => {
      const { h, slots, w, x, y, drop, F } = setup(size, batch, 4);
      drop.reseed(78);
      const a = createFadnetStepper(addon!, size, slots, h.paramCount)!.step(w, x, y, batch, drop.nextMask([batch, F]));
      const aGrads = a.grads.slice();
      drop.reseed(78);
      const b = program(h.model).step(w, x, y, batch);
      expect(b.loss).toBe(a.loss);
      expect(bits(b.grads).equals(bits(aGrads))).toBe(true);
      expect(b.bnStats.map((s) => s.name)).toEqual(a.bnStats.map((s) => s.name));
      for (const [i, s] of b.bnStats.entries()) {
        expect(bits(s.mean).equals(bits(a.bnStats[i]!.mean)), s.name).toBe(true);
        expect(bits(s.variance).equals(bits(a.bnStats[i]!.variance)), s.name).toBe(true);
      }
      h.model.dispose();
    });
  }

  it('gives the same bits on 1 and 3 threads', () => {
    // batch 16: the 3x3 convolutions' products are large enough to be split across threads
    const { h, w, x, y, drop } = setup(64, 16, 5);
    const stepper = program(h.model);
    setNativeThreads(1);
    drop.reseed(5);
    const a = stepper.step(w, x, y, 16);
    const aGrads = a.grads.slice();
    setNativeThreads(3);
    drop.reseed(5);
    const b = stepper.step(w, x, y, 16);
    setNativeThreads(1);
    expect(b.loss).toBe(a.loss);
    expect(bits(b.grads).equals(bits(aGrads))).toBe(true);
    h.model.dispose();
  });

  it("DroNet (FADNet's backbone with DroNet's head, the FADNet paper's baseline): 314,657 parameters at 200x200, and the layers model's loss and gradients at 64x64", () => {
    const full = createModel('dronet', { inputSize: 200 });
    expect(full.paramCount).toBe(314_657); // the FADNet paper's count for DroNet
    full.model.dispose();
    const s = setup(64, 4, 5, 'dronet');
    expect(compileNativeStep(addon!, s.h.model, { loss: 'mse' })).toHaveProperty('program'); // no tf.layers fallback
    const r = stepBothWays(s, 64, 4, 31);
    expect(r.lossRel).toBeLessThan(1e-6);
    for (const [name, e] of r.zeroBias) expect(e, name).toBeLessThan(1e-5);
    const worst = Math.max(...r.rel.values());
    if (process.env.DFLSIM_TEST_MEASURE) console.log(`measured: DroNet loss ${r.lossRel}, gradients ${worst}`);
    // measured 2.3e-7 on the loss and at most 2.9e-5 on a gradient (float32 sums in other orders)
    expect(worst).toBeLessThan(4e-5);
    expect(r.rel.size + r.zeroBias.size).toBe(2 + 3 * 10 + 2); // stem, 3 blocks, the steering dense
    s.h.model.dispose();
  });

  it('is what the trainer uses: the same loss and moving statistics as training through the layers', () => {
    const run = (layers: boolean) => {
      setLayersStep(layers);
      const trainer = createTrainer('fadnet', { inputSize: 32 });
      const rng = createRng(9);
      const x = new Float32Array(3 * 32 * 32).map(() => Math.floor(rng.next() * 256));
      const y = new Float32Array(3).map(() => rng.normal() * 0.3);
      const r = trainer.train(trainer.initWeights(4), trainer.newOptimizerState(), [{ x, y, size: 3 }], 1e-3, 11);
      const out = { loss: r.loss, state: r.weights.slice(trainer.paramCount) };
      trainer.dispose();
      setLayersStep(false);
      return out;
    };
    const layers = run(true);
    const native = run(false);
    expect(Math.abs(native.loss - layers.loss) / layers.loss).toBeLessThan(1e-6);
    let worst = 0;
    for (let i = 0; i < native.state.length; i++)
      worst = Math.max(worst, Math.abs(native.state[i]! - layers.state[i]!) / Math.max(1e-3, Math.abs(layers.state[i]!)));
    // moving means and variances after one step: measured 4.1e-5 relative (floor 1e-3)
    expect(worst).toBeLessThan(1e-4);
    // and the two paths are not the same code: the native one differs somewhere in the last bits
    expect(native.loss === layers.loss && native.state.every((v, i) => v === layers.state[i])).toBe(false);
  });
});
