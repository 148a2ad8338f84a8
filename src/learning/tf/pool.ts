/**
 * The silo pool: worker threads (piscina), each with its own TensorFlow.js backend and
 * model, train the silos of a round in parallel while the main thread keeps the
 * schedule, the mixing and the metrics. A silo's weights and Adam moments travel as
 * transferred buffers (no copy either way); the test set is shared memory, given once.
 *
 * Results do not depend on the worker count: every task is a pure function of its
 * inputs, and the engine sends the same inputs (seeds per silo and round) and reduces
 * the results in silo order whatever the pool's size.
 */
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { projectRoot } from '../../project-root.js';
import type { BackendChoice } from './backend.js';
import type { TrainerOptions } from './silo-trainer.js';
import type { ModelSpec } from './models/build.js';
import {
  addEvaluationSums,
  finishEvaluation,
  type Batch,
  type Evaluation,
  type EvaluationSums,
  type LocalTrainer,
  type LocalTrainResult,
  type SiloJob,
} from '../trainer.js';

/** What every worker is started with (`workerData`). */
export interface PoolWorkerInit {
  /** The model every worker builds (absolute paths). */
  model: ModelSpec;
  /** A registered model's module (imported first: it registers the model in the worker). */
  modelModule?: string;
  /** The config file, for messages. */
  where?: string;
  trainerOptions: TrainerOptions;
  backend?: BackendChoice;
  /** wasm threads per worker; undefined: DFLSIM_THREADS or 1. */
  threadsPerWorker?: number;
  /** The test set, as shared memory (not copied per worker). */
  testX?: SharedArrayBuffer;
  testY?: SharedArrayBuffer;
}

/** A task of a worker. */
export type PoolTask =
  | { kind: 'info'; seed: number }
  | { kind: 'evaluate'; weights: Float32Array; start: number; count: number; yPerSample: number }
  | { kind: 'train'; weights: Float32Array; m: Float32Array; v: Float32Array; step: number; batches: Batch[]; lr: number; seed: number };

/** Samples per evaluation batch (the trainer's default), and so per evaluation chunk. */
export const EVAL_BATCH = 64;

/** Evaluation chunks of a test set: one per {@link EVAL_BATCH} samples, so a chunk is one batch. */
const CHUNK_BATCHES = 1;

/** A worker's answer to a train task. */
export interface PoolTrainResult {
  weights: Float32Array;
  m: Float32Array;
  v: Float32Array;
  step: number;
  loss: number;
}

/** Options of {@link createSiloPool}. */
export interface SiloPoolOptions {
  /** A registered model's name, or the spec of a model file or module (absolute paths). */
  model: string | ModelSpec;
  /** A registered model's module (see `ModelDefinition.module`). */
  modelModule?: string;
  /** The config file, for messages. */
  where?: string;
  trainerOptions: TrainerOptions;
  /** Worker threads (default: the machine's cores). */
  workers?: number;
  /** wasm threads inside each worker (default: DFLSIM_THREADS or 1). */
  threadsPerWorker?: number;
  backend?: BackendChoice;
  /** The test set every evaluation uses. */
  test?: { x: Float32Array; y: Float32Array };
}

/** A pool of silo trainers. */
export interface SiloPool {
  readonly workers: number;
  readonly paramCount: number;
  readonly weightCount: number;
  /** Backend and threads the workers use. */
  readonly backend: { backend: string; threads: number; kernels?: string };
  /** Why the model trains through tf.layers although the native step is there (one line), if it does. */
  readonly notice?: string;
  /** Seeded initial weights (the same in every worker). */
  initWeights(seed: number): Promise<Float32Array>;
  /**
   * Train silos (their local steps) in parallel; results come back in job order. The
   * jobs' weight and moment buffers are transferred to the workers: callers must not use
   * them afterwards.
   */
  train(jobs: SiloJob[], onResult?: (index: number, result: LocalTrainResult) => void): Promise<LocalTrainResult[]>;
  /** Evaluate weight vectors on the test set in parallel (results in order). */
  evaluate(weights: Float32Array[]): Promise<Evaluation[]>;
  /** Stop the workers. */
  close(): Promise<void>;
}

/** The machine's cores (the default worker count). */
export function defaultWorkerCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** The compiled worker script (tests run the sources; the worker always runs `dist/`). */
function workerFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const local = path.join(here, 'pool-worker.js');
  if (existsSync(local)) return local;
  // from src/learning/tf (vitest): the compiled copy under dist/
  const compiled = path.join(projectRoot(), 'dist', 'src', 'learning', 'tf', 'pool-worker.js');
  if (!existsSync(compiled)) throw new Error(`dflsim pool: ${compiled} not found: run "npm run build" first`);
  return compiled;
}

/** `a` itself if it owns its whole buffer (so the buffer can be transferred), else a copy. */
function own(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !(a.buffer instanceof SharedArrayBuffer) ? a : a.slice();
}

function shared(a: Float32Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float32Array(sab).set(a);
  return sab;
}

/** Start a pool of silo trainers (resolves once every worker has loaded its model). */
export async function createSiloPool(opts: SiloPoolOptions): Promise<SiloPool> {
  const workers = opts.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`dflsim pool: workers must be a positive integer, got ${workers}`);
  const init: PoolWorkerInit = {
    model: typeof opts.model === 'string' ? { name: opts.model } : opts.model,
    ...(opts.modelModule ? { modelModule: opts.modelModule } : {}),
    ...(opts.where ? { where: opts.where } : {}),
    trainerOptions: opts.trainerOptions,
    backend: opts.backend,
    threadsPerWorker: opts.threadsPerWorker,
    ...(opts.test ? { testX: shared(opts.test.x), testY: shared(opts.test.y) } : {}),
  };
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Infinity,
    workerData: init,
    recordTiming: false,
  });
  // one info task per worker: each loads its model before the first round
  const infos = (await Promise.all(Array.from({ length: workers }, () => pool.run({ kind: 'info', seed: 0 } satisfies PoolTask)))) as {
    backend: string;
    threads: number;
    kernels?: string;
    notice: string;
    paramCount: number;
    weightCount: number;
    yPerSample: number;
  }[];
  const first = infos[0];
  // test samples and label values per sample (1 for a class label, the outputs for regression)
  const yPerSample = opts.test ? first.yPerSample : 1;
  const testSamples = opts.test ? opts.test.y.length / yPerSample : 0;
  return {
    workers,
    paramCount: first.paramCount,
    weightCount: first.weightCount,
    backend: { backend: first.backend, threads: first.threads, ...(first.kernels ? { kernels: first.kernels } : {}) },
    ...(first.notice ? { notice: first.notice } : {}),
    async initWeights(seed) {
      const r = (await pool.run({ kind: 'info', seed } satisfies PoolTask)) as { initWeights: Float32Array };
      return r.initWeights;
    },
    async train(jobs, onResult) {
      const toResult = (r: PoolTrainResult): LocalTrainResult => ({
        weights: r.weights,
        optState: { m: r.m, v: r.v, step: r.step },
        loss: r.loss,
      });
      const results = await Promise.all(
        jobs.map((j, index) => {
          const task: PoolTask = {
            kind: 'train',
            weights: own(j.weights),
            m: own(j.optState.m),
            v: own(j.optState.v),
            step: j.optState.step,
            batches: j.batches.map((b) => ({ x: own(b.x), y: own(b.y), size: b.size })),
            lr: j.lr,
            seed: j.seed,
          };
          const transferList = [
            task.weights.buffer,
            task.m.buffer,
            task.v.buffer,
            ...task.batches.flatMap((b) => [b.x.buffer, b.y.buffer]),
          ] as ArrayBuffer[];
          return (pool.run(task, { transferList: [...new Set(transferList)] as never }) as Promise<PoolTrainResult>).then((r) => {
            const res = toResult(r);
            onResult?.(index, res);
            return res;
          });
        }),
      );
      return results;
    },
    async evaluate(ws) {
      if (!testSamples) throw new Error('dflsim pool: no test set');
      // each weight vector's evaluation split at batch boundaries over the workers; the
      // sums are added in batch order, so the result is the same bits as one evaluation
      const chunk = EVAL_BATCH * CHUNK_BATCHES;
      const starts = Array.from({ length: Math.ceil(testSamples / chunk) }, (_, i) => i * chunk);
      const parts = await Promise.all(
        ws.flatMap((w) =>
          starts.map(
            (start) =>
              pool.run({
                kind: 'evaluate',
                weights: w,
                start,
                count: Math.min(chunk, testSamples - start),
                yPerSample,
              } satisfies PoolTask) as Promise<EvaluationSums>,
          ),
        ),
      );
      return ws.map((_, i) => finishEvaluation(addEvaluationSums(parts.slice(i * starts.length, (i + 1) * starts.length))));
    },
    async close() {
      await pool.destroy();
    },
  };
}

/**
 * A {@link LocalTrainer} backed by a {@link SiloPool}: the engine trains a round's silos in
 * parallel through `trainMany` and evaluates on the pool's test set through
 * `evaluateTestMany`. The initial weights of `seed` are fetched once, up front.
 */
export async function createPoolTrainer(opts: SiloPoolOptions & { seed: number }): Promise<{ trainer: LocalTrainer; pool: SiloPool }> {
  const pool = await createSiloPool(opts);
  try {
    const w0 = await pool.initWeights(opts.seed);
    const inProcessOnly = (what: string): never => {
      throw new Error(`dflsim pool trainer: ${what} runs in the pool (use trainMany / evaluateTestMany)`);
    };
    const trainer: LocalTrainer = {
      paramCount: pool.paramCount,
      weightCount: pool.weightCount,
      initWeights: (seed) => (seed === opts.seed ? w0.slice() : inProcessOnly(`initWeights(${seed}) for another seed`)),
      newOptimizerState: () => ({ m: new Float32Array(pool.paramCount), v: new Float32Array(pool.paramCount), step: 0 }),
      train: () => inProcessOnly('train'),
      evaluate: () => inProcessOnly('evaluate'),
      trainMany: (jobs, onResult) => pool.train(jobs, onResult),
      evaluateTestMany: (ws) => pool.evaluate(ws),
    };
    return { trainer, pool };
  } catch (e) {
    await pool.close();
    throw e;
  }
}
