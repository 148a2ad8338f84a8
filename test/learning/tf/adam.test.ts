import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { adamUpdate, setNativeAdam } from '../../../src/learning/tf/kernels/adam.js';
import { nativeAddon } from '../../../src/learning/native-addon.js';
import { simdLoops } from '../../../src/learning/tf/kernels/simd.js';
import { randn } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

const A = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
/** gradient sizes: odd ones (the scalar tail), a single element, a large one */
const SIZES = [1, 3, 288, 7, 12_544, 5, 2];

async function run(backend: 'wasm' | 'cpu', simd: boolean, stepsSeed: number, native = false): Promise<Float32Array[]> {
  const n = SIZES.reduce((s, x) => s + x, 0);
  const m = randn(n, 11).map((x) => x * 1e-3);
  const v = randn(n, 12).map((x) => x * x * 1e-6);
  const w = randn(n, 13);
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  if (backend === 'wasm') expect(simdLoops(tf.backend() as never) !== null).toBe(true);
  if (!simd) process.env.DFLSIM_NO_SIMD_LOOPS = '1';
  setNativeAdam(native);
  try {
    return tf.tidy(() => {
      for (let s = 1; s <= 3; s++) {
        const grads = SIZES.map((k, i) => tf.tensor(randn(k, stepsSeed + 10 * s + i).map((x) => (i === 3 ? x * 1e-9 : x))));
        const lrT = (1e-3 * Math.sqrt(1 - A.beta2 ** s)) / (1 - A.beta1 ** s);
        adamUpdate(grads, m, v, w, lrT, A);
      }
      return [m, v, w];
    });
  } finally {
    delete process.env.DFLSIM_NO_SIMD_LOOPS;
    setNativeAdam(true);
    await tf.setBackend(prev);
  }
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('adamUpdate', () => {
  it('the wasm SIMD loop gives the bits of the scalar loop (wasm without SIMD, and cpu), odd sizes included', async () => {
    const simd = await run('wasm', true, 100);
    const plain = await run('wasm', false, 100);
    const cpu = await run('cpu', false, 100);
    for (let i = 0; i < 3; i++) {
      expect(bits(simd[i]!)).toEqual(bits(plain[i]!));
      expect(bits(simd[i]!)).toEqual(bits(cpu[i]!));
    }
    if (nativeAddon()) {
      // the native loop (where built; CI requires it) gives the same bits too
      const native = await run('wasm', true, 100, true);
      for (let i = 0; i < 3; i++) expect(bits(native[i]!)).toEqual(bits(cpu[i]!));
    }
    // and it moved the state (not a comparison of untouched arrays)
    const w0 = randn(
      SIZES.reduce((s, x) => s + x, 0),
      13,
    );
    expect(simd[2]!.filter((x, i) => x !== w0[i]).length).toBeGreaterThan(w0.length * 0.99);
  });

  it('matches Adam by hand on one element', () => {
    const m = new Float32Array([0.5, 0]);
    const v = new Float32Array([0.25, 0]);
    const w = new Float32Array([1, 2]);
    tf.tidy(() => adamUpdate([tf.tensor([2, -1])], m, v, w, 0.01, A));
    const mi = 0.9 * 0.5 + 0.1 * 2; // 0.65
    const vi = 0.999 * 0.25 + 0.001 * 4; // 0.25375
    expect(m[0]).toBe(Math.fround(mi));
    expect(v[0]).toBe(Math.fround(vi));
    expect(w[0]).toBe(Math.fround(1 - (0.01 * mi) / (Math.sqrt(vi) + 1e-7)));
    expect(w[1]).toBe(Math.fround(2 - (0.01 * -0.1) / (Math.sqrt(0.001) + 1e-7)));
  });
});
