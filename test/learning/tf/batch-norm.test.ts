import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { FusedBatchNorm, fusedBatchNormMode } from '../../../src/learning/tf/models/batch-norm.js';
import { fusedBatchNormAvailable } from '../../../src/learning/tf/kernels/batch-norm.js';
import { randn, relErr } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

/** One training call of a FusedBatchNorm on `backend`: output, grads of x, gamma, beta and the new moving statistics. */
async function trainCall(backend: string, shape: number[], seed: number, fused = true) {
  await tf.setBackend(backend);
  fusedBatchNormMode.enabled = fused;
  try {
    const C = shape[3]!;
    const layer = new FusedBatchNorm({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    layer.build([null, ...shape.slice(1)]);
    const [gamma, beta, mm, mv] = layer.weights;
    gamma!.write(tf.tensor(randn(C, seed + 1).map((v) => 1 + 0.3 * v)));
    beta!.write(tf.tensor(randn(C, seed + 2)));
    mm!.write(tf.tensor(randn(C, seed + 3)));
    mv!.write(tf.tensor(randn(C, seed + 4).map((v) => 1 + 0.5 * Math.abs(v))));
    const n = shape.reduce((a, b) => a * b, 1);
    // a per-channel offset and scale, as after a convolution
    const xd = randn(n, seed).map((v, i) => 3 + ((i % C) % 5) + v * (0.5 + (i % C) / C));
    const upstream = randn(n, seed + 5);
    const out = tf.tidy(() => {
      const x = tf.tensor(xd, shape);
      const up = tf.tensor(upstream, shape);
      const gv = [gamma!.read() as tf.Variable, beta!.read() as tf.Variable];
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, up)) as tf.Scalar, gv);
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, up)))(x);
      return {
        y: y.dataSync() as Float32Array,
        dx: dx.dataSync() as Float32Array,
        dgamma: grads[gv[0]!.name]!.dataSync() as Float32Array,
        dbeta: grads[gv[1]!.name]!.dataSync() as Float32Array,
      };
    });
    // three training calls ran: moving statistics were updated three times with the same batch
    const moving = { mean: mm!.read().dataSync() as Float32Array, variance: mv!.read().dataSync() as Float32Array };
    const infer = tf.tidy(() => (layer.apply(tf.tensor(xd, shape), { training: false }) as tf.Tensor).dataSync() as Float32Array);
    for (const w of layer.weights) w.dispose();
    return { ...out, ...moving, infer };
  } finally {
    fusedBatchNormMode.enabled = true;
  }
}

describe('FusedBatchNorm (training path on wasm)', () => {
  it('is available for channels % 4 == 0 on wasm', () => {
    expect(fusedBatchNormAvailable(tf.backend(), 32)).toBe(true);
    expect(fusedBatchNormAvailable(tf.backend(), 6)).toBe(false);
  });

  for (const shape of [
    [3, 7, 5, 32],
    [2, 4, 3, 8],
  ]) {
    it(`matches the cpu backend's batch norm: output, dx, dgamma, dbeta, moving statistics, inference (${shape.join('x')})`, async () => {
      const ref = await trainCall('cpu', shape, 7);
      const got = await trainCall('wasm', shape, 7);
      const composed = await trainCall('wasm', shape, 7, false);
      for (const k of ['y', 'dx', 'dgamma', 'dbeta', 'mean', 'variance', 'infer'] as const) {
        expect(relErr(got[k], ref[k]), k).toBeLessThan(1e-5);
        expect(relErr(got[k], composed[k]), `${k} vs composed`).toBeLessThan(1e-5);
      }
    });
  }

  it('falls back to the composed layer when channels are not a multiple of 4', async () => {
    const ref = await trainCall('cpu', [2, 3, 3, 6], 3);
    const got = await trainCall('wasm', [2, 3, 3, 6], 3);
    for (const k of ['y', 'dx', 'dgamma', 'dbeta', 'mean', 'variance'] as const) expect(relErr(got[k], ref[k]), k).toBeLessThan(1e-5);
  });
});
