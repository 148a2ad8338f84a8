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
  const best = new Float32Array(C);
  const arg = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < OH; r++) {
      const h0 = r * sh - pt;
      for (let c0 = 0; c0 < OW; c0++) {
        const w0 = c0 * sw - pl;
        best.fill(-Infinity);
        arg.fill(-1);
        for (let kh = 0; kh < fh; kh += dilH) {
          const hh = h0 + kh;
          if (hh < 0 || hh >= H) continue;
          for (let kw = 0; kw < fw; kw += dilW) {
            const ww = w0 + kw;
            if (ww < 0 || ww >= W) continue;
            const base = ((b * H + hh) * W + ww) * C;
            const src = xo + base;
            for (let c = 0; c < C; c++) {
              const v = heap[src + c]!;
              if (v > best[c]!) {
                best[c] = v;
                arg[c] = base + c;
              }
            }
          }
        }
        const g = dyo + ((b * OH + r) * OW + c0) * C;
        for (let c = 0; c < C; c++) {
          const a = arg[c]!;
          if (a >= 0) heap[dxo + a] = heap[dxo + a]! + heap[g + c]!;
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
