/**
 * Correct `MaxPoolGrad` for the wasm backend. The package's kernel starts its running
 * maximum at the smallest positive float, so windows whose values are all <= 0 lose
 * their gradient. Here each output's gradient goes to the first maximum of its window
 * in row-major order (the cpu backend's choice), computed on the wasm heap with the
 * channel axis innermost.
 *
 * Each window's maximum is known (the forward output), so one scan for its first
 * occurrence replaces a running maximum; images are walked one at a time (locality).
 */
import * as tf from '@tensorflow/tfjs';
import { free, heapF32, offsetF32, type Info, type WasmBackendLike } from './util.js';
import { simdLoops } from './simd.js';
import { nativeKernelAddon } from './native.js';

/**
 * One window, all channels: the forward output is the window's maximum, so its first
 * occurrence (row-major) gets the gradient; a window with NaN falls back to a running
 * maximum. A small function so that V8 optimises it early.
 */
function poolWindow(
  heap: Float32Array,
  xb: number,
  yb: number,
  g: number,
  dxb: number,
  taps: Int32Array,
  t0: number,
  nt: number,
  C: number,
): void {
  const tEnd = t0 + nt;
  for (let c = 0; c < C; c++) {
    const m = heap[yb + c]!;
    let t = t0;
    while (t < tEnd && heap[xb + taps[t]! + c] !== m) t++;
    let arg = -1;
    if (t < tEnd) arg = taps[t]! + c;
    else {
      let best = -Infinity;
      for (let u = t0; u < tEnd; u++) {
        const i = taps[u]! + c;
        const v = heap[xb + i]!;
        if (v > best) {
          best = v;
          arg = i;
        }
      }
    }
    if (arg >= 0) heap[dxb + arg] = heap[dxb + arg]! + heap[g + c]!;
  }
}

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
  const { dy, input, output } = inputs;
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
  const native = nativeKernelAddon();
  if (native && input.dtype === 'float32') {
    // the same rule and order in C (NaN windows included)
    native.maxPoolGrad(
      heapF32(backend),
      B,
      H,
      W,
      C,
      OH,
      OW,
      fh,
      fw,
      sh,
      sw,
      dilH,
      dilW,
      pt,
      pl,
      offsetF32(backend, input),
      offsetF32(backend, output),
      offsetF32(backend, dy),
      offsetF32(backend, dx),
    );
    return dx;
  }
  const heap = heapF32(backend);
  const xo = offsetF32(backend, input);
  const dyo = offsetF32(backend, dy);
  const yo = offsetF32(backend, output);
  const dxo = offsetF32(backend, dx);
  heap.fill(0, dxo, dxo + B * H * W * C);
  // Offsets (relative to the image's first float) of each window's taps inside the
  // input, in row-major order, for every output position.
  const maxTaps = Math.ceil(fh / dilH) * Math.ceil(fw / dilW);
  const taps = new Int32Array(OH * OW * maxTaps);
  const counts = new Int32Array(OH * OW);
  for (let r = 0; r < OH; r++) {
    const h0 = r * sh - pt;
    for (let c0 = 0; c0 < OW; c0++) {
      const w0 = c0 * sw - pl;
      const base = (r * OW + c0) * maxTaps;
      let nt = 0;
      for (let kh = 0; kh < fh; kh += dilH) {
        const hh = h0 + kh;
        if (hh < 0 || hh >= H) continue;
        for (let kw = 0; kw < fw; kw += dilW) {
          const ww = w0 + kw;
          if (ww < 0 || ww >= W) continue;
          taps[base + nt++] = (hh * W + ww) * C;
        }
      }
      counts[r * OW + c0] = nt;
    }
  }
  const img = H * W * C;
  // SIMD: one wasm call per window (all channels, found-masks in registers); a window
  // whose maximum is not found in it (NaN) makes the whole gradient redo in JS below.
  const loops = C % 4 === 0 ? simdLoops(backend) : null;
  if (loops) {
    const tapsInfo = backend.makeOutput([taps.length], 'int32');
    const tb = backend.dataIdMap.get(tapsInfo.dataId).memoryOffset;
    const heapI = new Int32Array(heapF32(backend).buffer, tb, taps.length);
    for (let i = 0; i < taps.length; i++) heapI[i] = taps[i]! * 4;
    // offsets after the allocation (the heap may have grown; offsets stay)
    const [xb, yb, gb, db] = [input, output, dy, dx].map((t) => backend.dataIdMap.get(t.dataId).memoryOffset) as [
      number,
      number,
      number,
      number,
    ];
    const cb = C * 4;
    let ok = 1;
    for (let b = 0; b < B && ok; b++) {
      for (let p = 0; p < OH * OW; p++) {
        const o = (b * OH * OW + p) * cb;
        const t0 = tb + p * maxTaps * 4;
        ok &= loops.poolGradWindow(xb + b * img * 4, yb + o, gb + o, db + b * img * 4, t0, t0 + counts[p]! * 4, cb);
      }
    }
    free(backend, tapsInfo);
    if (ok) return dx;
    heapF32(backend).fill(0, dxo, dxo + B * H * W * C);
  }
  const heapNow = heapF32(backend);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < OH * OW; p++) {
      const o = (b * OH * OW + p) * C;
      poolWindow(heapNow, xo + b * img, yo + o, dyo + o, dxo + b * img, taps, p * maxTaps, counts[p]!, C);
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
