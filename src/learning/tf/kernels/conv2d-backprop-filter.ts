/**
 * `Conv2DBackpropFilter` for the wasm backend (the package has none).
 *
 * dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[b, oh, ow, co].
 * That is one stride-1 convolution, dilated by the forward stride, of the input with
 * channels and batch swapped (`xT = x^[ci, h, w, b]`) by the output gradient used as the
 * filter (`dyT = dy^[oh, ow, b, co]`); its output `[ci, kh, kw, co]` is transposed back.
 * All three steps are the wasm backend's XNNPACK / C++ kernels. For 1x1 kernels the
 * patches are a strided subsample of x and one MatMul is cheaper (see im2colFilterGrad).
 */
import * as tf from '@tensorflow/tfjs';
import { free, heapF32, offsetF32, runWasm, transpose, type Info, type WasmBackendLike } from './util.js';
import { simdLoops } from './simd.js';

/**
 * dW by patch extraction: P[(c, i, j), (b, oh, ow)] = x[b, oh*sh + i - pt, ow*sw + j - pl, c]
 * (zero outside), laid out `[K, N]` so that `dW' = P x dy` is one non-transposed
 * MatMul (XNNPACK's fully-connected kernel, threaded); `dW'` is `[ci, kh, kw, co]`.
 */
function im2colFilterGrad(
  backend: WasmBackendLike,
  x: Info,
  dy: Info,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
): Info {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const [, OH, OW, CO] = dy.shape as [number, number, number, number];
  const K = C * kh * kw;
  const N = B * OH * OW;
  const p = backend.makeOutput([1, K, N], 'float32');
  const heap = heapF32(backend);
  const xo = offsetF32(backend, x);
  const po = offsetF32(backend, p);
  const step = sw * C;
  const loops = simdLoops(backend);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = po + ((c * kh + i) * kw + j) * N;
        // Valid ow: 0 <= ow*sw + j - pl < W.
        const owLo = Math.max(0, Math.ceil((pl - j) / sw)) | 0;
        const owHi = Math.min(OW - 1, Math.floor((W - 1 + pl - j) / sw)) | 0;
        for (let b = 0; b < B; b++) {
          for (let oh = 0; oh < OH; oh++) {
            const d = row + (b * OH + oh) * OW;
            const ih = oh * sh + i - pt;
            if (ih < 0 || ih >= H || owHi < owLo) {
              for (let ow = 0; ow < OW; ow++) heap[d + ow] = 0;
              continue;
            }
            for (let ow = 0; ow < owLo; ow++) heap[d + ow] = 0;
            for (let ow = owHi + 1; ow < OW; ow++) heap[d + ow] = 0;
            let s0 = xo + ((b * H + ih) * W + owLo * sw + j - pl) * C + c;
            if (loops) loops.strided(4 * (d + owLo), 4 * s0, 4 * (d + owHi + 1), 4 * step);
            else for (let ow = owLo; ow <= owHi; ow++, s0 += step) heap[d + ow] = heap[s0]!;
          }
        }
      }
    }
  }
  const dy3 = runWasm('Reshape', { x: dy }, { shape: [1, N, CO] }, backend);
  const g = runWasm('BatchMatMul', { a: p, b: dy3 }, { transposeA: false, transposeB: false }, backend);
  free(backend, p, dy3);
  if (C === 1) {
    const out = runWasm('Reshape', { x: g }, { shape: [kh, kw, 1, CO] }, backend);
    free(backend, g);
    return out;
  }
  const g4 = runWasm('Reshape', { x: g }, { shape: [C, kh, kw, CO] }, backend);
  free(backend, g);
  const out = transpose(backend, g4, [1, 2, 0, 3]);
  free(backend, g4);
  return out;
}

/** Which path {@link conv2DBackpropFilter} takes (tests force one). */
export const filterGradMode: {
  force: 'im2col' | 'conv' | null;
} = { force: null };

/** The path taken unless forced: patches + MatMul for 1x1 kernels and single-channel inputs. */
export function defaultFilterGradPath(kh: number, kw: number, inChannels: number): 'im2col' | 'conv' {
  return (kh === 1 && kw === 1) || inChannels === 1 ? 'im2col' : 'conv';
}

function conv2DBackpropFilter(args: {
  inputs: { x: Info; dy: Info };
  attrs: {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  backend: WasmBackendLike;
}): Info {
  const { inputs, attrs, backend } = args;
  const { x, dy } = inputs;
  if (attrs.dataFormat === 'NCHW') throw new Error('dflsim Conv2DBackpropFilter (wasm): dataFormat NCHW is not supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [, h, w] = x.shape as number[];
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Patches + MatMul wins for 1x1 kernels (FADNet's strided shortcuts and support
  // branches: 3-4x) and for single-channel inputs (the 5x5 stem, kernel alone: 6.7-9.0 ->
  // 1.9 ms at 16x64x64, 117 -> 42 ms at 32x200x200); the XNNPACK convolution below
  // is as fast or faster for the 3x3 kernels on 32-128 channels (`node dist/bench/kernels.js`
  // times both paths on every FADNet shape).
  const useIm2col = (filterGradMode.force ?? defaultFilterGradPath(kh, kw, x.shape[3]!)) === 'im2col';
  if (useIm2col && info.dilationHeight === 1 && info.dilationWidth === 1) {
    return im2colFilterGrad(backend, x, dy, kh, kw, sh, sw, pt, pl);
  }
  let pb = kh + (oh - 1) * sh - h! - pt;
  let pr = kw + (ow - 1) * sw - w! - pl;
  let xT = transpose(backend, x, [3, 1, 2, 0]);
  if (pb < 0 || pr < 0) {
    const ch = h! + Math.min(pb, 0);
    const cw = w! + Math.min(pr, 0);
    const cropped = runWasm('Slice', { x: xT }, { begin: [0, 0, 0, 0], size: [xT.shape[0]!, ch, cw, xT.shape[3]!] }, backend);
    free(backend, xT);
    xT = cropped;
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const g = runWasm(
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
    backend,
  );
  free(backend, xT, dyT);
  const out = transpose(backend, g, [1, 2, 0, 3]);
  free(backend, g);
  return out;
}

/** Kernel config: `Conv2DBackpropFilter` on 'wasm'. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
