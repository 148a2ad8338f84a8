/**
 * The model registry: `createModel(name, options)` for every model dflsim trains, with
 * seeded weight initialisation into one flat vector.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../random.js';
import { buildFadnet, fadnetGeometry } from './fadnet.js';
import { buildFemnistCnn, FEMNIST_CNN_INPUT_SIZE } from './femnist-cnn.js';
import { buildLinear, buildSmallCnn } from './small.js';

/** Names accepted by {@link createModel}. */
export const MODEL_NAMES = ['fadnet', 'femnist-cnn', 'cnn', 'linear'] as const;
/** A model name. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** Options of {@link createModel}. */
export interface CreateModelOptions {
  /** fadnet / cnn: square input side (pixels; default 200 / 28; femnist-cnn: 28 only). linear: feature count (required). */
  inputSize?: number;
  /** Seed of in-model randomness (dropout masks). Default 0. */
  seed?: number;
  /** cnn / femnist-cnn: input channels (default 1). */
  channels?: number;
  /** cnn / femnist-cnn / linear: class count; linear without it is a 1-output regression. cnn and femnist-cnn default 62 (FEMNIST). */
  numClasses?: number;
  /** linear: the features are pixels in [0, 255], scaled to [-1, 1] like FADNet's input (default false). */
  pixelInput?: boolean;
}

/** A built model plus what a trainer needs to know about it. */
export interface ModelHandle {
  /** Registry name. */
  name: ModelName;
  /** The TensorFlow.js model (its weights are a cache; the flat vector is the state). */
  model: tf.LayersModel;
  /** Shape of one sample (without batch). */
  inputShape: number[];
  /** Outputs per sample. */
  outputSize: number;
  /** 'regression' (MSE loss, RMSE metric) or 'classification' (softmax cross-entropy, accuracy). */
  task: 'regression' | 'classification';
  /** Trainable parameter count. */
  paramCount: number;
  /** Length of the flat weight vector: trainable parameters, then non-trainable state (batch-norm moving statistics). */
  weightCount: number;
  /** Seeded initial flat weight vector (Glorot-uniform kernels, zero biases, unit BN scales and variances). */
  initWeights(seed: number): Float32Array;
}

/**
 * Build a registered model.
 * @param name 'fadnet' | 'femnist-cnn' | 'cnn' | 'linear'
 * @param opts sizes, classes and seed
 */
export function createModel(name: string, opts: CreateModelOptions = {}): ModelHandle {
  const seed = opts.seed ?? 0;
  let model: tf.LayersModel;
  let task: ModelHandle['task'];
  let outputSize: number;
  switch (name) {
    case 'fadnet': {
      const size = opts.inputSize ?? 200;
      fadnetGeometry(size);
      model = buildFadnet({ inputSize: size, seed });
      task = 'regression';
      outputSize = 1;
      break;
    }
    case 'femnist-cnn': {
      if (opts.inputSize !== undefined && opts.inputSize !== FEMNIST_CNN_INPUT_SIZE) {
        throw new Error(`dflsim createModel: femnist-cnn: inputSize is fixed at ${FEMNIST_CNN_INPUT_SIZE} pixels, got ${opts.inputSize}`);
      }
      const numClasses = opts.numClasses ?? 62;
      model = buildFemnistCnn({ channels: opts.channels ?? 1, numClasses, seed });
      task = 'classification';
      outputSize = numClasses;
      break;
    }
    case 'cnn': {
      const numClasses = opts.numClasses ?? 62;
      model = buildSmallCnn({ inputSize: opts.inputSize ?? 28, channels: opts.channels ?? 1, numClasses });
      task = 'classification';
      outputSize = numClasses;
      break;
    }
    case 'linear': {
      if (!opts.inputSize || !Number.isInteger(opts.inputSize) || opts.inputSize < 1) {
        throw new Error(`dflsim createModel: linear: inputSize (feature count) must be a positive integer, got ${opts.inputSize}`);
      }
      outputSize = opts.numClasses ?? 1;
      task = opts.numClasses ? 'classification' : 'regression';
      model = buildLinear({ features: opts.inputSize, outputs: outputSize, pixelInput: opts.pixelInput });
      break;
    }
    default:
      throw new Error(`dflsim createModel: name: unknown model "${name}" (known: ${MODEL_NAMES.join(', ')})`);
  }
  const trainable = model.trainableWeights;
  const state = model.nonTrainableWeights;
  const count = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  const paramCount = count(trainable);
  const weightCount = paramCount + count(state);
  const inputShape = (model.inputs[0]!.shape.slice(1) as number[]).map((d) => d);
  return {
    name: name as ModelName,
    model,
    inputShape,
    outputSize,
    task,
    paramCount,
    weightCount,
    initWeights: (s: number) => initFlat([...trainable, ...state], weightCount, s),
  };
}

/**
 * The role of a weight inside its layer ('kernel', 'bias', 'gamma', 'moving_variance', ...).
 * tfjs makes every variable name unique in the process (`stem/kernel_1`, `dense_Dense2/kernel`),
 * so a name depends on which models were built before; the role does not.
 */
function weightRole(v: tf.LayerVariable): string {
  const scoped = v.originalName;
  return scoped.slice(scoped.lastIndexOf('/') + 1);
}

/**
 * Seeded flat weights. Each kernel draws from a stream keyed by its position in the weight
 * list and its role (never by its process-unique name), so the same model and seed give the
 * same weights whatever was built earlier in the process.
 */
function initFlat(vars: tf.LayerVariable[], total: number, seed: number): Float32Array {
  const out = new Float32Array(total);
  const root = createRng(seed);
  let off = 0;
  vars.forEach((v, index) => {
    const shape = v.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const role = weightRole(v);
    if (role === 'gamma' || role === 'moving_variance') out.fill(1, off, off + n);
    else if (role === 'kernel') {
      const rng = root.fork(`${index}:${role}`);
      let fanIn: number;
      let fanOut: number;
      if (shape.length === 4) {
        const rf = shape[0]! * shape[1]!;
        fanIn = rf * shape[2]!;
        fanOut = rf * shape[3]!;
      } else {
        fanIn = shape[0]!;
        fanOut = shape[shape.length - 1]!;
      }
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[off + i] = (2 * rng.next() - 1) * limit;
    } // biases, beta, moving_mean: zero
    off += n;
  });
  return out;
}

const parameterCounts = new Map<string, number>();

/**
 * The trainable parameter count of a registered model with these options (the model is
 * built once, counted and freed; counts are kept per name and options).
 */
export async function modelParameterCount(name: string, opts: CreateModelOptions = {}): Promise<number> {
  const { seed: _seed, ...shape } = opts;
  const key = JSON.stringify([name, shape]);
  let n = parameterCounts.get(key);
  if (n === undefined) {
    // built on the active backend; before training has chosen one, on the cpu backend (a
    // registered wasm backend cannot be used before its asynchronous start, and training
    // sets its own backend later). Its "install tfjs-node" notice is not for this count,
    // so warnings are off meanwhile.
    if (!tf.engine().backendName) await tf.setBackend('cpu');
    const prod = tf.env().getBool('PROD');
    tf.env().set('PROD', true);
    try {
      const handle = createModel(name, shape);
      n = handle.paramCount;
      handle.model.dispose();
    } finally {
      tf.env().set('PROD', prod);
    }
    parameterCounts.set(key, n);
  }
  return n;
}
