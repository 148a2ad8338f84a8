/**
 * A run's local trainer: the TensorFlow.js trainer of the config's model on this machine's
 * worker threads, or the silos trained on a Redis queue's workers.
 */
import os from 'node:os';
import { DflsimInputError } from '../errors.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { type TrainConfig } from './config.js';

import type { RunOptions } from './run-types.js';
import { isCharacterConfig, trainerOptionsOf } from './run-data.js';

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

/** With `siloQueue`: the trainer's `trainMany` sends the round's silos to the queue's workers in groups. */
export async function distributed<T extends { trainer: LocalTrainer; dispose: () => Promise<void> | void }>(
  local: T,
  cfg: TrainConfig,
  opts: RunOptions,
  log: (l: string) => void,
): Promise<T> {
  if (!opts.siloQueue) return local;
  const { createRemoteTrainMany } = await import('./queue/silo-groups.js');
  const remote = await createRemoteTrainMany({
    target: opts.siloQueue,
    model: cfg.model,
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

export async function defaultTrainer(
  cfg: TrainConfig,
  workers: number,
  test: { x: Float32Array; y: Float32Array },
): Promise<{
  trainer: LocalTrainer;
  backend: { backend: string; threads: number; workers: number; kernels?: string };
  dispose: () => Promise<void> | void;
  /** Why the model trains through tf.layers although the native step is there (one line), if it does. */
  notice?: string;
}> {
  const model = cfg.model.name;
  const trainerOptions = trainerOptionsOf(cfg);
  if (workers > 1) {
    // a pool of worker threads, each with its own backend and model
    const { createPoolTrainer } = await import('../learning/tf/pool.js');
    const { trainer, pool } = await createPoolTrainer({
      model,
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
  const trainer = createTrainer(model, trainerOptions);
  const kernels = recordedKernels(info.kernels, trainer);
  const path = trainer.trainingPath();
  return {
    trainer,
    backend: { backend: info.backend, threads: info.threads, workers: 1, ...(kernels ? { kernels } : {}) },
    dispose: () => trainer.dispose(),
    ...(!path.native && path.notice ? { notice: path.notice } : {}),
  };
}
