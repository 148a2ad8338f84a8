/**
 * The seam between the DPASGD engine and a model: a local trainer takes flat weights and
 * returns flat weights (Flower's split). The engine is model-agnostic; the TensorFlow.js
 * trainer (`src/learning/tf/silo-trainer.ts`) and the tests' fake trainer implement this.
 */

/** Optimizer state of one silo as flat arrays (Adam: first and second moments). */
export interface OptimizerState {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

/** A mini-batch: `x` row-major `[size, ...inputShape]`, `y` `[size, outputs]`. */
export interface Batch {
  x: Float32Array;
  y: Float32Array;
  size: number;
}

/** What a trainer returns after local steps. */
export interface LocalTrainResult {
  weights: Float32Array;
  optState: OptimizerState;
  /** Mean training loss over the steps. */
  loss: number;
}

/** Loss and metrics of a weight vector on a data set. */
export interface Evaluation {
  loss: number;
  rmse?: number;
  accuracy?: number;
}

/**
 * The running sums of an evaluation, batch by batch. Sums of consecutive batches added in
 * order give the same bits as one evaluation of the whole set, so an evaluation can be
 * split across workers at batch boundaries.
 */
export interface EvaluationSums {
  n: number;
  lossSum: number;
  sq: number;
  correct: number;
  regression: boolean;
  outputSize: number;
  /** 'binary': `correct` counts outputs (each sample has `outputSize` 0/1 labels); absent: by `regression`. */
  kind?: 'binary';
}

/** Add evaluation sums in order (the first's counts and kind). */
export function addEvaluationSums(parts: readonly EvaluationSums[]): EvaluationSums {
  const out = { ...parts[0], n: 0, lossSum: 0, sq: 0, correct: 0 };
  for (const p of parts) {
    out.n += p.n;
    out.lossSum += p.lossSum;
    out.sq += p.sq;
    out.correct += p.correct;
  }
  return out;
}

/** Label values per sample of an evaluation's kind: one class index, or one per output. */
export function labelsPerSample(e: Pick<EvaluationSums, 'regression' | 'outputSize' | 'kind'>): number {
  return e.regression || e.kind === 'binary' ? e.outputSize : 1;
}

/** Loss and RMSE (regression) or accuracy (classification: argmax; binary: every output at 0.5) from evaluation sums. */
export function finishEvaluation(e: EvaluationSums): Evaluation {
  if (e.kind === 'binary') return { loss: e.lossSum / e.n, accuracy: e.correct / (e.n * e.outputSize) };
  return e.regression
    ? { loss: e.lossSum / e.n, rmse: Math.sqrt(e.sq / (e.n * e.outputSize)) }
    : { loss: e.lossSum / e.n, accuracy: e.correct / e.n };
}

/** One silo's local training in a round (inputs of {@link LocalTrainer.train}). */
export interface SiloJob {
  weights: Float32Array;
  optState: OptimizerState;
  batches: Batch[];
  lr: number;
  seed: number;
}

/**
 * A model-agnostic local trainer. A trainer that can train many silos at once (a worker
 * pool) also offers `trainMany` and `evaluateTestMany`; the engine then trains a round's
 * silos in parallel. Either way a silo's result is a pure function of its job, so the
 * results are the same bits.
 */
export interface LocalTrainer {
  /** Trainable parameters. */
  readonly paramCount: number;
  /** Length of a weight vector (trainable parameters first, then non-trainable state). */
  readonly weightCount: number;
  /** Seeded initial weights. */
  initWeights(seed: number): Float32Array;
  /** A fresh optimizer state. */
  newOptimizerState(): OptimizerState;
  /**
   * One optimizer step per batch from `weights`. Inputs are not modified unless `inPlace`:
   * then the trainer may update `weights` and `optState`'s arrays in place and return them
   * (the engine passes arrays it owns and reads nothing else from them).
   */
  train(
    weights: Float32Array,
    optState: OptimizerState,
    batches: readonly Batch[],
    lr: number,
    seed?: number,
    inPlace?: boolean,
  ): LocalTrainResult;
  /** Loss and metric of `weights` on (`x`, `y`). */
  evaluate(weights: Float32Array, x: Float32Array, y: Float32Array, batchSize?: number): Evaluation;
  /**
   * Train silos in parallel, results in job order. The jobs' weight and moment arrays may
   * be transferred away (detached): callers must not read them afterwards. `onResult`
   * sees each silo's result as soon as it is in (the engine mixes rows whose sources are
   * done while the others train).
   */
  trainMany?(jobs: SiloJob[], onResult?: (index: number, result: LocalTrainResult) => void): Promise<LocalTrainResult[]>;
  /** Evaluate weight vectors on the run's test set (given when the trainer was made), in order. */
  evaluateTestMany?(weights: Float32Array[]): Promise<Evaluation[]>;
}
