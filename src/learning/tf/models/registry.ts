/**
 * The model registry's TensorFlow.js side: the five built-ins registered through the same
 * registry library users add to ({@link registerModel}), `createModel(name, options)` for a
 * registered model, and what a trainer needs of any built model (a {@link ModelHandle}):
 * seeded weight initialisation into one flat vector, its loss, sizes and multiply-adds.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../random.js';
import { buildDronet } from './dronet.js';
import { buildFadnet, fadnetGeometry } from './fadnet.js';
import { buildFemnistCnn, FEMNIST_CNN_INPUT_SIZE } from './femnist-cnn.js';
import { buildLinear, buildSmallCnn } from './small.js';
import {
  BUILTIN_MODEL_NAMES,
  findModelDefinition,
  modelNames,
  registerBuiltinModels,
  type LossName,
  type ModelBuildOptions,
  type ModelDefinition,
  type StepTimeDefault,
} from '../../model-registry.js';
import { DEFAULT_STEP_TIME } from '../../model-defaults.js';

/** Names of the built-in models. */
export const MODEL_NAMES = BUILTIN_MODEL_NAMES;
/** A built-in model name. */
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
  /** A registered (non built-in) model: the shape of one sample (default `[inputSize, inputSize, channels]`). */
  inputShape?: number[];
  /** A regression's values per sample (given to a registered model's build). */
  targets?: number;
  /** The loss (default: the model's own). */
  loss?: LossName;
}

/** Where a model came from, for messages: the config field and its value. */
export interface ModelOrigin {
  /** `model.name`, `model.path` or `model.module`. */
  field: 'model.name' | 'model.path' | 'model.module';
  /** The name, or the file. */
  value: string;
}

/** A built model plus what a trainer needs to know about it. */
export interface ModelHandle {
  /** Registry name, or the file's base name. */
  name: string;
  /** Where it came from (config field and value). */
  origin: ModelOrigin;
  /** The TensorFlow.js model (its weights are a cache; the flat vector is the state). */
  model: tf.LayersModel;
  /** Shape of one sample (without batch). */
  inputShape: number[];
  /** Outputs per sample. */
  outputSize: number;
  /** 'regression' (MSE loss, RMSE metric), 'classification' (categorical cross-entropy, accuracy) or 'binary' (binary cross-entropy, accuracy at 0.5). */
  task: 'regression' | 'classification' | 'binary';
  /** The loss it trains with. */
  loss: LossName;
  /** The cross-entropy is computed from logits (the last layer is linear) rather than probabilities (softmax / sigmoid). */
  fromLogits: boolean;
  /** Trainable parameter count. */
  paramCount: number;
  /** Length of the flat weight vector: trainable parameters, then non-trainable state (batch-norm moving statistics). */
  weightCount: number;
  /** Multiply-adds of one sample's forward pass (the layers' kernels times their output positions). */
  macsPerSample: number;
  /** The registration's default step time, if it declares one. */
  stepTime?: StepTimeDefault;
  /** Initial flat weight vector: seeded (Glorot-uniform kernels, zero biases, unit BN scales and variances), or a model file's own. */
  initWeights(seed: number): Float32Array;
}

/** The task of a loss. */
export function taskOfLoss(loss: LossName): ModelHandle['task'] {
  return loss === 'mse' ? 'regression' : loss === 'categorical-crossentropy' ? 'classification' : 'binary';
}

const BUILTINS: Record<ModelName, ModelDefinition> = {
  fadnet: {
    description: 'FADNet steering regression (Nguyen et al. 2022)',
    build: (o) => {
      const size = o.inputSize ?? 200;
      fadnetGeometry(size);
      return buildFadnet({ inputSize: size, seed: o.seed });
    },
    loss: 'mse',
    stepTime: DEFAULT_STEP_TIME.fadnet,
  },
  dronet: {
    description: "DroNet's steering regression (Loquercio et al. 2018), the FADNet paper's baseline",
    build: (o) => buildDronet({ inputSize: o.inputSize ?? 200, seed: o.seed }),
    loss: 'mse',
  },
  'femnist-cnn': {
    description: 'the FEMNIST CNN of Marfoq et al. 2020 (62 classes, logits)',
    build: (o) => {
      if (o.inputSize !== undefined && o.inputSize !== FEMNIST_CNN_INPUT_SIZE) {
        throw new Error(`dflsim createModel: femnist-cnn: inputSize is fixed at ${FEMNIST_CNN_INPUT_SIZE} pixels, got ${o.inputSize}`);
      }
      return buildFemnistCnn({ channels: o.channels ?? 1, numClasses: o.classes ?? 62, seed: o.seed });
    },
    loss: 'categorical-crossentropy',
    stepTime: DEFAULT_STEP_TIME['femnist-cnn'],
  },
  cnn: {
    description: 'a small CNN for 28x28 images (logits)',
    build: (o) => buildSmallCnn({ inputSize: o.inputSize ?? 28, channels: o.channels ?? 1, numClasses: o.classes ?? 62 }),
    loss: 'categorical-crossentropy',
  },
  linear: {
    description: 'one dense layer on the features (regression, or logits of classes)',
    build: (o) => {
      if (!o.inputSize || !Number.isInteger(o.inputSize) || o.inputSize < 1) {
        throw new Error(`dflsim createModel: linear: inputSize (feature count) must be a positive integer, got ${o.inputSize}`);
      }
      return buildLinear({ features: o.inputSize, outputs: o.classes ?? 1, pixelInput: o.pixelInput });
    },
    loss: (o) => (o.classes ? 'categorical-crossentropy' : 'mse'),
    stepTime: DEFAULT_STEP_TIME.linear,
  },
};
registerBuiltinModels(BUILTINS);

/**
 * Build a registered model (a built-in or one added with `registerModel`).
 * @param name 'fadnet' | 'femnist-cnn' | 'cnn' | 'linear' | a registered name
 * @param opts sizes, classes and seed
 */
export function createModel(name: string, opts: CreateModelOptions = {}): ModelHandle {
  const def = findModelDefinition(name);
  if (!def) throw new Error(`dflsim createModel: name: unknown model "${name}" (known: ${modelNames().join(', ')})`);
  const builtin = (MODEL_NAMES as readonly string[]).includes(name);
  const buildOpts: ModelBuildOptions = {
    tf,
    inputShape: opts.inputShape ?? (opts.inputSize ? [opts.inputSize, opts.inputSize, opts.channels ?? 1] : []),
    seed: opts.seed ?? 0,
    ...(opts.numClasses !== undefined ? { classes: opts.numClasses } : {}),
    ...(opts.targets !== undefined ? { targets: opts.targets } : {}),
    ...(opts.inputSize !== undefined ? { inputSize: opts.inputSize } : {}),
    ...(opts.channels !== undefined ? { channels: opts.channels } : {}),
    ...(opts.pixelInput !== undefined ? { pixelInput: opts.pixelInput } : {}),
  };
  const model = def.build(buildOpts);
  if (!(model instanceof tf.LayersModel))
    throw new Error(
      `dflsim createModel: ${name}: build() did not return a tf.LayersModel of dflsim's TensorFlow.js (build the layers with options.tf, not another copy of @tensorflow/tfjs)`,
    );
  const loss = opts.loss ?? (typeof def.loss === 'function' ? def.loss(buildOpts) : def.loss);
  return handleOf(model, {
    name,
    origin: { field: 'model.name', value: name },
    loss,
    ...(def.stepTime ? { stepTime: def.stepTime } : {}),
    // the built-ins keep their initialisation bit for bit; other models also draw
    // depthwise, pointwise, recurrent and embedding kernels
    extendedInit: !builtin,
  });
}

/** Whether the last layer outputs probabilities (softmax / sigmoid) or logits (linear), as `fromLogits` for `loss`. */
function lastActivation(model: tf.LayersModel): string {
  const last = model.layers[model.layers.length - 1]!;
  const cls = last.getClassName();
  if (cls === 'Softmax') return 'softmax';
  const cfg = last.getConfig() as { activation?: unknown };
  return typeof cfg.activation === 'string' ? cfg.activation : 'linear';
}

/**
 * Whether `loss` reads `model`'s outputs as logits; an activation that is neither the
 * loss's own (softmax, sigmoid) nor linear is an error.
 */
export function lossFromLogits(model: tf.LayersModel, loss: LossName): boolean {
  const act = lastActivation(model);
  if (loss === 'mse' || act === 'linear') return true;
  const own = loss === 'categorical-crossentropy' ? 'softmax' : 'sigmoid';
  if (act === own) return false;
  throw new Error(
    `dflsim model: loss "${loss}" needs the last layer's activation to be ${own} (probabilities) or linear (logits), got ${act}`,
  );
}

/**
 * The default loss of a model read from its last layer: softmax: categorical, sigmoid:
 * binary; linear (logits or values): categorical on class labels (`classes` given), else mse.
 */
export function lossOfLastLayer(model: tf.LayersModel, classes?: number): LossName {
  const act = lastActivation(model);
  if (act === 'softmax') return 'categorical-crossentropy';
  if (act === 'sigmoid') return 'binary-crossentropy';
  return classes !== undefined ? 'categorical-crossentropy' : 'mse';
}

/**
 * Multiply-adds of one sample through `model`: per layer, each weight whose role ends in
 * `kernel` (dense, convolutions, depthwise and pointwise kernels) or is `embeddings`, times the
 * layer's output positions (its output elements over the last axis). Pooling, activations
 * and normalisation count nothing.
 */
export function macsPerSample(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    let out = layer.outputShape as (number | null)[] | (number | null)[][];
    if (Array.isArray(out[0])) out = out[0] as (number | null)[];
    const dims = (out as (number | null)[]).slice(1, -1).map((d) => d ?? 1);
    const positions = dims.reduce((a, b) => a * b, 1);
    for (const w of layer.trainableWeights) {
      const role = weightRole(w);
      if (role.endsWith('kernel')) total += (w.shape as number[]).reduce((a, b) => a * b, 1) * positions;
    }
  }
  return total;
}

/**
 * A {@link ModelHandle} of a built model: sizes, counts and the initial weights.
 * @param init the flat initial weights of a model file (else seeded ones)
 */
export function handleOf(
  model: tf.LayersModel,
  o: {
    name: string;
    origin: ModelOrigin;
    loss: LossName;
    stepTime?: StepTimeDefault;
    extendedInit?: boolean;
    init?: Float32Array;
  },
): ModelHandle {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error(
      `dflsim model: ${o.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; dflsim trains models with one of each`,
    );
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.some((d) => d === null || !(d > 0)))
    throw new Error(
      `dflsim model: ${o.name}'s input shape [${inputShape.map((d) => d ?? 'null').join(', ')}] is not fixed (every axis but the batch needs a size)`,
    );
  const outShape = model.outputs[0]!.shape.slice(1);
  if (outShape.length !== 1 || !(outShape[0]! > 0))
    throw new Error(`dflsim model: ${o.name}'s output shape [${outShape.map((d) => d ?? 'null').join(', ')}] is not one vector per sample`);
  const fromLogits = lossFromLogits(model, o.loss);
  const trainable = model.trainableWeights;
  const state = model.nonTrainableWeights;
  const count = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
  const paramCount = count(trainable);
  const weightCount = paramCount + count(state);
  const init = o.init;
  if (init && init.length !== weightCount) throw new Error(`dflsim model: ${o.name}: ${init.length} initial weights for ${weightCount}`);
  return {
    name: o.name,
    origin: o.origin,
    model,
    inputShape: inputShape as number[],
    outputSize: outShape[0]!,
    task: taskOfLoss(o.loss),
    loss: o.loss,
    fromLogits,
    paramCount,
    weightCount,
    macsPerSample: macsPerSample(model),
    ...(o.stepTime ? { stepTime: o.stepTime } : {}),
    initWeights: init ? () => init.slice() : (s: number) => initFlat([...trainable, ...state], weightCount, s, o.extendedInit === true),
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
function initFlat(vars: tf.LayerVariable[], total: number, seed: number, extended: boolean): Float32Array {
  const out = new Float32Array(total);
  const root = createRng(seed);
  let off = 0;
  vars.forEach((v, index) => {
    const shape = v.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const role = weightRole(v);
    if (role === 'gamma' || role === 'moving_variance') out.fill(1, off, off + n);
    else if (role === 'kernel' || (extended && (role.endsWith('kernel') || role === 'embeddings'))) {
      const rng = root.fork(`${index}:${role}`);
      let fanIn: number;
      let fanOut: number;
      if (shape.length === 4) {
        const rf = shape[0]! * shape[1]!;
        fanIn = rf * shape[2]!;
        fanOut = rf * shape[3]!;
      } else if (extended && shape.length >= 3) {
        // other convolution kernels [...receptive field, in, out]
        const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
        fanIn = rf * shape[shape.length - 2]!;
        fanOut = rf * shape[shape.length - 1]!;
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
