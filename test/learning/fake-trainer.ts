import type { Batch, LocalTrainer, OptimizerState } from '../../src/learning/trainer.js';

/**
 * A fake trainer: a linear model y = w·x + b trained by plain SGD on MSE (exact gradients).
 */
export function fakeTrainer(dim: number): LocalTrainer & { calls: number } {
  const t = {
    calls: 0,
    paramCount: dim + 1,
    weightCount: dim + 1,
    initWeights(seed: number): Float32Array {
      const w = new Float32Array(dim + 1);
      for (let i = 0; i < w.length; i++) w[i] = ((seed * 31 + i * 17) % 7) / 70;
      return w;
    },
    newOptimizerState(): OptimizerState {
      return { m: new Float32Array(dim + 1), v: new Float32Array(dim + 1), step: 0 };
    },
    train(weights: Float32Array, optState: OptimizerState, batches: readonly Batch[], lr: number) {
      t.calls++;
      const w = weights.slice();
      let loss = 0;
      for (const b of batches) {
        const g = new Float64Array(dim + 1);
        for (let s = 0; s < b.size; s++) {
          let p = w[dim];
          for (let d = 0; d < dim; d++) p += w[d] * b.x[s * dim + d];
          const e = p - b.y[s];
          loss += (e * e) / b.size / batches.length;
          for (let d = 0; d < dim; d++) g[d] += (2 * e * b.x[s * dim + d]) / b.size;
          g[dim] += (2 * e) / b.size;
        }
        for (let d = 0; d <= dim; d++) w[d] -= lr * g[d];
      }
      return { weights: w, optState: { ...optState, step: optState.step + batches.length }, loss };
    },
    evaluate(weights: Float32Array, x: Float32Array, y: Float32Array) {
      const n = y.length;
      let se = 0;
      for (let s = 0; s < n; s++) {
        let p = weights[dim];
        for (let d = 0; d < dim; d++) p += weights[d] * x[s * dim + d];
        se += (p - y[s]) ** 2;
      }
      return { loss: se / n, rmse: Math.sqrt(se / n) };
    },
  };
  return t;
}
