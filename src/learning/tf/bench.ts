/**
 * Training-throughput benchmark of a registry model on the chosen backend (the figure
 * compared with PyTorch's in bench/train.ts). Never asserted in tests.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { initBackend, type BackendChoice, type BackendName } from './backend.js';
import { createTrainer } from './silo-trainer.js';

/** Options of {@link benchTrain}. */
export interface BenchTrainOptions {
  /** Registry model name (default 'fadnet'). */
  model?: string;
  /** Input side (pixels; default 200). */
  size?: number;
  /** Samples per step (default 32). */
  batch?: number;
  /** Backend choice (default env / 'auto'). */
  backend?: BackendChoice;
  /** wasm threads (default env / 1). */
  threads?: number;
  /** Timed steps after one warm-up step (default 3). */
  steps?: number;
  /** Seed of the synthetic data and weights (default 0). */
  seed?: number;
}

/** Result of {@link benchTrain}. */
export interface BenchTrainResult {
  backend: BackendName;
  threads: number;
  model: string;
  /** Trainable parameters. */
  params: number;
  /** Samples per step. */
  batch: number;
  /** Input side (pixels). */
  size: number;
  /** Training throughput (samples/s), warm-up excluded. */
  samplesPerSec: number;
  /** Mean wall time of one Adam step (ms). */
  msPerStep: number;
  /** Bytes of one silo's state (weights + Adam m, v). */
  bytesPerSilo: number;
}

/** Time Adam steps of a model on synthetic data. */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const model = opts.model ?? 'fadnet';
  const size = opts.size ?? 200;
  const batch = opts.batch ?? 32;
  const steps = opts.steps ?? 3;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`dflsim benchTrain: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`dflsim benchTrain: steps must be a positive integer, got ${steps}`);
  const info = await initBackend({ backend: opts.backend, threads: opts.threads });
  const trainer = createTrainer(model, model === 'linear' ? { inputSize: size } : { inputSize: size, numClasses: 10 });
  try {
    const rng = createRng(opts.seed ?? 0);
    const perSample = model === 'linear' ? size : model === 'cnn' ? size * size : size * size;
    const x = new Float32Array(batch * perSample);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256);
    const y = new Float32Array(batch);
    for (let i = 0; i < batch; i++) y[i] = model === 'cnn' ? rng.int(10) : rng.normal();
    let weights = trainer.initWeights(opts.seed ?? 0);
    let optState = trainer.newOptimizerState();
    const step = () => {
      const r = trainer.train(weights, optState, [{ x, y, size: batch }], 1e-3);
      weights = r.weights;
      optState = r.optState;
    };
    step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const msPerStep = (performance.now() - t0) / steps;
    return {
      backend: info.backend,
      threads: info.threads,
      model,
      params: trainer.paramCount,
      batch,
      size,
      samplesPerSec: (batch * 1000) / msPerStep,
      msPerStep,
      bytesPerSilo: trainer.bytesPerSilo(),
    };
  } finally {
    trainer.dispose();
    tf.disposeVariables();
  }
}
