/**
 * Fast `Conv2DBackpropInput` for the wasm backend (the package's is a naive C++ loop).
 *
 * Polyphase decomposition: for a forward stride s, the input rows i with
 * (i + padTop) mod s = r receive gradient only from the filter taps kh = r, r+s, r+2s, ...
 * For each phase (rh, rw) this is a stride-1 convolution of dy with that sub-filter,
 * flipped and with its channel axes swapped, run by the wasm backend's XNNPACK Conv2D;
 * the phase outputs are then interleaved into dx on the wasm heap (contiguous
 * channel-vector copies). For stride 1 with symmetric padding the convolution output
 * is dx itself.
 */
import * as tf from '@tensorflow/tfjs';
import { free, heapF32, offsetF32, runWasm, transpose, type Info, type WasmBackendLike } from './util.js';

interface Phase {
  /** filter taps in this phase along the axis */
  m: number;
  /** first and last q (i = q*s + r - pad) */
  qlo: number;
  nq: number;
  /** non-negative conv paddings used */
  padLo: number;
  padHi: number;
  /** conv output index = q + shift */
  shift: number;
}

function phase(r: number, s: number, k: number, n: number, pad: number, outN: number): Phase {
  const m = k > r ? Math.ceil((k - r) / s) : 0;
  const qlo = Math.ceil((pad - r) / s);
  const qhi = Math.floor((n - 1 + pad - r) / s);
  const nq = Math.max(qhi - qlo + 1, 0);
  const padTop = m - 1 - qlo;
  const padBot = nq - outN + qlo;
  const padLo = Math.max(padTop, 0);
  const padHi = Math.max(padBot, 0);
  return { m, qlo, nq, padLo, padHi, shift: padLo - m + 1 };
}

function conv2DBackpropInput(args: {
  inputs: { dy: Info; filter: Info };
  attrs: {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  backend: WasmBackendLike;
}): Info {
  const { inputs, attrs, backend } = args;
  const { dy, filter } = inputs;
  if (attrs.dataFormat === 'NCHW') throw new Error('dflsim Conv2DBackpropInput (wasm): dataFormat NCHW is not supported');
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [bsz, h, w, ci] = attrs.inputShape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const co = filter.shape[3]!;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  let dx: Info | null = null;
  let wT: Info | null = null;
  let zeroed = false;
  for (let rh = 0; rh < sh; rh++) {
    const ph = phase(rh, sh, kh, h, pt, oh);
    if (ph.nq === 0) continue;
    for (let rw = 0; rw < sw; rw++) {
      const pw = phase(rw, sw, kw, w, pl, ow);
      if (pw.nq === 0) continue;
      if (ph.m === 0 || pw.m === 0) continue; // rows/cols that get no gradient: zeros
      // Sub-filter G[j, l, co, ci] = W[rh + sh*(mh-1-j), rw + sw*(mw-1-l), ci, co]: whole
      // [co, ci] blocks of the channel-swapped filter (one native transpose per call).
      if (wT === null) wT = transpose(backend, filter, [0, 1, 3, 2]);
      const g = backend.makeOutput([ph.m, pw.m, co, ci], 'float32');
      const heapG = heapF32(backend);
      const gOff = offsetF32(backend, g);
      const tOff = offsetF32(backend, wT);
      const blk = co * ci;
      for (let j = 0; j < ph.m; j++) {
        const fh = rh + sh * (ph.m - 1 - j);
        for (let l = 0; l < pw.m; l++) {
          const fw = rw + sw * (pw.m - 1 - l);
          const src = tOff + (fh * kw + fw) * blk;
          heapG.copyWithin(gOff + (j * pw.m + l) * blk, src, src + blk);
        }
      }
      const p = runWasm(
        'Conv2D',
        { x: dy, filter: g },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: [
            [0, 0],
            [ph.padLo, ph.padHi],
            [pw.padLo, pw.padHi],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
        backend,
      );
      free(backend, g);
      const [, pH, pW] = p.shape as number[];
      // Identity mapping: the phase output is dx.
      if (sh === 1 && sw === 1 && pH === h && pW === w && ph.qlo + ph.shift - pt === 0 && pw.qlo + pw.shift - pl === 0) {
        free(backend, wT);
        return p;
      }
      if (dx === null) dx = backend.makeOutput([bsz, h, w, ci], 'float32');
      const heap = heapF32(backend);
      const dxOff = offsetF32(backend, dx);
      const pOff = offsetF32(backend, p);
      if (!zeroed && (sh > 1 || sw > 1) && needsZero(sh, sw, kh, kw, h, w, pt, pl, oh, ow)) {
        heap.fill(0, dxOff, dxOff + bsz * h * w * ci);
        zeroed = true;
      }
      for (let b = 0; b < bsz; b++) {
        for (let qi = 0; qi < ph.nq; qi++) {
          const q = ph.qlo + qi;
          const i = q * sh + rh - pt;
          const prow = ((b * pH + q + ph.shift) * pW + pw.qlo + pw.shift) * ci + pOff;
          const drow = ((b * h + i) * w + pw.qlo * sw + rw - pl) * ci + dxOff;
          if (sw === 1) {
            heap.copyWithin(drow, prow, prow + pw.nq * ci);
          } else {
            const dstep = sw * ci;
            for (let qj = 0; qj < pw.nq; qj++) {
              const s0 = prow + qj * ci;
              heap.copyWithin(drow + qj * dstep, s0, s0 + ci);
            }
          }
        }
      }
      free(backend, p);
    }
  }
  if (wT !== null) free(backend, wT);
  if (dx === null) {
    dx = backend.makeOutput([bsz, h, w, ci], 'float32');
    const off = offsetF32(backend, dx);
    heapF32(backend).fill(0, off, off + bsz * h * w * ci);
  }
  return dx;
}

/** True when some phase of dx receives no gradient (a tap-less phase) and must be zeroed. */
function needsZero(
  sh: number,
  sw: number,
  kh: number,
  kw: number,
  h: number,
  w: number,
  pt: number,
  pl: number,
  oh: number,
  ow: number,
): boolean {
  for (let r = 0; r < sh; r++) {
    const p = phase(r, sh, kh, h, pt, oh);
    if (p.nq > 0 && p.m === 0) return true;
  }
  for (let r = 0; r < sw; r++) {
    const p = phase(r, sw, kw, w, pl, ow);
    if (p.nq > 0 && p.m === 0) return true;
  }
  return false;
}

/** Kernel config: `Conv2DBackpropInput` on 'wasm'. */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
