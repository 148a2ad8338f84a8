/**
 * A run's model from its config: a registered model by name, a LayersModel from files
 * (`model.path`), or one built by the user's module (`model.module`), as one
 * {@link ModelHandle}. Worker threads rebuild it from the same {@link ModelSpec}.
 */
import { SeededDropout } from './layers.js';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DflsimInputError } from '../../../errors.js';
import { findModelDefinition, isBuiltinModel, LOSS_NAMES, type LossName } from '../../model-registry.js';
import { createModel, handleOf, lossOfLastLayer, type CreateModelOptions, type ModelHandle } from './registry.js';
import { loadModelFile } from './model-file.js';

/** Which model to build: exactly one of `name`, `path` (a model.json) or `module` (absolute paths). */
export interface ModelSpec {
  name?: string;
  /** model.json of a LayersModel (absolute). */
  path?: string;
  /** `path`: the file's weights start every silo (`file`, the default) or seeded ones (`seeded`). */
  init?: 'file' | 'seeded';
  /** An ES module exporting `createModel(inputShape, options)` (absolute). */
  module?: string;
  /** The loss (default: the model's). */
  loss?: LossName;
}

/** A spec's config field and value, for messages. */
export function specOrigin(spec: ModelSpec): { field: 'model.name' | 'model.path' | 'model.module'; value: string } {
  if (spec.path !== undefined) return { field: 'model.path', value: spec.path };
  if (spec.module !== undefined) return { field: 'model.module', value: spec.module };
  return { field: 'model.name', value: spec.name ?? 'fadnet' };
}

/** What a module's `createModel` is given as its second argument. */
export interface ModuleModelOptions {
  /** dflsim's TensorFlow.js: build every layer with it (a module's own `@tensorflow/tfjs` is another engine). */
  tf: typeof tf;
  /** Seed of in-model randomness; dflsim draws the initial weights from the run's seed. */
  seed: number;
  /** Classes of a classification dataset. */
  classes?: number;
  /** Values per sample of a regression. */
  targets?: number;
}

/** A layer entry of a LayersModel's JSON topology (Sequential or functional). */
interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * The model with every Keras `Dropout` layer replaced by dflsim's seeded dropout (the same
 * function: keep with probability 1 - rate, scaled by 1 / (1 - rate)), whose masks are drawn
 * from the silo's seed: TensorFlow.js's own Dropout draws unseeded masks, and a run must be a
 * function of its config and seed. Weights are kept; a model without Dropout is returned as is.
 * @throws Error for a Dropout with a noise shape (not supported)
 */
export async function withSeededDropout(model: tf.LayersModel, seed: number): Promise<tf.LayersModel> {
  if (!model.layers.some((l) => l.getClassName() === 'Dropout')) return model;
  const json = model.toJSON(undefined, false) as unknown as { class_name: string; config: { layers: LayerJson[] } };
  for (const layer of json.config.layers) {
    if (layer.class_name !== 'Dropout') continue;
    const c = layer.config;
    if (c.noise_shape != null)
      throw new Error(`dflsim model: layer "${String(c.name)}" (Dropout) has a noise_shape, which is not supported`);
    layer.class_name = SeededDropout.className;
    layer.config = { name: c.name, rate: c.rate, seed };
  }
  const rebuilt = await tf.models.modelFromJSON({ modelTopology: json as unknown as tf.io.ModelJSON['modelTopology'] });
  rebuilt.setWeights(model.getWeights());
  model.dispose();
  return rebuilt;
}

/** The values of `vars` one after another in one Float32Array (no intermediate arrays). */
function flatWeights(vars: readonly tf.LayerVariable[]): Float32Array {
  const parts = vars.map((v) => v.read().dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Base name of a file path (for a handle's name). */
function baseName(p: string): string {
  return p.replace(/\\/g, '/').split('/').pop() ?? p;
}

/**
 * Build the model of a spec.
 * @param opts sizes, classes and seed (as for {@link createModel}); `inputShape` is what a module model is given
 * @param where the config file (`exp.json`), prefixed to the spec's field in errors
 */
export async function buildModel(spec: ModelSpec, opts: CreateModelOptions = {}, where = 'config'): Promise<ModelHandle> {
  const origin = specOrigin(spec);
  const field = `${where}: ${origin.field}`;
  if (spec.loss !== undefined && !(LOSS_NAMES as readonly string[]).includes(spec.loss))
    throw new DflsimInputError(`${where}: model.loss`, `expected one of ${LOSS_NAMES.join(', ')}, got ${JSON.stringify(spec.loss)}`);
  const loss = spec.loss ?? opts.loss;
  const wrap = (e: unknown): never => {
    if (e instanceof DflsimInputError) throw e;
    const m = (e as Error).message.replace(/^dflsim (createModel|model): /, '');
    throw new DflsimInputError(/loss/.test(m) && loss !== undefined ? `${where}: model.loss` : field, m);
  };
  if (spec.path !== undefined) {
    let model = await loadModelFile(spec.path, field);
    try {
      model = await withSeededDropout(model, opts.seed ?? 0);
      const init = spec.init === 'seeded' ? undefined : flatWeights([...model.trainableWeights, ...model.nonTrainableWeights]);
      return handleOf(model, {
        name: baseName(spec.path),
        origin,
        loss: loss ?? lossOfLastLayer(model, opts.numClasses),
        extendedInit: true,
        ...(init ? { init } : {}),
      });
    } catch (e) {
      model.dispose();
      return wrap(e);
    }
  }
  if (spec.module !== undefined) {
    let mod: { createModel?: unknown; loss?: unknown };
    try {
      mod = (await import(pathToFileURL(spec.module).href)) as typeof mod;
    } catch (e) {
      throw new DflsimInputError(field, `cannot import ${spec.module}: ${(e as Error).message}`);
    }
    if (typeof mod.createModel !== 'function')
      throw new DflsimInputError(field, `${spec.module} exports no createModel(inputShape, options) function`);
    const inputShape = opts.inputShape ?? (opts.inputSize ? [opts.inputSize, opts.inputSize, opts.channels ?? 1] : []);
    const moduleOpts: ModuleModelOptions = {
      tf,
      seed: opts.seed ?? 0,
      ...(opts.numClasses !== undefined ? { classes: opts.numClasses } : {}),
      ...(opts.targets !== undefined ? { targets: opts.targets } : {}),
    };
    let made: unknown;
    try {
      made = await (mod.createModel as (s: number[], o: ModuleModelOptions) => unknown)(inputShape, moduleOpts);
    } catch (e) {
      throw new DflsimInputError(field, `${spec.module}: createModel failed: ${(e as Error).message}`);
    }
    if (!(made instanceof tf.LayersModel))
      throw new DflsimInputError(
        field,
        `${spec.module}: createModel did not return a tf.LayersModel of dflsim's TensorFlow.js: build the layers with options.tf (a module that imports its own @tensorflow/tfjs makes them in another engine)`,
      );
    let model: tf.LayersModel;
    try {
      model = await withSeededDropout(made, opts.seed ?? 0);
    } catch (e) {
      made.dispose();
      return wrap(e);
    }
    const modLoss =
      typeof mod.loss === 'string' && (LOSS_NAMES as readonly string[]).includes(mod.loss) ? (mod.loss as LossName) : undefined;
    try {
      return handleOf(model, {
        name: baseName(spec.module),
        origin,
        loss: loss ?? modLoss ?? lossOfLastLayer(model, opts.numClasses),
        extendedInit: true,
      });
    } catch (e) {
      model.dispose();
      return wrap(e);
    }
  }
  // a registered model's errors are its own (Error, "dflsim <model>: ..."): the caller names the field
  return createModel(spec.name ?? 'fadnet', { ...opts, ...(loss !== undefined ? { loss } : {}) });
}

/** What the clock and the checks need of a model, without the model. */
export interface ModelSummary {
  name: string;
  origin: ModelHandle['origin'];
  inputShape: number[];
  outputSize: number;
  loss: LossName;
  fromLogits: boolean;
  paramCount: number;
  macsPerSample: number;
  stepTime?: ModelHandle['stepTime'];
  /** A registered model whose definition names no module: it cannot be rebuilt in a worker thread. */
  inProcessOnly: boolean;
}

const summaries = new Map<string, ModelSummary>();

/**
 * Build a spec's model once to read its sizes, loss and multiply-adds, then free it
 * (registered models are kept per name and options; files and modules are read each time).
 */
export async function describeModel(spec: ModelSpec, opts: CreateModelOptions = {}, where = 'config'): Promise<ModelSummary> {
  const { seed: _seed, ...shape } = opts;
  const key = spec.name !== undefined && spec.path === undefined && spec.module === undefined ? JSON.stringify([spec, shape]) : undefined;
  const cached = key !== undefined ? summaries.get(key) : undefined;
  if (cached && findModelDefinition(spec.name!)) return cached;
  // built on the active backend; before training has chosen one, on the cpu backend (a
  // registered wasm backend cannot be used before its asynchronous start, and training
  // sets its own backend later). Its "install tfjs-node" notice is not for this count,
  // so warnings are off meanwhile.
  if (!tf.engine().backendName) await tf.setBackend('cpu');
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  try {
    const h = await buildModel(spec, shape, where);
    const def = spec.name !== undefined ? findModelDefinition(spec.name) : undefined;
    const s: ModelSummary = {
      name: h.name,
      origin: h.origin,
      inputShape: h.inputShape,
      outputSize: h.outputSize,
      loss: h.loss,
      fromLogits: h.fromLogits,
      paramCount: h.paramCount,
      macsPerSample: h.macsPerSample,
      ...(h.stepTime ? { stepTime: h.stepTime } : {}),
      inProcessOnly: def !== undefined && spec.name !== undefined && !isBuiltinModel(spec.name) && def.module === undefined,
    };
    h.model.dispose();
    if (key !== undefined) summaries.set(key, s);
    return s;
  } finally {
    tf.env().set('PROD', prod);
  }
}
