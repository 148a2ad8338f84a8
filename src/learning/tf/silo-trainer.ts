/**
 * Silo state without one model per silo: a silo is a flat weight vector and flat Adam
 * state; its weights are swapped into one shared TensorFlow.js model for its local
 * steps. The DPASGD engine sees only flat `Float32Array`s (model-agnostic).
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, offsetF32, type WasmBackendLike } from './kernels/util.js';
import { createModel, type CreateModelOptions, type ModelHandle } from './models/registry.js';
import { SeededDropout } from './models/layers.js';
import { finishEvaluation, type Batch, type EvaluationSums, type LocalTrainer as BaseLocalTrainer } from '../trainer.js';
import { adamUpdate, adamUpdateFlat } from './kernels/adam.js';
import { nativeKernelAddon, nativeThreads } from './kernels/native.js';
import { updateMovingAverage } from './models/batch-norm.js';
import { compileNativeStep, weightOffsets, type NativeLoss, type NativeStepProgram } from './native-step/index.js';

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
  /**
   * How the local steps train: through the native step (dflsim's kernels over one arena,
   * `native-step/`), or through tf.layers with the one-line reason when the addon is in
   * use but the model is outside the native step's cover ('' otherwise).
   */
  trainingPath(): { native: true } | { native: false; notice: string };
}

/** What a run records after its kernels when its local steps ran the native step (other sums than tf.layers'). */
export const NATIVE_STEP_LABEL = '+native-step';

/** The kernels label a run records: the backend's, marked when the trainer's local steps run the native step. */
export function recordedKernels(backendKernels: string | undefined, trainer: Pick<LocalTrainer, 'trainingPath'>): string | undefined {
  return backendKernels && trainer.trainingPath().native ? `${backendKernels}${NATIVE_STEP_LABEL}` : backendKernels;
}

/** The loss the native step computes for a task (the one {@link createTrainer}'s tf.layers path uses). */
export function nativeLossOf(h: Pick<ModelHandle, 'loss' | 'fromLogits'>): NativeLoss | undefined {
  if (h.loss === 'mse') return 'mse';
  if (h.loss === 'categorical-crossentropy') return h.fromLogits ? 'softmax-cross-entropy' : 'categorical-cross-entropy';
  return h.fromLogits ? undefined : 'binary-cross-entropy';
}

let useLayersStep = false;

/** Train through the tf.layers model even where the native step is available (tests and benchmarks compare the two). */
export function setLayersStep(on: boolean): void {
  useLayersStep = on;
}

/** Options of {@link createTrainer}. */
export interface TrainerOptions extends CreateModelOptions {
  /** Adam hyper-parameters. */
  adam?: Partial<AdamOptions>;
}

/** One shared model bound to flat weight vectors: the helpers every part of a trainer uses. */
interface BoundModel {
  h: ModelHandle;
  adam: AdamOptions;
  tvars: tf.LayerVariable[];
  variables: tf.Variable[];
  dropouts: SeededDropout[];
  sampleSize: number;
  /** Check a flat weight vector's type and length. */
  check(w: Float32Array, where: string): void;
  /** Write `w`'s variables `from..to` (default all) into the model. */
  load(w: Float32Array, from?: number, to?: number): void;
  /** Read the model's non-trainable state (batch-norm statistics) into `w`'s state part. */
  readState(w: Float32Array): void;
  xTensor(x: Float32Array, n: number): tf.Tensor;
  yTensor(y: Float32Array, n: number): tf.Tensor;
  lossOf(out: tf.Tensor, y: tf.Tensor): tf.Scalar;
  checkBatch(x: Float32Array, y: Float32Array, n: number, where: string): void;
}

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON] before their logarithm. */
export const LOSS_EPSILON = 1e-7;

/**
 * The loss of a model's outputs against labels, as Keras computes it: mse; categorical
 * cross-entropy from logits (softmax cross-entropy, labels one-hot from class indices) or
 * from probabilities (normalised, clipped by {@link LOSS_EPSILON}); binary cross-entropy
 * from logits (sigmoid cross-entropy) or from probabilities (clipped), averaged over
 * every output.
 */
function lossFunction(h: ModelHandle): (out: tf.Tensor, y: tf.Tensor) => tf.Scalar {
  const eps = LOSS_EPSILON;
  if (h.loss === 'mse') return (out, y) => tf.mean(tf.squaredDifference(out, y));
  if (h.loss === 'categorical-crossentropy') {
    if (h.fromLogits)
      return (out, y) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(y, 'int32'), h.outputSize), out as tf.Tensor2D) as tf.Scalar;
    return (out, y) => {
      const p = tf.clipByValue(tf.div(out, tf.sum(out, -1, true)), eps, 1 - eps);
      return tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(y, 'int32'), h.outputSize), tf.log(p)), -1)));
    };
  }
  if (h.fromLogits) return (out, y) => tf.losses.sigmoidCrossEntropy(y, out) as tf.Scalar;
  return (out, y) => {
    const p = tf.clipByValue(out, eps, 1 - eps);
    return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))));
  };
}

function bindModel(h: ModelHandle, adamOpts: Partial<AdamOptions> | undefined): BoundModel {
  const tvars = h.model.trainableWeights;
  const svars = h.model.nonTrainableWeights;
  const all = [...tvars, ...svars];
  const sizes = all.map((v) => (v.shape as number[]).reduce((a, b) => a * b, 1));
  const sampleSize = h.inputShape.reduce((a, b) => a * b, 1);
  return {
    h,
    adam: { ...DEFAULT_ADAM_OPTIONS, ...adamOpts },
    tvars,
    variables: tvars.map((v) => v.read() as tf.Variable),
    dropouts: h.model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout),
    sampleSize,
    check(w, where) {
      if (!(w instanceof Float32Array) || w.length !== h.weightCount) {
        throw new Error(`dflsim trainer: ${where}: expected a Float32Array of ${h.weightCount} weights, got ${w?.length}`);
      }
    },
    load(w, from = 0, to = all.length) {
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
    },
    readState(w) {
      let off = h.paramCount;
      for (const v of svars) {
        const d = v.read().dataSync() as Float32Array;
        w.set(d, off);
        off += d.length;
      }
    },
    xTensor: (x, n) => tf.tensor(x, [n, ...h.inputShape], 'float32'),
    lossOf: lossFunction(h),
    yTensor: (y, n) => (h.task === 'classification' ? tf.tensor(y, [n], 'float32') : tf.tensor(y, [n, h.outputSize], 'float32')),
    checkBatch(x, y, n, where) {
      if (x.length !== n * sampleSize) throw new Error(`dflsim trainer: ${where}.x: expected ${n * sampleSize} values, got ${x.length}`);
      const ny = h.task === 'classification' ? n : n * h.outputSize;
      if (y.length !== ny) throw new Error(`dflsim trainer: ${where}.y: expected ${ny} values, got ${y.length}`);
    },
  };
}

/** Flat Adam state being updated (in place or on copies) through a run of local steps. */
interface StepState {
  w: Float32Array;
  m: Float32Array;
  v: Float32Array;
  step: number;
}

/**
 * The local steps through the native step (`native-step/`): gradients from the plan, Adam
 * on the flat vectors, and the batch-norm moving statistics updated in the state part of w
 * from the batch statistics as the layers do (`updateMovingAverage`).
 * @returns the mean loss over the batches
 */
function nativeSteps(
  b: BoundModel,
  program: NativeStepProgram,
  st: StepState,
  batches: readonly Batch[],
  lr: number,
  offsets: Map<string, number>,
): number {
  let lossSum = 0;
  batches.forEach((batch, bi) => {
    b.checkBatch(batch.x, batch.y, batch.size, `batches[${bi}]`);
    st.step += 1;
    const lrT = (lr * Math.sqrt(1 - b.adam.beta2 ** st.step)) / (1 - b.adam.beta1 ** st.step);
    const r = program.step(st.w, batch.x, batch.y, batch.size);
    lossSum += r.loss;
    adamUpdateFlat(r.grads, st.m, st.v, st.w, lrT, b.adam);
    for (const s of r.bnStats) {
      for (const [key, stat] of [
        ['moving_mean', s.mean],
        ['moving_variance', s.variance],
      ] as const) {
        const o = offsets.get(`${s.name}/${key}`)!;
        updateMovingAverage(st.w.subarray(o, o + stat.length), stat, s.momentum);
      }
    }
  });
  return batches.length ? lossSum / batches.length : NaN;
}

/**
 * The local steps through the tf.layers model: the loss's gradients by `tf.variableGrads`,
 * Adam on the flat vectors, the trainable weights written back after every step and the
 * non-trainable state read at the end.
 * @returns the mean loss over the batches
 */
function layerSteps(b: BoundModel, st: StepState, batches: readonly Batch[], lr: number): number {
  b.load(st.w);
  let lossSum = 0;
  batches.forEach((batch, bi) => {
    b.checkBatch(batch.x, batch.y, batch.size, `batches[${bi}]`);
    st.step += 1;
    const { beta1: b1, beta2: b2 } = b.adam;
    const lrT = (lr * Math.sqrt(1 - b2 ** st.step)) / (1 - b1 ** st.step);
    const lossVal = tf.tidy(() => {
      const xs = b.xTensor(batch.x, batch.size);
      const ys = b.yTensor(batch.y, batch.size);
      const { value, grads: g } = tf.variableGrads(() => b.lossOf(b.h.model.apply(xs, { training: true }) as tf.Tensor, ys), b.variables);
      const loss = value.dataSync()[0]!;
      adamUpdate(
        b.variables.map((vv) => g[vv.name]!),
        st.m,
        st.v,
        st.w,
        lrT,
        b.adam,
      );
      return loss;
    });
    lossSum += lossVal;
    b.load(st.w, 0, b.tvars.length);
  });
  b.readState(st.w);
  return batches.length ? lossSum / batches.length : NaN;
}

/** The loss, squared-error and correct-answer sums of a model's outputs over a test set, in batches. */
function evaluateModel(b: BoundModel, weights: Float32Array, x: Float32Array, y: Float32Array, batchSize: number): EvaluationSums {
  const { h, sampleSize } = b;
  b.check(weights, 'weights');
  const n = x.length / sampleSize;
  b.checkBatch(x, y, n, 'evaluate');
  b.load(weights);
  let lossSum = 0;
  let sq = 0;
  let correct = 0;
  for (let s = 0; s < n; s += batchSize) {
    const k = Math.min(batchSize, n - s);
    tf.tidy(() => {
      const xs = b.xTensor(x.subarray(s * sampleSize, (s + k) * sampleSize), k);
      const yo = h.task === 'classification' ? 1 : h.outputSize;
      const ys = b.yTensor(y.subarray(s * yo, (s + k) * yo), k);
      const out = h.model.apply(xs, { training: false }) as tf.Tensor;
      lossSum += b.lossOf(out, ys).dataSync()[0]! * k;
      if (h.task === 'regression') sq += tf.sum(tf.squaredDifference(out, ys)).dataSync()[0]!;
      else if (h.task === 'classification')
        correct += tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(ys, 'int32')), 'float32')).dataSync()[0]!;
      // binary: an output above 0.5 (a logit above 0) says 1
      else correct += tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(out, h.fromLogits ? 0 : 0.5), 'float32'), ys), 'float32')).dataSync()[0]!;
    });
  }
  return {
    n,
    lossSum,
    sq,
    correct,
    regression: h.task === 'regression',
    outputSize: h.outputSize,
    ...(h.task === 'binary' ? { kind: 'binary' as const } : {}),
  };
}

/** Model outputs `[n, outputSize]` for `x` (inference mode), in batches. */
function predictModel(b: BoundModel, weights: Float32Array, x: Float32Array, batchSize: number): Float32Array {
  const { h, sampleSize } = b;
  b.check(weights, 'weights');
  const n = x.length / sampleSize;
  if (!Number.isInteger(n)) throw new Error(`dflsim trainer: predict.x: length ${x.length} is not a multiple of ${sampleSize}`);
  b.load(weights);
  const out = new Float32Array(n * h.outputSize);
  for (let s = 0; s < n; s += batchSize) {
    const k = Math.min(batchSize, n - s);
    tf.tidy(() => {
      const o = h.model.apply(b.xTensor(x.subarray(s * sampleSize, (s + k) * sampleSize), k), { training: false }) as tf.Tensor;
      out.set(o.dataSync() as Float32Array, s * h.outputSize);
    });
  }
  return out;
}

/**
 * A {@link LocalTrainer} over one shared model built by the registry.
 * @param model a registered model's name ('fadnet', 'cnn', 'linear', ...) or a built {@link ModelHandle} (a model file's, a module's: see `models/build.ts`)
 */
export function createTrainer(model: string | ModelHandle, opts: TrainerOptions = {}): LocalTrainer {
  const h = typeof model === 'string' ? createModel(model, opts) : model;
  const b = bindModel(h, opts.adam);
  // on wasm with the addon built, every model whose layers the native step covers trains
  // through it (compiled on first use); the layers model otherwise, and always for evaluation.
  // Both compute the same function; their sums run in other orders.
  let compiled: { program: NativeStepProgram } | { fallback: string } | undefined;
  const nativeProgram = (): { program: NativeStepProgram } | { fallback: string } => {
    if (tf.getBackend() !== 'wasm' || useLayersStep) return { fallback: '' };
    const addon = nativeKernelAddon();
    if (!addon) return { fallback: '' };
    const loss = nativeLossOf(h);
    compiled ??= loss
      ? compileNativeStep(addon, h.model, { loss, threads: nativeThreads })
      : { fallback: `loss ${h.loss} from logits has no native op: training through tf.layers` };
    return compiled;
  };
  let offsets: Map<string, number> | undefined;

  return {
    paramCount: h.paramCount,
    weightCount: h.weightCount,
    initWeights: (seed) => h.initWeights(seed),
    newOptimizerState: () => ({ m: new Float32Array(h.paramCount), v: new Float32Array(h.paramCount), step: 0 }),
    train(weights, optState, batches, lr, seed, inPlace = false) {
      b.check(weights, 'weights');
      if (optState.m.length !== h.paramCount || optState.v.length !== h.paramCount) {
        throw new Error(`dflsim trainer: optState: m and v must have ${h.paramCount} entries`);
      }
      if (!(lr > 0)) throw new Error(`dflsim trainer: lr must be > 0, got ${lr}`);
      // in place: the caller's arrays are updated (no three copies of the state per silo and round)
      const st: StepState = {
        w: inPlace ? weights : Float32Array.from(weights),
        m: inPlace ? optState.m : Float32Array.from(optState.m),
        v: inPlace ? optState.v : Float32Array.from(optState.v),
        step: optState.step,
      };
      if (seed !== undefined) for (const d of b.dropouts) d.reseed(seed);
      const native = nativeProgram();
      const loss =
        'program' in native
          ? nativeSteps(b, native.program, st, batches, lr, (offsets ??= weightOffsets(h.model)))
          : layerSteps(b, st, batches, lr);
      return { weights: st.w, optState: { m: st.m, v: st.v, step: st.step }, loss };
    },
    evaluate(weights, x, y, batchSize = 64) {
      return finishEvaluation(evaluateModel(b, weights, x, y, batchSize));
    },
    evaluateSums: (weights, x, y, batchSize = 64) => evaluateModel(b, weights, x, y, batchSize),
    predict: (weights, x, batchSize = 64) => predictModel(b, weights, x, batchSize),
    bytesPerSilo: () => 4 * (h.weightCount + 2 * h.paramCount),
    dispose: () => h.model.dispose(),
    trainingPath() {
      const native = nativeProgram();
      return 'program' in native ? { native: true } : { native: false, notice: native.fallback };
    },
  };
}
