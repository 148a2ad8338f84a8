/**
 * The model registry: every model a config can name (`model.name`), the five built-ins
 * (fadnet, dronet, femnist-cnn, cnn, linear) and those a library user adds with
 * {@link registerModel}. A definition builds a TensorFlow.js `LayersModel` from the input
 * shape and options and declares its default loss and, optionally, its default step time.
 *
 * This module does not load TensorFlow.js (it only refers to its types), so that configs can
 * be checked against the registered names without it; the built-ins are registered by the
 * training adapter (`learning/tf/models/registry.ts`), whose import registers them.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { DflsimInputError } from '../errors.js';

/** Losses a model trains with (Keras semantics; see `docs/models.md`). */
export const LOSS_NAMES = ['mse', 'categorical-crossentropy', 'binary-crossentropy'] as const;
/** A loss name. */
export type LossName = (typeof LOSS_NAMES)[number];

/** Names of the built-in models (registered by the training adapter). */
export const BUILTIN_MODEL_NAMES = ['fadnet', 'dronet', 'femnist-cnn', 'cnn', 'linear'] as const;

/** The documented default compute time of one local step, with where it comes from. */
export interface StepTimeDefault {
  /** Compute time of one local step (ms). */
  computeMs: number;
  /** Where the figure comes from (shown with the notice and in the config reference). */
  source: string;
}

/** What a definition's `build` is given. */
export interface ModelBuildOptions {
  /** dflsim's own TensorFlow.js: build the layers with it (a module's own copy of `@tensorflow/tfjs` is another engine). */
  tf: typeof tfTypes;
  /** Shape of one sample, without the batch (e.g. `[28, 28, 1]`). */
  inputShape: number[];
  /** Seed of in-model randomness (dropout masks); the initial weights are drawn by dflsim from the run's seed. */
  seed: number;
  /** Classes of a classification dataset (undefined for regression). */
  classes?: number;
  /** Values per sample to predict in a regression (e.g. 1: a steering angle). */
  targets?: number;
  /** Built-ins: square input side in pixels (the `model.inputSize` of the config). */
  inputSize?: number;
  /** Built-ins: input channels. */
  channels?: number;
  /** Built-in linear: the features are pixels in [0, 255] (scaled to [-1, 1] first). */
  pixelInput?: boolean;
}

/** A registered model. */
export interface ModelDefinition {
  /** Build the model (weights are overwritten by dflsim's seeded initialisation). */
  build(options: ModelBuildOptions): tfTypes.LayersModel;
  /** The loss it trains with unless the config's `model.loss` says otherwise (a function of the options for a model that does both). */
  loss: LossName | ((options: ModelBuildOptions) => LossName);
  /**
   * The default compute time of one local step; absent: derived from the model's
   * multiply-adds per sample and the batch size (see `defaultStepTimeOf`).
   */
  stepTime?: StepTimeDefault;
  /**
   * An ES module (absolute path or file: URL) whose import registers this model under the
   * same name: worker threads (`workers` > 1) import it to build the model there. Without it
   * the model is in-process only (`workers: 1`, no `distributeSilos`, no `--queue`).
   */
  module?: string;
  /** One line for listings. */
  description?: string;
}

const definitions = new Map<string, ModelDefinition>();
const builtins = new Set<string>(BUILTIN_MODEL_NAMES);

/** A model name: a letter or digit, then letters, digits, `_`, `.` or `-` (at most 64). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Register a model under `name`, so that a config's `model: {"name": ...}` trains it.
 * The built-ins' names cannot be taken; registering a name again replaces the definition.
 * @throws DflsimInputError on a bad name or definition, naming `registerModel: name` or `registerModel: definition`
 */
export function registerModel(name: string, definition: ModelDefinition): void {
  if (typeof name !== 'string' || !MODEL_NAME.test(name))
    throw new DflsimInputError('registerModel: name', `${JSON.stringify(name)} is not 1-64 letters, digits, "_", "." or "-"`);
  if (builtins.has(name)) throw new DflsimInputError('registerModel: name', `"${name}" is a built-in model`);
  if (!definition || typeof definition.build !== 'function')
    throw new DflsimInputError('registerModel: definition', `${name}: the definition has no build(options) function`);
  if (typeof definition.loss !== 'function' && !(LOSS_NAMES as readonly string[]).includes(definition.loss))
    throw new DflsimInputError(
      'registerModel: definition',
      `${name}: loss must be one of ${LOSS_NAMES.join(', ')}, got ${JSON.stringify(definition.loss)}`,
    );
  if (definition.stepTime && !(definition.stepTime.computeMs >= 0))
    throw new DflsimInputError('registerModel: definition', `${name}: stepTime.computeMs must be a number >= 0`);
  if (definition.module !== undefined && (typeof definition.module !== 'string' || definition.module === ''))
    throw new DflsimInputError('registerModel: definition', `${name}: module must be a path or file: URL`);
  definitions.set(name, definition);
}

/** Register the built-ins (the training adapter's import does it; internal). */
export function registerBuiltinModels(defs: Record<(typeof BUILTIN_MODEL_NAMES)[number], ModelDefinition>): void {
  for (const [name, d] of Object.entries(defs)) definitions.set(name, d);
}

/** The definition registered under `name`, or undefined. */
export function findModelDefinition(name: string): ModelDefinition | undefined {
  return definitions.get(name);
}

/** Whether `name` is a built-in model. */
export function isBuiltinModel(name: string): boolean {
  return builtins.has(name);
}

/** Every model name a config may give: the built-ins and the registered ones. */
export function modelNames(): string[] {
  return [...new Set([...BUILTIN_MODEL_NAMES, ...definitions.keys()])];
}
