import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { filterGradMode } from '../../../src/learning/tf/kernels/conv2d-backprop-filter.js';
import { randn, relErr, runOn } from './helpers.js';
import { nativeAddon, setNativeKernelsEnabled } from '../../../src/learning/tf/kernels/native.js';

const TOL = 1e-5;

interface ConvCase {
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const convCases: ConvCase[] = [];
for (const s of [1, 2, 4, 7]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const k of [1, 3, 5]) {
      convCases.push({ b: 1, h: 15, w: 13, ci: 3, co: 4, k, s, pad });
    }
    convCases.push({ b: 32, h: 9, w: 11, ci: 2, co: 3, k: 3, s, pad });
  }
}
convCases.push({ b: 2, h: 8, w: 8, ci: 5, co: 6, k: 2, s: 2, pad: 'same' });
convCases.push({ b: 2, h: 7, w: 10, ci: 4, co: 3, k: 4, s: 3, pad: 'valid' });
// channels a multiple of 4 (the SIMD interleave of strided input gradients), FADNet-like
convCases.push({ b: 2, h: 15, w: 15, ci: 32, co: 32, k: 3, s: 2, pad: 'same' });
convCases.push({ b: 2, h: 13, w: 11, ci: 8, co: 16, k: 3, s: 2, pad: 'valid' });
convCases.push({ b: 2, h: 16, w: 16, ci: 12, co: 8, k: 1, s: 4, pad: 'same' });

function outSize(n: number, k: number, s: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

// with dflsim's native convolutions where the addon is built, and with the wasm kernels they wrap
const variants: [string, boolean][] = nativeAddon()
  ? [
      ['native', true],
      ['wasm', false],
    ]
  : [['wasm', false]];

describe.each(variants)('wasm kernels (%s convolutions) match the cpu backend', (_name, native) => {
  beforeAll(() => setNativeKernelsEnabled(native));
  afterAll(() => setNativeKernelsEnabled(true));

  it.each(convCases)('Conv2DBackpropFilter %o', async (c) => {
    const oh = outSize(c.h, c.k, c.s, c.pad);
    const ow = outSize(c.w, c.k, c.s, c.pad);
    const x = { data: randn(c.b * c.h * c.w * c.ci, 1), shape: [c.b, c.h, c.w, c.ci] };
    const dy = { data: randn(c.b * oh * ow * c.co, 2), shape: [c.b, oh, ow, c.co] };
    const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.ci, c.co] };
    const ref = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    expect(got.shape).toEqual(ref.shape);
    expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
  });

  const singleChannel: ConvCase[] = [
    { b: 3, h: 20, w: 20, ci: 1, co: 8, k: 5, s: 2, pad: 'same' }, // the FADNet stem, scaled down
    { b: 2, h: 9, w: 12, ci: 1, co: 3, k: 3, s: 1, pad: 'valid' },
  ];
  // the wasm kernel's own path choice (the native kernel has one path: nothing to force)
  const forcedCases = native ? [] : [...convCases, ...singleChannel];
  if (forcedCases.length)
    it.each(forcedCases)('Conv2DBackpropFilter, patches + MatMul path forced %o', async (c) => {
      const oh = outSize(c.h, c.k, c.s, c.pad);
      const ow = outSize(c.w, c.k, c.s, c.pad);
      const x = { data: randn(c.b * c.h * c.w * c.ci, 11), shape: [c.b, c.h, c.w, c.ci] };
      const dy = { data: randn(c.b * oh * ow * c.co, 12), shape: [c.b, oh, ow, c.co] };
      const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.ci, c.co] };
      const ref = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
      filterGradMode.force = 'im2col';
      try {
        const got = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
      } finally {
        filterGradMode.force = null;
      }
    });

  it.each(convCases)('Conv2DBackpropInput %o', async (c) => {
    const oh = outSize(c.h, c.k, c.s, c.pad);
    const ow = outSize(c.w, c.k, c.s, c.pad);
    const filter = { data: randn(c.k * c.k * c.ci * c.co, 3), shape: [c.k, c.k, c.ci, c.co] };
    const dy = { data: randn(c.b * oh * ow * c.co, 4), shape: [c.b, oh, ow, c.co] };
    const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', inputShape: [c.b, c.h, c.w, c.ci] };
    const ref = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
    expect(got.shape).toEqual(ref.shape);
    expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
  });

  const poolCases = [
    { b: 1, h: 9, w: 11, c: 3, k: 3, s: 2, pad: 'valid' as const },
    { b: 32, h: 10, w: 10, c: 4, k: 3, s: 2, pad: 'valid' as const },
    { b: 2, h: 9, w: 7, c: 5, k: 2, s: 2, pad: 'same' as const },
    { b: 2, h: 15, w: 15, c: 2, k: 3, s: 1, pad: 'same' as const },
    { b: 1, h: 15, w: 15, c: 2, k: 7, s: 4, pad: 'same' as const },
    { b: 1, h: 15, w: 15, c: 2, k: 7, s: 7, pad: 'valid' as const },
    // channels a multiple of 4: the SIMD path (FADNet's pool; border windows with 'same')
    { b: 2, h: 13, w: 13, c: 32, k: 3, s: 2, pad: 'valid' as const },
    { b: 2, h: 9, w: 9, c: 8, k: 3, s: 2, pad: 'same' as const },
    // values on a coarse grid: many ties, the first maximum (row-major) takes the gradient
    { b: 2, h: 11, w: 11, c: 12, k: 3, s: 2, pad: 'valid' as const, ties: true },
    { b: 1, h: 9, w: 7, c: 3, k: 3, s: 2, pad: 'valid' as const, ties: true },
  ];
  it.each(poolCases)('MaxPoolGrad %o (including all-negative windows)', async (c) => {
    const oh = outSize(c.h, c.k, c.s, c.pad);
    const ow = outSize(c.w, c.k, c.s, c.pad);
    const xd = randn(c.b * c.h * c.w * c.c, 5).map((v) => -Math.abs(v) - 0.01); // all <= 0
    for (let i = 0; i < xd.length; i += 3) xd[i] = Math.abs(xd[i]!); // and some positive
    if ('ties' in c) for (let i = 0; i < xd.length; i++) xd[i] = Math.round(xd[i]! * 2) / 2;
    const x = { data: xd, shape: [c.b, c.h, c.w, c.c] };
    const dyd = { data: randn(c.b * oh * ow * c.c, 6), shape: [c.b, oh, ow, c.c] };
    await tf.setBackend('cpu');
    const y = tf.tidy(
      () => tf.maxPool(tf.tensor4d(x.data, x.shape as [number, number, number, number]), c.k, c.s, c.pad).dataSync() as Float32Array,
    );
    const output = { data: y, shape: dyd.shape };
    const attrs = { filterSize: [c.k, c.k], strides: [c.s, c.s], pad: c.pad };
    const ref = await runOn('cpu', 'MaxPoolGrad', { dy: dyd, input: x, output }, attrs);
    const got = await runOn('wasm', 'MaxPoolGrad', { dy: dyd, input: x, output }, attrs);
    expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
  });

  it('MaxPoolGrad with a NaN window: the SIMD path falls back and equals the plain path', async () => {
    const shape = [2, 9, 9, 8];
    const xd = randn(2 * 9 * 9 * 8, 7);
    xd[5 * 8 + 3] = NaN;
    xd[100] = NaN;
    const x = { data: xd, shape };
    await tf.setBackend('cpu');
    const y = tf.tidy(
      () => tf.maxPool(tf.tensor4d(xd, shape as [number, number, number, number]), 3, 2, 'valid').dataSync() as Float32Array,
    );
    // a forward pass that propagated the NaN (the cpu backend's skips it): window 0,
    // channel 3 has no tap equal to its output, so the SIMD path must fall back
    y[3] = NaN;
    const dy = { data: randn(y.length, 8), shape: [2, 4, 4, 8] };
    const output = { data: y, shape: dy.shape };
    const attrs = { filterSize: [3, 3], strides: [2, 2], pad: 'valid' };
    const simd = await runOn('wasm', 'MaxPoolGrad', { dy, input: x, output }, attrs);
    process.env.DFLSIM_NO_SIMD_LOOPS = '1';
    try {
      const plain = await runOn('wasm', 'MaxPoolGrad', { dy, input: x, output }, attrs);
      expect(Array.from(simd.data)).toEqual(Array.from(plain.data));
      // and the gradient was routed (the comparison is not of two zero tensors)
      expect(simd.data.filter((v) => v !== 0).length).toBeGreaterThan(100);
    } finally {
      delete process.env.DFLSIM_NO_SIMD_LOOPS;
    }
  });
});

describe('reductions and tile match the cpu backend', () => {
  const sumCases: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [32, 9, 7, 5], axis: [0, 1, 2], keepDims: false },
    { shape: [1, 9, 7, 5], axis: [0, 1, 2], keepDims: true },
    { shape: [4, 6], axis: [0], keepDims: false },
    { shape: [3, 4, 5], axis: [1], keepDims: false }, // falls back
    { shape: [3, 4, 5], axis: [-1], keepDims: true }, // falls back
  ];
  for (const k of ['Sum', 'Mean']) {
    it.each(sumCases)(`${k} %o`, async (c) => {
      const x = {
        data: randn(
          c.shape.reduce((a, b) => a * b, 1),
          7,
        ),
        shape: c.shape,
      };
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const ref = await runOn('cpu', k, { x }, attrs);
      const got = await runOn('wasm', k, { x }, attrs);
      expect(got.shape).toEqual(ref.shape);
      expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
    });
  }
  const tileCases = [
    { shape: [1, 1, 1, 5], reps: [32, 9, 7, 1] },
    { shape: [1, 3], reps: [4, 1] },
    { shape: [2, 3], reps: [2, 2] }, // falls back
  ];
  it.each(tileCases)('Tile %o', async (c) => {
    const x = {
      data: randn(
        c.shape.reduce((a, b) => a * b, 1),
        8,
      ),
      shape: c.shape,
    };
    const ref = await runOn('cpu', 'Tile', { x }, { reps: c.reps });
    const got = await runOn('wasm', 'Tile', { x }, { reps: c.reps });
    expect(got.shape).toEqual(ref.shape);
    expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
  });
});
