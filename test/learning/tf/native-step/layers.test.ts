/**
 * The general native step (src/learning/tf/native-step/) against `tf.variableGrads` on the
 * same tf.layers model (same weights, batch and dropout masks): every supported layer, each
 * loss, batch-norm statistics, a functional graph with Add, Concatenate and a tensor read by
 * several layers, a custom op registered by a test, the fallback notice, and determinism.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/learning/tf/backend.js';
import { nativeAddon } from '../../../../src/learning/native-addon.js';
import { setNativeThreads } from '../../../../src/learning/tf/kernels/native.js';
import {
  compileNativeStep,
  registerNativeOp,
  trainableSlots,
  type NativeLoss,
  type NativeStepProgram,
} from '../../../../src/learning/tf/native-step/index.js';
import { SeededDropout } from '../../../../src/learning/tf/models/layers.js';
import { createRng } from '../../../../src/random.js';
import { relErr } from '../helpers.js';

const addon = nativeAddon();

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});
afterAll(() => setNativeThreads(1));

function program(model: tf.LayersModel, loss: NativeLoss): NativeStepProgram {
  const c = compileNativeStep(addon!, model, { loss });
  if (!('program' in c)) throw new Error(c.fallback);
  return c.program;
}

/** Seeded weights written into the model, returned flat (trainable first, the trainer's layout). */
function seedWeights(model: tf.LayersModel, seed: number): Float32Array {
  const rng = createRng(seed);
  const all = [...model.trainableWeights, ...model.nonTrainableWeights];
  const total = all.reduce((a, v) => a + (v.shape as number[]).reduce((p, d) => p * d, 1), 0);
  const flat = new Float32Array(total);
  let off = 0;
  for (const v of all) {
    const n = (v.shape as number[]).reduce((p, d) => p * d, 1);
    const role = v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
    for (let i = 0; i < n; i++) {
      const r = rng.normal();
      flat[off + i] = role === 'gamma' || role === 'moving_variance' ? 1 + 0.2 * r : role === 'moving_mean' ? 0 : 0.4 * r;
    }
    v.write(tf.tensor(flat.subarray(off, off + n), v.shape as number[]));
    off += n;
  }
  return flat;
}

/** The tf.layers loss of a batch. */
function tfLoss(loss: NativeLoss, out: tf.Tensor, y: tf.Tensor, K: number): tf.Scalar {
  switch (loss) {
    case 'mse':
      return tf.mean(tf.squaredDifference(out, y));
    case 'softmax-cross-entropy':
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(y, 'int32'), K), out as tf.Tensor2D) as tf.Scalar;
    case 'categorical-cross-entropy':
      return tf.mean(tf.metrics.categoricalCrossentropy(tf.oneHot(tf.cast(y, 'int32'), K), out));
    case 'binary-cross-entropy':
      return tf.mean(tf.metrics.binaryCrossentropy(y, out));
  }
}

interface Compared {
  lossRel: number;
  gradRel: Map<string, number>;
  worst: number;
  native: ReturnType<NativeStepProgram['step']>;
}

/** One step both ways; the relative differences of loss and of each weight's gradient (max |a - b| / max |b|). */
function compare(model: tf.LayersModel, loss: NativeLoss, B: number, seed: number, labels?: number, skip: string[] = []): Compared {
  const w = seedWeights(model, seed);
  const rng = createRng(seed + 1);
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const outs = (model.outputs[0]!.shape as number[])[1]!;
  const x = new Float32Array(B * inShape.reduce((a, b) => a * b, 1)).map(() => rng.normal());
  const perSample = loss === 'softmax-cross-entropy' || loss === 'categorical-cross-entropy' ? 1 : outs;
  const y = new Float32Array(B * perSample).map(() =>
    perSample === 1 && loss !== 'mse' ? rng.int(labels ?? outs) : loss === 'binary-cross-entropy' ? rng.int(2) : rng.normal(),
  );
  const drops = model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
  drops.forEach((d, i) => d.reseed(100 + i));
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(tf.tensor(x, [B, ...inShape]), { training: true }) as tf.Tensor;
    return tfLoss(loss, out, tf.tensor(y, perSample === 1 && loss !== 'mse' ? [B] : [B, outs]), outs);
  }, vars);
  const want = value.dataSync()[0]!;
  drops.forEach((d, i) => d.reseed(100 + i));
  const native = program(model, loss).step(w, x, y, B);
  const gradRel = new Map<string, number>();
  let worst = 0;
  for (const [i, s] of trainableSlots(model).entries()) {
    const g = grads[vars[i]!.name]!.dataSync() as Float32Array;
    const e = relErr(native.grads.subarray(s.offset, s.offset + g.length), g);
    gradRel.set(s.name, e);
    if (!skip.includes(s.name)) worst = Math.max(worst, e);
  }
  tf.dispose([value, ...Object.values(grads)]);
  const lossRel = Math.abs(native.loss - want) / Math.abs(want);
  if (process.env.DFLSIM_TEST_MEASURE) console.log(`measured: loss ${lossRel.toExponential(2)}, gradients ${worst.toExponential(2)}`);
  return { lossRel, gradRel, worst, native };
}

const seq = (layers: tf.layers.Layer[]) => tf.sequential({ layers });

describe.skipIf(!addon)('the general native step', () => {
  // float32 sums in other orders (and float64 where the native kernels sum): measured at most
  // 3.2e-7 relative for losses and 2.2e-6 for gradients (max |a - b| / max |b| per weight) here
  const LOSS_TOL = 1e-6;
  const GRAD_TOL = 1e-5;

  it('Conv2D (strides, same and valid padding, bias or none, fused activations), Flatten, Dense: softmax cross-entropy', () => {
    const m = seq([
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid', activation: 'relu6' }),
      tf.layers.conv2d({ filters: 3, kernelSize: [3, 1], padding: 'same', useBias: false, activation: 'sigmoid' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6, activation: 'relu' }),
      tf.layers.dense({ units: 4 }),
    ]);
    const r = compare(m, 'softmax-cross-entropy', 3, 1);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    expect(r.gradRel.size).toBe(9);
    m.dispose();
  });

  it('BatchNormalization, ReLU, max and average pooling, global average pooling: MSE, and the batch statistics', () => {
    const m = seq([
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization({ momentum: 0.8, epsilon: 1e-3 }),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }),
      tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3 }),
      tf.layers.batchNormalization({}),
      tf.layers.dense({ units: 2 }),
    ]);
    const B = 4;
    // a bias feeding batch norm has gradient 0 exactly (the normalisation removes it): both sides are rounding noise
    const [conv1, , , , , , , , dense1] = m.layers;
    const biases = [conv1!, dense1!].map((l) => `${l.name}/bias`);
    const r = compare(m, 'mse', B, 2, undefined, biases);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    const slots = new Map(trainableSlots(m).map((s) => [s.name, s]));
    for (const b of biases) {
      const s = slots.get(b)!;
      const k = slots.get(b.replace('/bias', '/kernel'))!;
      const kernelScale = Math.max(...r.native.grads.subarray(k.offset, k.offset + k.shape.reduce((p, d) => p * d, 1)).map(Math.abs));
      const noise = Math.max(...r.native.grads.subarray(s.offset, s.offset + s.shape[0]!).map(Math.abs));
      if (process.env.DFLSIM_TEST_MEASURE) console.log(`measured: ${b} ${(noise / kernelScale).toExponential(2)}`);
      // measured at most 8e-7 of the kernel's gradients
      expect(noise / kernelScale, b).toBeLessThan(5e-6);
    }
    // the first batch norm's statistics: tf.moments of the first convolution's output
    expect(r.native.bnStats.map((s) => s.momentum)).toEqual([0.8, 0.99]);
    const conv = tf.model({ inputs: m.inputs, outputs: m.layers[0]!.output as tf.SymbolicTensor });
    const rng = createRng(3);
    const x = new Float32Array(B * 8 * 8 * 3).map(() => rng.normal());
    const xs = tf.tensor(x, [B, 8, 8, 3]);
    const { mean, variance } = tf.moments(conv.apply(xs) as tf.Tensor, [0, 1, 2]);
    const p = program(m, 'mse');
    const s = p.step(seedWeights(m, 2), x, new Float32Array(B * 2), B).bnStats[0]!;
    // float64 sums against float32 ones: measured 2e-7
    expect(relErr(s.mean, mean.dataSync())).toBeLessThan(1e-5);
    expect(relErr(s.variance, variance.dataSync())).toBeLessThan(1e-5);
    tf.dispose([xs, mean, variance]);
    m.dispose();
  });

  it('categorical cross-entropy on a softmax output, with dflsim seeded dropout', () => {
    const m = seq([
      tf.layers.dense({ inputShape: [7], units: 8, activation: 'relu' }),
      new SeededDropout({ rate: 0.3, seed: 1 }),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ]);
    const r = compare(m, 'categorical-cross-entropy', 5, 4);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    m.dispose();
  });

  it('binary cross-entropy on a sigmoid output', () => {
    const m = seq([
      tf.layers.dense({ inputShape: [6], units: 4, activation: 'relu6' }),
      tf.layers.dense({ units: 3, activation: 'sigmoid' }),
    ]);
    const r = compare(m, 'binary-cross-entropy', 4, 5);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    m.dispose();
  });

  it('a functional graph: Add, Concatenate, a tensor read by three layers, activation layers, Reshape, Softmax', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 3, kernelSize: 1, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const c = tf.layers.conv2d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const s = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const l = tf.layers.leakyReLU({ alpha: 0.2 }).apply(s) as tf.SymbolicTensor;
    const j = tf.layers.concatenate().apply([l, c, a]) as tf.SymbolicTensor;
    const g = tf.layers.activation({ activation: 'sigmoid' }).apply(j) as tf.SymbolicTensor;
    const r6 = tf.layers
      .reLU({ maxValue: 6 })
      .apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }).apply(g)) as tf.SymbolicTensor;
    const flat = tf.layers.reshape({ targetShape: [16] }).apply(r6) as tf.SymbolicTensor;
    const d = tf.layers.dense({ units: 5 }).apply(flat) as tf.SymbolicTensor;
    const out = tf.layers.softmax().apply(d) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const r = compare(m, 'categorical-cross-entropy', 3, 6);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    m.dispose();
  });

  it('a custom op registered for a toy layer trains through the general path', () => {
    /** y[b, i] = x[b, i] w[i] (a trainable element-wise scale). */
    class ToyScale extends tf.layers.Layer {
      static readonly className = 'TestToyScale';
      private w: tf.LayerVariable | null = null;
      override build(s: tf.Shape | tf.Shape[]): void {
        this.w = this.addWeight('scale', [(s as number[])[1]!], 'float32', tf.initializers.ones());
        this.built = true;
      }
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, this.w!.read());
      }
    }
    const m = seq([tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu' }), new ToyScale({}), tf.layers.dense({ units: 3 })]);
    expect('fallback' in compileNativeStep(addon!, m, { loss: 'mse' })).toBe(true);
    registerNativeOp('TestToyScale', (c) => {
      const x = c.inputs[0]!;
      const y = c.output;
      const w = c.weight('scale')!;
      const F = w.size;
      const rows = x.size / F;
      const t = c.alloc(x.size);
      return {
        forward(h) {
          for (let r = 0; r < rows; r++) c.addon.mul(h, F, x.off + r * F, w.w, y.off + r * F);
        },
        backward(h) {
          c.addon.mul(h, x.size, y.grad, x.off, t);
          c.addon.colSums(h, rows, F, t, w.g);
          if (x.grad >= 0) for (let r = 0; r < rows; r++) c.addon.mul(h, F, y.grad + r * F, w.w, x.grad + r * F);
        },
      };
    });
    const r = compare(m, 'mse', 3, 7);
    expect(r.lossRel).toBeLessThan(LOSS_TOL);
    expect(r.worst, JSON.stringify([...r.gradRel])).toBeLessThan(GRAD_TOL);
    expect(r.gradRel.has(`${m.layers[1]!.name}/scale`)).toBe(true);
    m.dispose();
  });

  it("average pooling with 'same' padding: each window's gradient spread over its taps inside the image (hand-computed)", () => {
    // 3x3 image, 2x2 windows with stride 2, 'same' (padding below and right): windows of 4, 2, 2 and 1 taps.
    // (tfjs' own AvgPoolGrad divides by the full window at the borders, not by the taps its forward averaged.)
    const h = new Float32Array(9 + 4);
    h.set([1, 2, 3, 4], 0);
    addon!.avgPoolGrad(h, 1, 3, 3, 1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 4);
    expect([...h.subarray(4)]).toEqual([0.25, 0.25, 1, 0.25, 0.25, 1, 1.5, 1.5, 4]);
    h.set([1, 2, 3, 4, 5, 6, 7, 8, 9], 4);
    addon!.avgPool(h, 1, 3, 3, 1, 2, 2, 2, 2, 2, 2, 0, 0, 4, 0);
    expect([...h.subarray(0, 4)]).toEqual([3, 4.5, 7.5, 9]);
  });

  it('names the layer without a native op (tf.layers fallback notice)', () => {
    const m = seq([tf.layers.dense({ inputShape: [4], units: 3, name: 'fc' }), tf.layers.dropout({ rate: 0.5, name: 'drop_1' })]);
    const c = compileNativeStep(addon!, m, { loss: 'mse' });
    expect(c).toEqual({ fallback: "model layer 'drop_1' (Dropout) has no native op: training through tf.layers" });
    const d = seq([tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, dilationRate: 2, name: 'dil' })]);
    expect(compileNativeStep(addon!, d, { loss: 'mse' })).toEqual({
      fallback: "model layer 'dil' (Conv2D) is dilated: training through tf.layers",
    });
    m.dispose();
    d.dispose();
  });

  it('is deterministic: the same inputs give the same bits, on 1 and 2 threads', () => {
    const m = seq([
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      new SeededDropout({ rate: 0.25, seed: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10 }),
    ]);
    const B = 8;
    const w = seedWeights(m, 8);
    const rng = createRng(9);
    const x = new Float32Array(B * 28 * 28).map(() => rng.next());
    const y = new Float32Array(B).map(() => rng.int(10));
    const drop = m.layers[3] as SeededDropout;
    const p = program(m, 'softmax-cross-entropy');
    const run = (threads: number) => {
      setNativeThreads(threads);
      drop.reseed(11);
      const r = p.step(w, x, y, B);
      return { loss: r.loss, grads: r.grads.slice() };
    };
    const a = run(1);
    const b = run(1);
    const c = run(2);
    setNativeThreads(1);
    for (const o of [b, c]) {
      expect(o.loss).toBe(a.loss);
      expect(Buffer.from(o.grads.buffer).equals(Buffer.from(a.grads.buffer))).toBe(true);
    }
    // and another dropout mask changes them (the mask is an input of the step)
    drop.reseed(12);
    expect(p.step(w, x, y, B).loss).not.toBe(a.loss);
    m.dispose();
  });
});
