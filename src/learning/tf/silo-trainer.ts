/**
 * Silo state without one model per silo: a silo is a flat weight vector and flat Adam
 * state; its weights are swapped into one shared TensorFlow.js model for its local
 * steps. The DPASGD engine sees only flat `Float32Array`s (model-agnostic).
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, offsetF32, type WasmBackendLike } from './kernels/util.js';
import { createModel, type CreateModelOptions, type ModelHandle } from './models/registry.js';
import { SeededDropout } from './models/layers.js';
import { finishEvaluation, type EvaluationSums, type LocalTrainer as BaseLocalTrainer } from '../trainer.js';
import { adamUpdate, adamUpdateFlat } from './kernels/adam.js';
import { nativeKernelAddon } from './kernels/native.js';
import { createFadnetStepper, trainableSlots, weightOffsets, type FadnetStepper } from './models/fadnet-step.js';
import { updateMovingAverage } from './models/batch-norm.js';

/** Adam hyper-parameters besides the learning rate. */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Defaults of {@link AdamOptions} (Keras / TensorFlow). */
const DEFAULT_ADAM_OPTIONS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** The engine's {@link BaseLocalTrainer} plus what a TensorFlow.js model also offers. */
export interface LocalTrainer extends BaseLocalTrainer {
  /** Model outputs `[n, outputSize]` for `x` (inference mode). */
  predict(weights: Float32Array, x: Float32Array, batchSize?: number): Float32Array;
  /** The running sums of {@link evaluate} (to split an evaluation at batch boundaries). */
  evaluateSums(weights: Float32Array, x: Float32Array, y: Float32Array, batchSize?: number): EvaluationSums;
  /** Bytes one silo's state occupies (weights + m + v). */
  bytesPerSilo(): number;
  /** Free the shared model. */
  dispose(): void;
}

let useLayersStep = false;

/** Train FADNet through the tf.layers model even where the native step is available (tests compare the two). */
export function setLayersStep(on: boolean): void {
  useLayersStep = on;
}

/** Options of {@link createTrainer}. */
export interface TrainerOptions extends CreateModelOptions {
  /** Adam hyper-parameters. */
  adam?: Partial<AdamOptions>;
}

/**
 * A {@link LocalTrainer} over one shared model built by the registry.
 * @param model a registry name ('fadnet', 'cnn', 'linear') or a built {@link ModelHandle}
 */
export function createTrainer(model: string | ModelHandle, opts: TrainerOptions = {}): LocalTrainer {
  const h = typeof model === 'string' ? createModel(model, opts) : model;
  const adam = { ...DEFAULT_ADAM_OPTIONS, ...opts.adam };
  const tvars = h.model.trainableWeights;
  const svars = h.model.nonTrainableWeights;
  const all = [...tvars, ...svars];
  const sizes = all.map((v) => (v.shape as number[]).reduce((a, b) => a * b, 1));
  const variables = tvars.map((v) => v.read() as tf.Variable);
  const dropouts = h.model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
  const sampleSize = h.inputShape.reduce((a, b) => a * b, 1);

  const check = (w: Float32Array, where: string) => {
    if (!(w instanceof Float32Array) || w.length !== h.weightCount) {
      throw new Error(`dflsim trainer: ${where}: expected a Float32Array of ${h.weightCount} weights, got ${w?.length}`);
    }
  };
  const load = (w: Float32Array, from = 0, to = all.length) => {
    // on wasm, a variable that is the sole owner of its data is overwritten in place on the
    // heap (the same values, no tensor made and swapped in); any other is written anew
    const wb = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackendLike & { refCount(id: object): number }) : null;
    let off = 0;
    for (let i = 0; i < to; i++) {
      const n = sizes[i]!;
      const val = i >= from && wb ? (all[i]!.read() as tf.Tensor) : null;
      if (val && val.dtype === 'float32' && val.size === n && wb!.refCount(val.dataId) === 1) {
        heapF32(wb!).set(w.subarray(off, off + n), offsetF32(wb!, val));
      } else if (i >= from) {
        const t = tf.tensor(w.subarray(off, off + n), all[i]!.shape as number[], 'float32');
        all[i]!.write(t);
        t.dispose();
      }
      off += n;
    }
  };
  const readState = (w: Float32Array) => {
    let off = h.paramCount;
    for (const v of svars) {
      const d = v.read().dataSync() as Float32Array;
      w.set(d, off);
      off += d.length;
    }
  };
  const xTensor = (x: Float32Array, n: number) => tf.tensor(x, [n, ...h.inputShape], 'float32');
  const lossOf = (out: tf.Tensor, y: tf.Tensor): tf.Scalar =>
    h.task === 'regression'
      ? tf.mean(tf.squaredDifference(out, y))
      : tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(y, 'int32'), h.outputSize), out as tf.Tensor2D) as tf.Scalar;
  const yTensor = (y: Float32Array, n: number) =>
    h.task === 'regression' ? tf.tensor(y, [n, h.outputSize], 'float32') : tf.tensor(y, [n], 'float32');
  const checkBatch = (x: Float32Array, y: Float32Array, n: number, where: string) => {
    if (x.length !== n * sampleSize) throw new Error(`dflsim trainer: ${where}.x: expected ${n * sampleSize} values, got ${x.length}`);
    const ny = h.task === 'regression' ? n * h.outputSize : n;
    if (y.length !== ny) throw new Error(`dflsim trainer: ${where}.y: expected ${ny} values, got ${y.length}`);
  };

  // FADNet's training step as native kernels over one arena (models/fadnet-step.ts), where
  // the addon is built and the backend is wasm; the layers model otherwise (and always for
  // evaluation). Both compute the same function; their sums run in other orders.
  let stepper: FadnetStepper | null | undefined;
  const offsets = weightOffsets(h.model);
  const fastStepper = (): FadnetStepper | null => {
    if (!h.nativeStep || tf.getBackend() !== 'wasm' || useLayersStep) return null;
    const addon = nativeKernelAddon();
    if (!addon) return null;
    if (stepper === undefined) stepper = createFadnetStepper(addon, h.inputShape[0]!, trainableSlots(h.model), h.paramCount);
    return stepper;
  };
  const momentum = new Map(
    (h.model.layers.filter((l) => l.getClassName() === 'DflsimFusedBatchNorm') as unknown as { name: string; momentum: number }[]).map((l) => [l.name, l.momentum]),
  );
  const featureLength = h.name === 'fadnet' ? (h.model.getLayer('width_dense').outputShape as number[])[1]! : 0;

  const evaluateSums = (weights: Float32Array, x: Float32Array, y: Float32Array, batchSize = 64): EvaluationSums => {
    check(weights, 'weights');
    const n = x.length / sampleSize;
    checkBatch(x, y, n, 'evaluate');
    load(weights);
    let lossSum = 0;
    let sq = 0;
    let correct = 0;
    for (let s = 0; s < n; s += batchSize) {
      const k = Math.min(batchSize, n - s);
      tf.tidy(() => {
        const xs = xTensor(x.subarray(s * sampleSize, (s + k) * sampleSize), k);
        const yo = h.task === 'regression' ? h.outputSize : 1;
        const ys = yTensor(y.subarray(s * yo, (s + k) * yo), k);
        const out = h.model.apply(xs, { training: false }) as tf.Tensor;
        lossSum += lossOf(out, ys).dataSync()[0]! * k;
        if (h.task === 'regression') sq += tf.sum(tf.squaredDifference(out, ys)).dataSync()[0]!;
        else correct += tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(ys, 'int32')), 'float32')).dataSync()[0]!;
      });
    }
    return { n, lossSum, sq, correct, regression: h.task === 'regression', outputSize: h.outputSize };
  };

  return {
    paramCount: h.paramCount,
    weightCount: h.weightCount,
    initWeights: (seed) => h.initWeights(seed),
    newOptimizerState: () => ({ m: new Float32Array(h.paramCount), v: new Float32Array(h.paramCount), step: 0 }),
    train(weights, optState, batches, lr, seed, inPlace = false) {
      check(weights, 'weights');
      if (optState.m.length !== h.paramCount || optState.v.length !== h.paramCount) {
        throw new Error(`dflsim trainer: optState: m and v must have ${h.paramCount} entries`);
      }
      if (!(lr > 0)) throw new Error(`dflsim trainer: lr must be > 0, got ${lr}`);
      // in place: the caller's arrays are updated (no three copies of the state per silo and round)
      const w = inPlace ? weights : Float32Array.from(weights);
      const m = inPlace ? optState.m : Float32Array.from(optState.m);
      const v = inPlace ? optState.v : Float32Array.from(optState.v);
      let step = optState.step;
      if (seed !== undefined) for (const d of dropouts) d.reseed(seed);
      const fast = fastStepper();
      if (fast) {
        let lossSum = 0;
        batches.forEach((b, bi) => {
          checkBatch(b.x, b.y, b.size, `batches[${bi}]`);
          step += 1;
          const lrT = (lr * Math.sqrt(1 - adam.beta2 ** step)) / (1 - adam.beta1 ** step);
          const mask = dropouts[0]!.nextMask([b.size, featureLength]);
          const r = fast.step(w, b.x, b.y, b.size, mask);
          lossSum += r.loss;
          adamUpdateFlat(r.grads, m, v, w, lrT, adam);
          // the moving statistics, in the state part of w, as FusedBatchNorm updates them
          for (const st of r.bnStats) {
            for (const [key, batch] of [['moving_mean', st.mean], ['moving_variance', st.variance]] as const) {
              const o = offsets.get(`${st.name}/${key}`)!;
              updateMovingAverage(w.subarray(o, o + batch.length), batch, momentum.get(st.name)!);
            }
          }
        });
        return { weights: w, optState: { m, v, step }, loss: batches.length ? lossSum / batches.length : NaN };
      }
      load(w);
      let lossSum = 0;
      batches.forEach((b, bi) => {
        checkBatch(b.x, b.y, b.size, `batches[${bi}]`);
        step += 1;
        const { beta1: b1, beta2: b2 } = adam;
        const lrT = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
        const lossVal = tf.tidy(() => {
          const xs = xTensor(b.x, b.size);
          const ys = yTensor(b.y, b.size);
          const { value, grads: g } = tf.variableGrads(
            () => lossOf(h.model.apply(xs, { training: true }) as tf.Tensor, ys),
            variables,
          );
          const loss = value.dataSync()[0]!;
          adamUpdate(variables.map((vv) => g[vv.name]!), m, v, w, lrT, adam);
          return loss;
        });
        lossSum += lossVal;
        load(w, 0, tvars.length);
      });
      readState(w);
      return { weights: w, optState: { m, v, step }, loss: batches.length ? lossSum / batches.length : NaN };
    },
    evaluate(weights, x, y, batchSize = 64) {
      return finishEvaluation(evaluateSums(weights, x, y, batchSize));
    },
    evaluateSums,
    predict(weights, x, batchSize = 64) {
      check(weights, 'weights');
      const n = x.length / sampleSize;
      if (!Number.isInteger(n)) throw new Error(`dflsim trainer: predict.x: length ${x.length} is not a multiple of ${sampleSize}`);
      load(weights);
      const out = new Float32Array(n * h.outputSize);
      for (let s = 0; s < n; s += batchSize) {
        const k = Math.min(batchSize, n - s);
        tf.tidy(() => {
          const o = h.model.apply(xTensor(x.subarray(s * sampleSize, (s + k) * sampleSize), k), { training: false }) as tf.Tensor;
          out.set(o.dataSync() as Float32Array, s * h.outputSize);
        });
      }
      return out;
    },
    bytesPerSilo: () => 4 * (h.weightCount + 2 * h.paramCount),
    dispose: () => h.model.dispose(),
  };
}
