/**
 * FADNet's layers (models/layers.ts) as custom ops of the native training step
 * (plan.ts): pixel normalisation, the plain convolution, the support branches,
 * the width-axis dense, Accumulation, and Aggregation, which as the model's output under
 * the MSE loss computes the loss and its gradient in one pass (the loss's gradient kept in
 * float64, as FADNet's hand-written step did: the same bits). Batch norm, ReLU, max
 * pooling, Add and the seeded dropout are the general path's own ops.
 */
import * as tf from '@tensorflow/tfjs';
import { registerNativeOp, type ArenaTensor } from './plan.js';
import { ACTS, convOp } from './ops.js';

/** `x / 127.5 - 1` in float32 (x * (1 / 127.5), then - 1); its gradient dy * (1 / 127.5). */
registerNativeOp('DflsimPixelNormalization', (c) => {
  const x = c.inputs[0]!;
  const y = c.output;
  return {
    forward: (h) => c.addon.affine(h, x.size, x.off, y.off, 1 / 127.5, -1),
    backward(h) {
      if (x.grad >= 0 && y.grad >= 0) c.addon.affine(h, x.size, y.grad, x.grad, 1 / 127.5, 0);
    },
  };
});

registerNativeOp('DflsimPlainConv2D', (c) => {
  const cfg = c.config;
  const padding = cfg.padding;
  if (padding !== 'same' && padding !== 'valid') return `has padding '${String(padding)}'`;
  return convOp(c, { kernel: 'kernel', bias: 'bias', strides: [cfg.strides as number, cfg.strides as number], padding, act: ACTS.linear! });
});

/** A 1x1 convolution with stride and bias ('same'), then the mean of adjacent pairs; backward halves the gradient onto both. */
registerNativeOp('DflsimSupportBranch', (c) => {
  const x = c.inputs[0]!;
  const f = c.output;
  const stride = c.config.stride as number;
  const k = c.weight('kernel');
  if (!k || x.shape.length !== 4) return 'is not on NHWC images';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    k.shape as [number, number, number, number],
    stride,
    1,
    'same',
  );
  const n = info.outShape.reduce((a, b) => a * b, 1);
  if (n !== 2 * f.size) return 'has an output shape the branch does not give';
  const p: ArenaTensor = { shape: info.outShape as number[], size: n, off: c.alloc(n), grad: c.alloc(n) };
  const conv = convOp(c, { kernel: 'kernel', bias: 'bias', strides: [stride, stride], padding: 'same', act: ACTS.linear! }, x, p);
  if (typeof conv === 'string') return conv;
  return {
    forward(h) {
      conv.forward(h);
      c.addon.pairMean(h, f.size, p.off, f.off);
    },
    backward(h) {
      c.addon.pairMeanGrad(h, f.size, f.grad, p.grad);
      conv.backward(h);
    },
  };
});

/** Dense w -> w along the width axis of NHWC, ReLU, flattened in (h, c, w) order. */
registerNativeOp('DflsimWidthDense', (c) => {
  const x = c.inputs[0]!;
  const z = c.output;
  const k = c.weight('kernel');
  const b = c.weight('bias');
  if (!k || !b || x.shape.length !== 4) return 'is not on NHWC images';
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const rows = B * H * C;
  const t = c.alloc(x.size);
  const dz = c.alloc(x.size);
  const dt = c.alloc(x.size);
  return {
    forward(h) {
      c.addon.swapLast2(h, B * H, W, C, x.off, t);
      c.addon.gemm(h, rows, W, W, t, W, 1, k.w, W, 1, z.off, W, 0, c.threads());
      c.addon.biasAdd(h, rows, W, z.off, b.w);
      c.addon.relu(h, rows * W, z.off, z.off);
    },
    backward(h) {
      c.addon.reluGrad(h, rows * W, z.off, z.grad, dz);
      c.addon.gemm(h, W, W, rows, t, 1, W, dz, W, 1, k.g, W, 0, c.threads());
      c.addon.colSums(h, rows, W, dz, b.g);
      if (x.grad < 0) return;
      c.addon.gemm(h, rows, W, W, dz, W, 1, k.w, 1, W, dt, W, 0, c.threads());
      c.addon.swapLast2(h, B * H, C, W, dt, x.grad);
    },
  };
});

/** fc = w1 f1 + w2 f2 + ... + b, each product and sum in float32. */
registerNativeOp('DflsimAccumulation', (c) => {
  const fs = c.inputs;
  const y = c.output;
  const k = c.weight('kernel');
  const b = c.weight('bias');
  if (!k || !b || fs.length > 8 || fs.some((f) => f.size !== y.size)) return 'has more than 8 inputs or inputs of other sizes';
  const pad = (xs: number[]) => [...xs, ...Array<number>(8 - xs.length).fill(-1)];
  const offs = pad(fs.map((f) => f.off));
  const grads = pad(fs.map((f) => f.grad));
  return {
    forward(h) {
      c.addon.accumulate(
        h,
        y.size,
        fs.length,
        ...(offs as [number, number, number, number, number, number, number, number]),
        k.w,
        b.w,
        y.off,
      );
    },
    backward(h) {
      c.addon.accumulateGrad(h, y.size, fs.length, y.grad, ...offs, k.w, ...grads, k.g, b.g);
    },
  };
});

/** The mean over features of fs fc, one value per sample: native as the model's output under the MSE loss. */
registerNativeOp('DflsimAggregation', (c) => {
  const [fs, fc] = c.inputs as [ArenaTensor, ArenaTensor];
  const out = c.output;
  if (!c.isOutput || c.loss !== 'mse') return `is native only as the model's output under the MSE loss (here ${c.loss})`;
  if (c.inputs.length !== 2 || fs.size !== fc.size || out.size !== c.batch) return 'has inputs of other sizes';
  const F = fs.size / c.batch;
  // a scratch gradient for an input that needs none (the kernel writes both)
  const dfs = fs.grad >= 0 ? fs.grad : c.alloc(fs.size);
  const dfc = fc.grad >= 0 ? fc.grad : c.alloc(fc.size);
  return {
    forward() {},
    backward() {},
    fusedLoss: (_loss, y) => (h) => c.addon.aggregationMse(h, c.batch, F, fs.off, fc.off, y, out.off, dfs, dfc),
  };
});
