/**
 * Fused training-mode batch norm over the channel axis of an NHWC tensor, for the wasm
 * backend (kernels of dflsim's own, used by `models/batch-norm.ts`):
 *
 * - `DflsimBatchNormTrain` (x, gamma, beta) -> (y, mean, variance): batch mean, biased
 *   batch variance (two passes, centred), y = (x - mean) * gamma / sqrt(var + eps) + beta.
 * - `DflsimBatchNormTrainGrad` (dy, x, gamma, mean, variance) -> (dx, dgamma, dbeta):
 *   dbeta = sum dy, dgamma = inv * sum dy (x - mean), and
 *   dx = gamma inv (dy - dbeta / M) - gamma inv^2 dgamma (x - mean) / M
 *   (M = N*H*W), one reduction pass and one elementwise pass, per-channel vectors
 *   broadcast (no Tile).
 *
 * The passes are the SIMD loops of `simd.ts`; per-channel sums are taken in float32
 * over blocks of rows and added in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { free, heapF32, offsetF32, type Info, type WasmBackendLike } from './util.js';
import { simdLoops, type SimdLoops } from './simd.js';

/** Kernel names. */
export const BN_TRAIN = 'DflsimBatchNormTrain';
export const BN_TRAIN_GRAD = 'DflsimBatchNormTrainGrad';

/** Whether the fused kernels can run on `backend` for `channels` (SIMD loops need C % 4 == 0). */
export function fusedBatchNormAvailable(backend: unknown, channels: number): boolean {
  return channels % 4 === 0 && simdLoops(backend as WasmBackendLike) !== null;
}

/**
 * Per-channel float64 sums of a reduction loop over `rows` rows of `C` floats, in
 * blocks whose float32 partial sums go to `scratch` (C floats, byte offset `sb`).
 */
export function blockedColumnSums(
  backend: WasmBackendLike,
  rows: number,
  C: number,
  sb: number,
  run: (rowFrom: number, rowTo: number) => void,
): Float64Array {
  const acc = new Float64Array(C);
  const block = Math.max(1, Math.floor(16384 / C));
  const s = sb >>> 2;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    const heap = heapF32(backend);
    heap.fill(0, s, s + C);
    run(r0, r1);
    const h = heapF32(backend);
    for (let c = 0; c < C; c++) acc[c] = acc[c]! + h[s + c]!;
  }
  return acc;
}

function dims(x: Info): { rows: number; C: number } {
  const C = x.shape[x.shape.length - 1]!;
  let n = 1;
  for (const d of x.shape) n *= d;
  return { rows: n / C, C };
}

function loopsOf(backend: WasmBackendLike): SimdLoops {
  const l = simdLoops(backend);
  if (!l) throw new Error('dflsim batch norm (wasm): SIMD loops unavailable');
  return l;
}

function bnTrain(args: { inputs: { x: Info; gamma: Info; beta: Info }; attrs: { epsilon: number }; backend: WasmBackendLike }): Info[] {
  const { inputs, attrs, backend } = args;
  const { x, gamma, beta } = inputs;
  const L = loopsOf(backend);
  const { rows, C } = dims(x);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([C], 'float32');
  const variance = backend.makeOutput([C], 'float32');
  const scratch = backend.makeOutput([3 * C], 'float32');
  const xb = offsetF32(backend, x) * 4;
  const yb = offsetF32(backend, y) * 4;
  const mb = offsetF32(backend, mean) * 4;
  const vb = offsetF32(backend, variance) * 4;
  const sb = offsetF32(backend, scratch) * 4;
  const gi = offsetF32(backend, gamma);
  const bi = offsetF32(backend, beta);
  const cb = 4 * C;
  const s1 = blockedColumnSums(backend, rows, C, sb, (r0, r1) => L.colsum(xb + r0 * cb, xb + r1 * cb, cb, sb));
  let heap = heapF32(backend);
  for (let c = 0; c < C; c++) heap[(mb >>> 2) + c] = s1[c]! / rows;
  const s2 = blockedColumnSums(backend, rows, C, sb, (r0, r1) => L.colsqdev(xb + r0 * cb, xb + r1 * cb, cb, mb, sb));
  heap = heapF32(backend);
  const a = (sb >>> 2) + C;
  const k = (sb >>> 2) + 2 * C;
  for (let c = 0; c < C; c++) {
    const v = s2[c]! / rows;
    heap[(vb >>> 2) + c] = v;
    heap[a + c] = heap[gi + c]! / Math.sqrt(v + attrs.epsilon);
    heap[k + c] = heap[bi + c]!;
  }
  L.affine(xb, xb + rows * cb, cb, mb, a * 4, k * 4, yb);
  free(backend, scratch);
  return [y, mean, variance];
}

function bnTrainGrad(args: {
  inputs: { dy: Info; x: Info; gamma: Info; mean: Info; variance: Info };
  attrs: { epsilon: number };
  backend: WasmBackendLike;
}): Info[] {
  const { inputs, attrs, backend } = args;
  const { dy, x, gamma, mean, variance } = inputs;
  const L = loopsOf(backend);
  const { rows, C } = dims(x);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgamma = backend.makeOutput([C], 'float32');
  const dbeta = backend.makeOutput([C], 'float32');
  const scratch = backend.makeOutput([11 * C + 2], 'float32'); // C floats, then 5 float64 vectors
  const xb = offsetF32(backend, x) * 4;
  const dyb = offsetF32(backend, dy) * 4;
  const dxb = offsetF32(backend, dx) * 4;
  const mb = offsetF32(backend, mean) * 4;
  const sb = offsetF32(backend, scratch) * 4;
  const cb = 4 * C;
  const sdy = blockedColumnSums(backend, rows, C, sb, (r0, r1) => L.colsum(dyb + r0 * cb, dyb + r1 * cb, cb, sb));
  const sdx = blockedColumnSums(backend, rows, C, sb, (r0, r1) => L.colprodDev(dyb + r0 * cb, xb + r0 * cb, dyb + r1 * cb, cb, mb, sb));
  // sum (x - m) with m the float32 mean: not exactly zero; k below absorbs it so that dx
  // sums to zero over each channel as in exact arithmetic (a conv bias before a batch
  // norm then gets a gradient at float noise, like the composed ops give)
  const sx = blockedColumnSums(backend, rows, C, sb, (r0, r1) => L.colsum(xb + r0 * cb, xb + r1 * cb, cb, sb));
  const heap = heapF32(backend);
  const f64At = ((sb + 4 * C + 7) & ~7) >>> 0; // 8-byte aligned start of the float64 vectors
  const v64 = new Float64Array(heap.buffer, f64At, 5 * C);
  const gi = offsetF32(backend, gamma);
  const vi = offsetF32(backend, variance);
  const dgi = offsetF32(backend, dgamma);
  const dbi = offsetF32(backend, dbeta);
  const [m, a, b, k, d] = [0, C, 2 * C, 3 * C, 4 * C];
  for (let c = 0; c < C; c++) {
    const inv = 1 / Math.sqrt(heap[vi + c]! + attrs.epsilon);
    const g = heap[gi + c]!;
    const dg = sdx[c]! * inv;
    heap[dgi + c] = dg;
    heap[dbi + c] = sdy[c]!;
    const mc = heap[(mb >>> 2) + c]!;
    const bc = (-g * inv * inv * dg) / rows;
    v64[m + c] = mc;
    v64[a + c] = g * inv;
    v64[b + c] = bc;
    v64[d + c] = sdy[c]! / rows;
    v64[k + c] = -(bc * (sx[c]! - rows * mc)) / rows;
  }
  const at = (i: number) => f64At + 8 * i;
  L.affine2(dyb, xb, dyb + rows * cb, 8 * C, at(m), at(a), at(b), at(k), at(d), dxb);

  free(backend, scratch);
  return [dx, dgamma, dbeta];
}

/** Kernel config: fused training batch norm on 'wasm'. */
export const batchNormTrainConfig: tf.KernelConfig = {
  kernelName: BN_TRAIN,
  backendName: 'wasm',
  kernelFunc: bnTrain as unknown as tf.KernelFunc,
};

/** Kernel config: its gradient on 'wasm'. */
export const batchNormTrainGradConfig: tf.KernelConfig = {
  kernelName: BN_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: bnTrainGrad as unknown as tf.KernelFunc,
};
