/**
 * A worker of the silo pool ({@link ./pool.ts}): one TensorFlow.js backend (wasm,
 * single-threaded by default) and one model, into which the silos' flat states are
 * swapped. A task trains one silo for its local steps, or evaluates weight vectors on the
 * run's test set. Each task is a pure function of its inputs (weights, optimiser state,
 * batches, learning rate, dropout seed), so which worker runs it does not change a bit.
 */
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { EVAL_BATCH, type PoolTask, type PoolWorkerInit, type PoolTrainResult } from './pool.js';
import { initBackend } from './backend.js';
import { createTrainer, recordedKernels } from './silo-trainer.js';
import { labelsPerSample } from '../trainer.js';
import { buildModel } from './models/build.js';

const init = workerData as PoolWorkerInit;
const info = await initBackend({ backend: init.backend, threads: init.threadsPerWorker });
// a registered model's module registers it in this thread too
if (init.modelModule) await import(/^file:/.test(init.modelModule) ? init.modelModule : pathToFileURL(init.modelModule).href);
const trainer = createTrainer(await buildModel(init.model, init.trainerOptions, init.where), init.trainerOptions);
const testX = init.testX ? new Float32Array(init.testX) : undefined;
const testY = init.testY ? new Float32Array(init.testY) : undefined;

/** A transferable result: the new state's buffers move back to the main thread. */
function transferable(r: PoolTrainResult): unknown {
  return move({
    get [transferableSymbol]() {
      return [r.weights.buffer, r.m.buffer, r.v.buffer];
    },
    get [valueSymbol]() {
      return r;
    },
  });
}

/** Run one task. */
export default function task(t: PoolTask): unknown {
  if (t.kind === 'info') {
    const initWeights = trainer.initWeights(t.seed);
    // label values per sample: an evaluation of no samples says the task and output size
    const probe = trainer.evaluateSums(initWeights, new Float32Array(0), new Float32Array(0));
    return {
      backend: info.backend,
      threads: info.threads,
      kernels: recordedKernels(info.kernels, trainer),
      notice: ((p) => (p.native ? '' : p.notice))(trainer.trainingPath()),
      paramCount: trainer.paramCount,
      weightCount: trainer.weightCount,
      yPerSample: labelsPerSample(probe),
      initWeights,
    };
  }
  if (t.kind === 'evaluate') {
    if (!testX || !testY) throw new Error('dflsim pool: no test set');
    // one chunk of the test set, at batch boundaries: the main thread adds the sums in order
    const sample = (testX.length / testY.length) * t.yPerSample;
    return trainer.evaluateSums(
      t.weights,
      testX.subarray(t.start * sample, (t.start + t.count) * sample),
      testY.subarray(t.start * t.yPerSample, (t.start + t.count) * t.yPerSample),
      EVAL_BATCH,
    );
  }
  // the task's buffers were transferred here: train in place, send the same buffers back
  const r = trainer.train(t.weights, { m: t.m, v: t.v, step: t.step }, t.batches, t.lr, t.seed, true);
  return transferable({ weights: r.weights, m: r.optState.m, v: r.optState.v, step: r.optState.step, loss: r.loss });
}
