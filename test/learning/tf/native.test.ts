/**
 * dflsim's native addon: the GEMM gives the bits of its definition (one chain of fused
 * multiply-adds per element, one rounding per term, in reduction order) with the AVX-512,
 * the AVX2 + FMA and the portable code path and on any thread count; the convolutions and
 * products built on it match the cpu backend; a FADNet training step gives the same bits
 * whatever the code path and thread count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learning/tf/backend.js';
import { nativeAddon, nativeLoadError, setNativeThreads } from '../../../src/learning/tf/kernels/native.js';
import { syntheticSteps } from '../../../src/learning/tf/bench.js';
import { fmaf, randn, relErr, runOn } from './helpers.js';

const addon = nativeAddon();
const TOL = 1e-5; // as the other kernel tests: float32 sums in another order than the cpu backend's

describe('native addon', () => {
  it('is built where CI runs (npm install builds it with the C compiler)', () => {
    if (process.env.CI) expect(addon, nativeLoadError()).not.toBeNull();
    else if (!addon) console.warn(`native addon not built: ${nativeLoadError()}`);
  });
});

describe.skipIf(!addon)('native GEMM', () => {
  afterAll(() => addon?.kernel('auto'));

  /** The definition: c = start; c = fma(a, b, c) (a * b + c rounded once to float32) for k in order. */
  function reference(
    M: number,
    N: number,
    K: number,
    a: (i: number, k: number) => number,
    b: (k: number, j: number) => number,
    start: Float32Array | null,
  ): Float32Array {
    const c = new Float32Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = start ? start[i * N + j]! : 0;
        for (let k = 0; k < K; k++) s = fmaf(a(i, k), b(k, j), s);
        c[i * N + j] = s;
      }
    }
    return c;
  }

  const cases: [number, number, number][] = [
    [1, 1, 1],
    [7, 17, 5],
    [13, 33, 300],
    [100, 40, 513],
    [6, 16, 256],
    [50, 3, 1000],
    [3, 50, 7],
    [300, 64, 1000], // large enough to be split across threads
  ];
  for (const [M, N, K] of cases) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${M}x${N}x${K}${transA ? ' A^T' : ''}${transB ? ' B^T' : ''}: the bits of the definition, every code path, 1-3 threads, fresh and accumulating`, () => {
          const a = randn(M * K, M + 7 * K);
          const b = randn(K * N, N + 3 * K);
          // signed zeros and powers apart, so that order and rounding matter
          for (let i = 0; i < a.length; i += 37) a[i] = -0;
          for (let i = 0; i < b.length; i += 11) b[i] = b[i]! * 1e4;
          const [rsa, csa] = transA ? [1, M] : [K, 1];
          const [rsb, csb] = transB ? [1, K] : [N, 1];
          const start = randn(M * N, 5);
          const heap = new Float32Array(a.length + b.length + M * N + 3);
          heap.set(a, 1);
          heap.set(b, 1 + a.length);
          const cOff = 2 + a.length + b.length;
          for (const acc of [0, 1]) {
            const want = reference(
              M,
              N,
              K,
              (i, k) => a[i * rsa + k * csa]!,
              (k, j) => b[k * rsb + j * csb]!,
              acc ? start : null,
            );
            for (const kernel of ['avx512', 'avx2', 'portable'] as const) {
              // (a path the CPU lacks runs the widest one below it)
              addon!.kernel(kernel);
              for (const threads of [1, 2, 3]) {
                heap.set(start, cOff);
                addon!.gemm(heap, M, N, K, 1, rsa, csa, 1 + a.length, rsb, csb, cOff, N, acc, threads);
                const got = heap.subarray(cOff, cOff + M * N);
                expect(
                  Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer)),
                  `${addon!.kernel()} threads ${threads} acc ${acc}`,
                ).toBe(true);
              }
            }
          }
        });
      }
    }
  }

  it('rejects operands outside the heap instead of reading past it', () => {
    const heap = new Float32Array(100);
    expect(() => addon!.gemm(heap, 10, 10, 10, 0, 10, 1, 0, 10, 1, 50, 10, 0, 1)).toThrow(/outside the heap/);
    expect(() => addon!.conv2d(heap, 0, 1, 8, 8, 1, 3, 3, 1, 1, 1, 1, 1, 8, 8, 0, 64, 64, -1, 0, 0, 1)).toThrow(/outside the heap/);
  });
});

describe.skipIf(!addon)('native convolutions and products match the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  const convs = [
    { b: 2, h: 15, w: 13, ci: 3, co: 20, k: 3, s: 1, pad: 'same' },
    { b: 3, h: 20, w: 20, ci: 1, co: 8, k: 5, s: 2, pad: 'same' }, // the stem, scaled down
    { b: 2, h: 9, w: 11, ci: 5, co: 17, k: 1, s: 1, pad: 'valid' }, // 1x1: the product without patches
    { b: 2, h: 16, w: 16, ci: 12, co: 8, k: 1, s: 4, pad: 'same' },
    { b: 1, h: 7, w: 10, ci: 4, co: 3, k: 4, s: 3, pad: 'valid' },
  ];
  for (const c of convs) {
    for (const act of ['linear', 'relu', 'relu6', 'leakyrelu', null] as const) {
      it(`${act ? `FusedConv2D ${act} + bias` : 'Conv2D'} %o ${JSON.stringify(c)}`, async () => {
        const x = { data: randn(c.b * c.h * c.w * c.ci, 1), shape: [c.b, c.h, c.w, c.ci] };
        const filter = { data: randn(c.k * c.k * c.ci * c.co, 2), shape: [c.k, c.k, c.ci, c.co] };
        const bias = { data: randn(c.co, 3), shape: [c.co] };
        const attrs = {
          strides: [c.s, c.s],
          pad: c.pad,
          dataFormat: 'NHWC',
          dilations: [1, 1],
          activation: act ?? undefined,
          leakyreluAlpha: 0.3,
        };
        const name = act ? 'FusedConv2D' : 'Conv2D';
        const inputs: Record<string, { data: Float32Array; shape: number[] }> = act ? { x, filter, bias } : { x, filter };
        const ref = await runOn('cpu', name, inputs, attrs);
        const got = await runOn('wasm', name, inputs, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
      });
    }
  }

  const mms = [
    { a: [5, 7], b: [7, 3], ta: false, tb: false },
    { a: [7, 5], b: [3, 7], ta: true, tb: true },
    { a: [4, 6, 9], b: [4, 9, 20], ta: false, tb: false },
    { a: [1, 6, 9], b: [4, 20, 9], ta: false, tb: true }, // a broadcast over b's batch
    { a: [3, 9, 6], b: [1, 9, 2], ta: true, tb: false },
  ];
  for (const m of mms) {
    for (const act of [null, 'linear', 'relu', 'leakyrelu'] as const) {
      it(`${act ? `_FusedMatMul ${act} + bias` : 'BatchMatMul'} ${JSON.stringify(m)}`, async () => {
        const n = m.tb ? m.b[m.b.length - 2]! : m.b[m.b.length - 1]!;
        const a = {
          data: randn(
            m.a.reduce((p, d) => p * d, 1),
            4,
          ),
          shape: m.a,
        };
        const b = {
          data: randn(
            m.b.reduce((p, d) => p * d, 1),
            5,
          ),
          shape: m.b,
        };
        const bias = { data: randn(n, 6), shape: [n] };
        const attrs = { transposeA: m.ta, transposeB: m.tb, activation: act ?? undefined, leakyreluAlpha: 0.3 };
        const name = act ? '_FusedMatMul' : 'BatchMatMul';
        const inputs: Record<string, { data: Float32Array; shape: number[] }> = act ? { a, b, bias } : { a, b };
        const ref = await runOn('cpu', name, inputs, attrs);
        const got = await runOn('wasm', name, inputs, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.data, ref.data)).toBeLessThan(TOL);
      });
    }
  }
});

describe.skipIf(!addon)('a FADNet training step on the native kernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });
  afterAll(() => {
    addon?.kernel('auto');
    setNativeThreads(1);
  });

  function trainedBits(kernel: 'avx512' | 'avx2' | 'portable', threads: number): Buffer {
    addon!.kernel(kernel);
    setNativeThreads(threads);
    const { trainer, step } = syntheticSteps('fadnet', 64, 16, 3);
    try {
      // three Adam steps, then the weights (the step's closure keeps them)
      let w: Float32Array | null = null;
      const orig = trainer.train.bind(trainer);
      trainer.train = (weights, opt, batches, lr) => {
        const r = orig(weights, opt, batches, lr);
        w = r.weights;
        return r;
      };
      for (let i = 0; i < 3; i++) step();
      return Buffer.from(w!.buffer, w!.byteOffset, w!.byteLength);
    } finally {
      trainer.dispose();
      tf.disposeVariables();
    }
  }

  it('gives the same bits with the AVX-512, AVX2 + FMA and portable code paths, on 1, 2 and 3 threads', () => {
    const ref = trainedBits('avx512', 1);
    expect(trainedBits('avx512', 3).equals(ref), 'avx512, 3 threads').toBe(true);
    expect(trainedBits('avx2', 1).equals(ref), 'avx2, 1 thread').toBe(true);
    expect(trainedBits('avx2', 2).equals(ref), 'avx2, 2 threads').toBe(true);
    expect(trainedBits('portable', 1).equals(ref), 'portable, 1 thread').toBe(true);
  });
});
