/**
 * A run's local trainer: the TensorFlow.js trainer of the config's model on this machine's
 * worker threads, or the silos trained on a Redis queue's workers.
 */
import os from 'node:os';
import { DflsimInputError } from '../errors.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { type TrainConfig } from './config.js';

import type { RunOptions } from './run-types.js';
import { configDataShape, isCharacterConfig, isUserDataConfig, modelSpecOf, trainerOptionsOf } from './run-data.js';
import { BUILTIN_MODEL_NAMES, findModelDefinition, isBuiltinModel } from '../learning/model-registry.js';

/** Worker threads of a run: the option, else the config, else DFLSIM_WORKERS, else the machine's cores; never more than the silos. */
export function resolveWorkers(requested: number | undefined, silos: number, where: string): number {
  let w = requested;
  if (w === undefined && process.env.DFLSIM_WORKERS !== undefined && process.env.DFLSIM_WORKERS !== '') {
    w = Number(process.env.DFLSIM_WORKERS);
    if (!Number.isInteger(w) || w < 1)
      throw new DflsimInputError('DFLSIM_WORKERS', `expected a positive integer, got "${process.env.DFLSIM_WORKERS}"`);
  }
  if (w !== undefined && (!Number.isInteger(w) || w < 1)) throw new DflsimInputError(where, `expected a positive integer, got ${w}`);
  const cores = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  return Math.max(1, Math.min(w ?? cores, silos));
}

/** Whether a config's model was registered in this process without a `module` (worker threads cannot build it). */
export function inProcessOnlyModel(m: { name?: string }): boolean {
  const def = m.name !== undefined ? findModelDefinition(m.name) : undefined;
  return m.name !== undefined && !isBuiltinModel(m.name) && def !== undefined && def.module === undefined;
}

/**
 * A registered model without a `module` exists only in this process: worker threads,
 * silo groups on the queue and queued runs cannot build it; a model file or module cannot
 * be sent to the queue's silo workers. Refused, naming the field that asks for it.
 */
export function checkModelPlacement(
  cfg: Pick<TrainConfig, 'model' | 'distributeSilos'>,
  where: { workers?: number; siloQueue?: boolean; field: string },
): void {
  const m = cfg.model;
  const name = m.name;
  const inProcess = inProcessOnlyModel(m);
  if (where.siloQueue && (name === undefined || !isBuiltinModel(name)))
    throw new DflsimInputError(
      `${where.field}distributeSilos`,
      `the queue's silo workers build only the built-in models (${BUILTIN_MODEL_NAMES.join(', ')}); ${m.path !== undefined ? `a model file (model.path)` : m.module !== undefined ? 'a module (model.module)' : `model "${name}", registered in this process,`} cannot be sent to them: train it locally (workers on this machine) or without distributeSilos`,
    );
  if (inProcess && where.workers !== undefined && where.workers > 1)
    throw new DflsimInputError(
      `${where.field}workers`,
      `model "${name}" was registered in this process without a "module", so worker threads cannot build it: set "workers": 1, or give registerModel a module (a path or file: URL whose import registers the model)`,
    );
}

/** With `siloQueue`: the trainer's `trainMany` sends the round's silos to the queue's workers in groups. */
export async function distributed<T extends { trainer: LocalTrainer; dispose: () => Promise<void> | void }>(
  local: T,
  cfg: TrainConfig,
  opts: RunOptions,
  log: (l: string) => void,
): Promise<T> {
  if (!opts.siloQueue) return local;
  if (isUserDataConfig(cfg))
    throw new DflsimInputError(
      'distributeSilos',
      `the queue's silo workers train on the built-in datasets only; a "${cfg.dataset.kind}" dataset trains on this machine (workers use its cores)`,
    );
  checkModelPlacement(cfg, { siloQueue: true, field: '' });
  const { createRemoteTrainMany } = await import('./queue/silo-groups.js');
  const remote = await createRemoteTrainMany({
    target: opts.siloQueue,
    model: { name: cfg.model.name ?? 'fadnet', inputSize: cfg.model.inputSize, ...(cfg.model.loss ? { loss: cfg.model.loss } : {}) },
    characters: isCharacterConfig(cfg),
    log,
    ...(cfg.backend ? { backend: cfg.backend } : {}),
    ...(cfg.siloGroups ? { groups: cfg.siloGroups } : {}),
  });
  log(`silos in ${remote.groups} group${remote.groups > 1 ? 's' : ''} on the queue's workers`);
  return {
    ...local,
    trainer: { ...local.trainer, trainMany: (jobs) => remote.trainMany(jobs) },
    dispose: async () => {
      await remote.close();
      await local.dispose();
    },
  };
}

/**
 * The TensorFlow.js trainer of a config's model: in this thread, or a pool of worker threads.
 * @param configFile the config's path (model files and modules are relative to it)
 */
export async function defaultTrainer(
  cfg: TrainConfig,
  workers: number,
  test: { x: Float32Array; y: Float32Array },
  configFile = 'config',
): Promise<{
  trainer: LocalTrainer;
  backend: { backend: string; threads: number; workers: number; kernels?: string };
  dispose: () => Promise<void> | void;
  /** Why the model trains through tf.layers although the native step is there (one line), if it does. */
  notice?: string;
}> {
  const spec = modelSpecOf(cfg.model, configFile);
  const trainerOptions = trainerOptionsOf(cfg, await configDataShape(cfg, configFile), configFile);
  if (workers > 1) {
    checkModelPlacement(cfg, { workers, field: `${configFile}: ` });
    const def = spec.name !== undefined ? findModelDefinition(spec.name) : undefined;
    // a pool of worker threads, each with its own backend and model
    const { createPoolTrainer } = await import('../learning/tf/pool.js');
    const { trainer, pool } = await createPoolTrainer({
      model: spec,
      ...(def?.module ? { modelModule: def.module } : {}),
      where: configFile,
      trainerOptions,
      workers,
      threadsPerWorker: cfg.threads,
      backend: cfg.backend,
      test: { x: test.x, y: test.y },
      seed: cfg.seed,
    });
    return { trainer, backend: { ...pool.backend, workers }, dispose: () => pool.close(), ...(pool.notice ? { notice: pool.notice } : {}) };
  }
  const { initBackend } = await import('../learning/tf/backend.js');
  const info = await initBackend({ backend: cfg.backend, threads: cfg.threads });
  const { createTrainer, recordedKernels } = await import('../learning/tf/silo-trainer.js');
  const { buildModel } = await import('../learning/tf/models/build.js');
  const trainer = createTrainer(await buildModel(spec, trainerOptions, configFile), trainerOptions);
  const kernels = recordedKernels(info.kernels, trainer);
  const path = trainer.trainingPath();
  return {
    trainer,
    backend: { backend: info.backend, threads: info.threads, workers: 1, ...(kernels ? { kernels } : {}) },
    dispose: () => trainer.dispose(),
    ...(!path.native && path.notice ? { notice: path.notice } : {}),
  };
}
