/**
 * Correct `MaxPoolGrad` for the wasm backend. The package's kernel starts its running
 * maximum at the smallest positive float, so windows whose values are all <= 0 lose
 * their gradient. Here each output's gradient goes to the first maximum of its window
 * in row-major order (the cpu backend's choice), computed on the wasm heap with the
 * channel axis innermost.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, offsetF32, type Info, type WasmBackendLike } from './util.js';

function maxPoolGrad(args: {
  inputs: { dy: Info; input: Info; output: Info };
  attrs: {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  backend: WasmBackendLike;
}): Info {
  const { inputs, attrs, backend } = args;
  const { dy, input } = inputs;
  const ci = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = ci;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = ci;
  const dilH = ci.dilationHeight;
  const dilW = ci.dilationWidth;
  const pt = ci.padInfo.top;
  const pl = ci.padInfo.left;
  const dx = backend.makeOutput(input.shape, 'float32');
  const heap = heapF32(backend);
  const xo = offsetF32(backend, input);
  const dyo = offsetF32(backend, dy);
  const dxo = offsetF32(backend, dx);
  heap.fill(0, dxo, dxo + B * H * W * C);
  // Offsets (relative to the window's first pixel) of the taps inside the input, in
  // row-major order; rebuilt only where the window crosses the border.
  const taps = new Int32Array(Math.ceil(fh / dilH) * Math.ceil(fw / dilW));
  for (let r = 0; r < OH; r++) {
    const h0 = r * sh - pt;
    for (let c0 = 0; c0 < OW; c0++) {
      const w0 = c0 * sw - pl;
      let nt = 0;
      for (let kh = 0; kh < fh; kh += dilH) {
        const hh = h0 + kh;
        if (hh < 0 || hh >= H) continue;
        for (let kw = 0; kw < fw; kw += dilW) {
          const ww = w0 + kw;
          if (ww < 0 || ww >= W) continue;
          taps[nt++] = (hh * W + ww) * C;
        }
      }
      if (nt === 0) continue;
      for (let b = 0; b < B; b++) {
        const xb = xo + b * H * W * C;
        const g = dyo + ((b * OH + r) * OW + c0) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let arg = -1;
          for (let t = 0; t < nt; t++) {
            const i = taps[t]! + c;
            const v = heap[xb + i]!;
            if (v > best) {
              best = v;
              arg = i;
            }
          }
          if (arg >= 0) {
            const d = dxo + b * H * W * C + arg;
            heap[d] = heap[d]! + heap[g + c]!;
          }
        }
      }
    }
  }
  return dx;
}

/** Kernel config: `MaxPoolGrad` on 'wasm'. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
