import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gradientSmokeTest, initBackend } from '../../../src/learning/tf/backend.js';
import { DFLSIM_WASM_KERNELS } from '../../../src/learning/tf/kernels/index.js';
import { nativeKernels } from '../../../src/learning/tf/kernels/native.js';

describe('initBackend', () => {
  it('falls back from tfjs-node to wasm with dflsim kernels, idempotently', async () => {
    const a = await initBackend({ backend: 'auto', threads: 1 });
    expect(a).toEqual({ backend: 'wasm', threads: 1, kernels: nativeKernels() });
    expect(await initBackend({ backend: 'auto', threads: 1 })).toBe(a);
    expect(tf.getBackend()).toBe('wasm');
    for (const k of DFLSIM_WASM_KERNELS) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    expect(gradientSmokeTest()).toBe(true);
  });

  it('rejects bad options naming the field', async () => {
    await expect(initBackend({ threads: 0 })).rejects.toThrow(/threads/);
    await expect(initBackend({ backend: 'gpu' as never })).rejects.toThrow(/backend/);
  });

  it('can be asked for cpu', async () => {
    expect(await initBackend({ backend: 'cpu' })).toEqual({ backend: 'cpu', threads: 1 });
    expect(gradientSmokeTest()).toBe(true);
  });
});
