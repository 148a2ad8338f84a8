/**
 * `Conv2DBackpropFilter` for the wasm backend (the package has none).
 *
 * dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[b, oh, ow, co].
 * That is one stride-1 convolution, dilated by the forward stride, of the input with
 * channels and batch swapped (`xT = x^[ci, h, w, b]`) by the output gradient used as the
 * filter (`dyT = dy^[oh, ow, b, co]`); its output `[ci, kh, kw, co]` is transposed back.
 * All three steps are the wasm backend's XNNPACK / C++ kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { free, runWasm, transpose, type Info, type WasmBackendLike } from './util.js';

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
