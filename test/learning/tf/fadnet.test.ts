import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { createModel } from '../../../src/learning/tf/models/registry.js';
import { fadnetGeometry } from '../../../src/learning/tf/models/fadnet.js';
import { SeededDropout } from '../../../src/learning/tf/models/layers.js';
import { createRng } from '../../../src/random.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

describe('FADNet layout', () => {
  it('has exactly 341,980 trainable parameters at 200x200x1 with support strides 7, 4, 2', () => {
    const h = createModel('fadnet', { inputSize: 200 });
    expect(h.paramCount).toBe(341_980);
    expect(fadnetGeometry(200)).toMatchObject({ sides: [49, 25, 13, 7], supportStrides: [7, 4, 2], featureLength: 6272 });
    const names = h.model.layers.map((l) => l.getClassName());
    for (const c of ['DflsimSupportBranch', 'DflsimAccumulation', 'DflsimAggregation']) expect(names).toContain(c);
    h.model.dispose();
  });

  it('chooses support strides so f1, f2, f3 and fs have equal length at 64x64', () => {
    const g = fadnetGeometry(64);
    expect(g.sides).toEqual([15, 8, 4, 2]);
    expect(g.supportStrides).toEqual([8, 4, 2]);
    const h = createModel('fadnet', { inputSize: 64 });
    const out = tf.tidy(() => h.model.apply(tf.zeros([2, 64, 64, 1])) as tf.Tensor);
    expect(out.shape).toEqual([2, 1]);
    out.dispose();
    h.model.dispose();
  });

  it('rejects sizes that cannot work, naming the field', () => {
    expect(() => fadnetGeometry(8)).toThrow(/inputSize/);
    expect(() => createModel('nope')).toThrow(/unknown model/);
  });

  it('gradient of every weight matches the cpu backend (48x48, batch 3)', async () => {
    const size = 48;
    const B = 3;
    const h = createModel('fadnet', { inputSize: size, seed: 3 });
    const w = h.initWeights(5);
    const rng = createRng(11);
    const xd = Float32Array.from({ length: B * size * size }, () => Math.floor(rng.next() * 256));
    const yd = Float32Array.from({ length: B }, () => rng.normal());
    const vars = [...h.model.trainableWeights, ...h.model.nonTrainableWeights];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      let off = 0;
      for (const v of vars) {
        const n = (v.shape as number[]).reduce((a, b) => a * b, 1);
        v.write(tf.tensor(w.subarray(off, off + n), v.shape as number[]));
        off += n;
      }
      for (const l of h.model.layers) if (l instanceof SeededDropout) l.reseed(9);
      return tf.tidy(() => {
        const xs = tf.tensor4d(xd, [B, size, size, 1]);
        const ys = tf.tensor2d(yd, [B, 1]);
        const tv = h.model.trainableWeights.map((v) => v.read() as tf.Variable);
        const { grads } = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(h.model.apply(xs, { training: true }) as tf.Tensor, ys)) as tf.Scalar,
          tv,
        );
        return tv.map((v) => ({ name: v.name, data: grads[v.name]!.dataSync() as Float32Array }));
      });
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    expect(got.length).toBe(ref.length);
    // A conv bias right before a batch norm has a zero gradient in exact arithmetic;
    // its float noise is judged against the overall gradient scale.
    let scale = 0;
    for (const r of ref) for (const v of r.data) scale = Math.max(scale, Math.abs(v));
    const errors: Record<string, number> = {};
    for (let i = 0; i < ref.length; i++) {
      let num = 0;
      let den = 1e-4 * scale;
      const a = got[i]!.data;
      const b = ref[i]!.data;
      for (let j = 0; j < b.length; j++) {
        num = Math.max(num, Math.abs(a[j]! - b[j]!));
        den = Math.max(den, Math.abs(b[j]!));
      }
      errors[ref[i]!.name] = num / den;
    }
    // The bias of a conv feeding a batch norm (res*_conv1) is float noise on both sides
    // (sums of float32 rounding of dx): the package's composed batch norm already sits at
    // 0.4-0.75e-4 of the scale from the cpu backend, the fused one at 0.5-2e-4; 1e-3 of
    // the scale still catches any real gradient there (of order the scale).
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(/^res\d_conv1\/bias/.test(name) ? 1e-3 : 1e-4);
    h.model.dispose();
  });
});
