/**
 * The native ops of the common tf.layers layers (see plan.ts): Conv2D, Dense, batch norm
 * (Keras' and dflsim's fused one, training mode), max and average pooling, global average
 * pooling, Flatten, Reshape, dflsim's seeded dropout, the activations (as layers or a
 * layer's `activation`), Add and Concatenate on the channel axis. Each checks what it
 * covers and otherwise says why not (the model then trains through tf.layers).
 */
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from '../models/layers.js';
import { registerNativeOp, type ArenaTensor, type NativeOp, type OpContext } from './plan.js';

type Cfg = tf.serialization.ConfigDict;

/** An activation: a kind of the addon's `act` (0 linear, 1 ReLU, 2 ReLU6, 3 leaky ReLU, 4 sigmoid) or softmax over the last axis. */
export interface Act {
  kind: number | 'softmax';
  alpha: number;
}

export const ACTS: Record<string, Act> = {
  linear: { kind: 0, alpha: 0 },
  relu: { kind: 1, alpha: 0 },
  relu6: { kind: 2, alpha: 0 },
  sigmoid: { kind: 4, alpha: 0 },
  softmax: { kind: 'softmax', alpha: 0 },
};

/** An activation from a config's name (null: not covered). */
function activationOf(name: unknown): Act | null {
  if (name === undefined || name === null) return ACTS.linear!;
  return typeof name === 'string' ? (ACTS[name.toLowerCase()] ?? null) : null;
}

/** Apply an activation in place on t (rows of its last axis for softmax). */
function actForward(c: OpContext, a: Act, t: ArenaTensor, h: Float32Array): void {
  if (a.kind === 'softmax') {
    const C = t.shape[t.shape.length - 1]!;
    c.addon.softmax(h, t.size / C, C, t.off, t.off);
  } else if (a.kind !== 0) c.addon.act(h, a.kind, t.size, t.off, t.off, a.alpha);
}

/** The gradient before the activation of t (from its output and gradient) into dz; returns dz's offset (t.grad when linear). */
function actBackward(c: OpContext, a: Act, t: ArenaTensor, dz: number, h: Float32Array): number {
  if (a.kind === 0) return t.grad;
  if (a.kind === 'softmax') {
    const C = t.shape[t.shape.length - 1]!;
    c.addon.softmaxGrad(h, t.size / C, C, t.off, t.grad, dz);
  } else c.addon.actGrad(h, a.kind, t.size, t.off, t.grad, dz, a.alpha);
  return dz;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number]);
const channelsLast = (cfg: Cfg) => cfg.dataFormat === undefined || cfg.dataFormat === 'channelsLast';

/** The conv kernel's fused activations (conv.h): linear, ReLU, ReLU6, leaky ReLU. */
const FUSED_CONV_ACT = new Set([0, 1, 2, 3]);

/**
 * A 2-D convolution (NHWC, dilation 1) with optional bias and activation: forward as one
 * native call (fused where the kernel has the activation); backward the activation's
 * gradient, the filter gradient, the bias's column sums and, where needed, the input gradient.
 */
export function convOp(
  c: OpContext,
  spec: { kernel: string; bias: string | null; strides: [number, number]; padding: 'same' | 'valid'; act: Act },
  x: ArenaTensor = c.inputs[0]!,
  y: ArenaTensor = c.output,
): NativeOp | string {
  const k = c.weight(spec.kernel);
  const b = spec.bias ? c.weight(spec.bias) : undefined;
  if (!k || x.shape.length !== 4 || k.shape.length !== 4) return 'is not a 2-D convolution on NHWC images';
  if (spec.bias && !b) return 'has no bias weight';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    k.shape as [number, number, number, number],
    spec.strides,
    1,
    spec.padding,
  );
  if (info.outShape.some((d, i) => d !== y.shape[i])) return 'has an output shape the convolution does not give';
  const fused = typeof spec.act.kind === 'number' && FUSED_CONV_ACT.has(spec.act.kind);
  const dz = spec.act.kind !== 0 && y.grad >= 0 ? c.alloc(y.size) : -1;
  const call = (h: Float32Array, op: number, a: number, f: number, out: number, bias: number, act: number) =>
    c.addon.conv2d(
      h,
      op,
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.filterHeight,
      info.filterWidth,
      info.outChannels,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      info.outHeight,
      info.outWidth,
      a,
      f,
      out,
      bias,
      act,
      spec.act.alpha,
      c.threads(),
    );
  return {
    forward(h) {
      call(h, 0, x.off, k.w, y.off, b ? b.w : -1, fused ? (spec.act.kind as number) : 0);
      if (!fused) actForward(c, spec.act, y, h);
    },
    backward(h) {
      if (y.grad < 0) return;
      const d = actBackward(c, spec.act, y, dz, h);
      call(h, 2, x.off, d, k.g, -1, 0);
      if (b) c.addon.colSums(h, y.size / info.outChannels, info.outChannels, d, b.g);
      if (x.grad >= 0) call(h, 1, d, k.w, x.grad, -1, 0);
    },
  };
}

registerNativeOp('Conv2D', (c) => {
  const cfg = c.config;
  if (!channelsLast(cfg)) return 'is channels-first';
  const [dh, dw] = pair(cfg.dilationRate ?? 1);
  if (dh !== 1 || dw !== 1) return 'is dilated';
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') return `has padding '${String(cfg.padding)}'`;
  const act = activationOf(cfg.activation);
  if (!act) return `has the activation '${String(cfg.activation)}'`;
  return convOp(c, {
    kernel: 'kernel',
    bias: cfg.useBias === false ? null : 'bias',
    strides: pair(cfg.strides ?? 1),
    padding: cfg.padding,
    act,
  });
});

/** Dense over the last axis: y = act(x W + b) as one product; backward dW = x^T dz, db = column sums, dx = dz W^T. */
registerNativeOp('Dense', (c) => {
  const act = activationOf(c.config.activation);
  if (!act) return `has the activation '${String(c.config.activation)}'`;
  const x = c.inputs[0]!;
  const y = c.output;
  const k = c.weight('kernel');
  const b = c.config.useBias === false ? undefined : c.weight('bias');
  if (!k || k.shape.length !== 2) return 'has no 2-D kernel';
  if (c.config.useBias !== false && !b) return 'has no bias weight';
  const [K, N] = k.shape as [number, number];
  const M = x.size / K;
  if (!Number.isInteger(M) || y.size !== M * N) return 'has shapes the product does not give';
  const dz = act.kind !== 0 && y.grad >= 0 ? c.alloc(y.size) : -1;
  return {
    forward(h) {
      c.addon.gemm(h, M, N, K, x.off, K, 1, k.w, N, 1, y.off, N, 0, c.threads());
      if (b) c.addon.biasAdd(h, M, N, y.off, b.w);
      actForward(c, act, y, h);
    },
    backward(h) {
      if (y.grad < 0) return;
      const d = actBackward(c, act, y, dz, h);
      c.addon.gemm(h, K, N, M, x.off, 1, K, d, N, 1, k.g, N, 0, c.threads());
      if (b) c.addon.colSums(h, M, N, d, b.g);
      if (x.grad >= 0) c.addon.gemm(h, M, K, N, d, N, 1, k.w, 1, N, x.grad, K, 0, c.threads());
    },
  };
});

/** Batch norm over the last axis in training mode: batch mean and biased variance (returned for the moving averages). */
function batchNormOp(c: OpContext): NativeOp | string {
  const cfg = c.config;
  const x = c.inputs[0]!;
  const axis = cfg.axis as number;
  if (axis !== -1 && axis !== x.shape.length - 1) return 'normalises another axis than the last';
  if (cfg.center === false || cfg.scale === false) return 'has no beta or no gamma';
  const gamma = c.weight('gamma');
  const beta = c.weight('beta');
  if (!gamma || !beta) return 'has no trainable gamma and beta';
  const C = x.shape[x.shape.length - 1]!;
  const R = x.size / C;
  const y = c.output;
  const eps = cfg.epsilon as number;
  const mean = c.alloc(C);
  const variance = c.alloc(C);
  const dx = x.grad >= 0 ? x.grad : c.alloc(x.size);
  return {
    forward(h) {
      c.addon.bnForward(h, R, C, x.off, gamma.w, beta.w, y.off, mean, variance, eps);
    },
    backward(h) {
      if (y.grad < 0) return;
      c.addon.bnBackward(h, R, C, y.grad, x.off, gamma.w, mean, variance, dx, gamma.g, beta.g, eps);
    },
    batchStats: { mean, variance, channels: C, momentum: cfg.momentum as number },
  };
}
registerNativeOp('BatchNormalization', batchNormOp);
registerNativeOp('DflsimFusedBatchNorm', batchNormOp);

/**
 * Max or average pooling (NHWC). An average is over the taps inside the image and its
 * gradient spreads each window's over those taps (tfjs' AvgPoolGrad divides by the whole
 * window at the borders of 'same' padding, which is not the gradient of its forward).
 */
function poolOp(c: OpContext, kind: 'max' | 'avg'): NativeOp | string {
  const cfg = c.config;
  if (!channelsLast(cfg)) return 'is channels-first';
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') return `has padding '${String(cfg.padding)}'`;
  const x = c.inputs[0]!;
  const y = c.output;
  const size = pair(cfg.poolSize);
  const p = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    size,
    pair(cfg.strides ?? cfg.poolSize),
    1,
    cfg.padding,
  );
  if (p.outShape.some((d, i) => d !== y.shape[i])) return 'has an output shape the pooling does not give';
  const g = [p.batchSize, p.inHeight, p.inWidth, p.inChannels, p.outHeight, p.outWidth] as const;
  return {
    forward(h) {
      if (kind === 'max')
        c.addon.maxPool(h, ...g, p.filterHeight, p.filterWidth, p.strideHeight, p.strideWidth, p.padInfo.top, p.padInfo.left, x.off, y.off);
      else
        c.addon.avgPool(h, ...g, p.filterHeight, p.filterWidth, p.strideHeight, p.strideWidth, p.padInfo.top, p.padInfo.left, x.off, y.off);
    },
    backward(h) {
      if (x.grad < 0 || y.grad < 0) return;
      if (kind === 'max')
        c.addon.maxPoolGrad(
          h,
          ...g,
          p.effectiveFilterHeight,
          p.effectiveFilterWidth,
          p.strideHeight,
          p.strideWidth,
          p.dilationHeight,
          p.dilationWidth,
          p.padInfo.top,
          p.padInfo.left,
          x.off,
          y.off,
          y.grad,
          x.grad,
        );
      else
        c.addon.avgPoolGrad(
          h,
          ...g,
          p.filterHeight,
          p.filterWidth,
          p.strideHeight,
          p.strideWidth,
          p.padInfo.top,
          p.padInfo.left,
          y.grad,
          x.grad,
        );
    },
  };
}
registerNativeOp('MaxPooling2D', (c) => poolOp(c, 'max'));
registerNativeOp('AveragePooling2D', (c) => poolOp(c, 'avg'));

registerNativeOp('GlobalAveragePooling2D', (c) => {
  if (!channelsLast(c.config)) return 'is channels-first';
  const x = c.inputs[0]!;
  if (x.shape.length !== 4) return 'is not on NHWC images';
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const y = c.output;
  return {
    forward: (h) => c.addon.spatialMean(h, B, H * W, C, x.off, y.off),
    backward(h) {
      if (x.grad >= 0 && y.grad >= 0) c.addon.spatialMeanGrad(h, B, H * W, C, y.grad, x.grad);
    },
  };
});

/** A layer that only re-reads its input's values in another shape (row-major): copies. */
function viewOp(c: OpContext): NativeOp {
  const x = c.inputs[0]!;
  const y = c.output;
  return {
    forward: (h) => h.copyWithin(y.off, x.off, x.off + x.size),
    backward(h) {
      if (x.grad >= 0 && y.grad >= 0) h.copyWithin(x.grad, y.grad, y.grad + y.size);
    },
  };
}
registerNativeOp('Flatten', (c) => (channelsLast(c.config) ? viewOp(c) : 'is channels-first'));
registerNativeOp('Reshape', viewOp);

/** An activation as a layer. */
function activationLayer(c: OpContext, act: Act): NativeOp | string {
  const x = c.inputs[0]!;
  const y = c.output;
  return {
    forward(h) {
      if (act.kind === 'softmax') {
        const C = y.shape[y.shape.length - 1]!;
        c.addon.softmax(h, y.size / C, C, x.off, y.off);
      } else c.addon.act(h, act.kind, y.size, x.off, y.off, act.alpha);
    },
    backward(h) {
      if (x.grad < 0 || y.grad < 0) return;
      if (act.kind === 'softmax') {
        const C = y.shape[y.shape.length - 1]!;
        c.addon.softmaxGrad(h, y.size / C, C, y.off, y.grad, x.grad);
      } else c.addon.actGrad(h, act.kind, y.size, y.off, y.grad, x.grad, act.alpha);
    },
  };
}
registerNativeOp('Activation', (c) => {
  const act = activationOf(c.config.activation);
  return act ? activationLayer(c, act) : `has the activation '${String(c.config.activation)}'`;
});
registerNativeOp('ReLU', (c) => {
  const max = c.config.maxValue;
  if (max === undefined || max === null) return activationLayer(c, ACTS.relu!);
  return max === 6 ? activationLayer(c, ACTS.relu6!) : `has maxValue ${String(max)}`;
});
registerNativeOp('LeakyReLU', (c) => {
  const alpha = (c.config.alpha as number | undefined) ?? 0.3;
  return alpha > 0 ? activationLayer(c, { kind: 3, alpha }) : `has alpha ${alpha}`;
});
registerNativeOp('Softmax', (c) => {
  const axis = (c.config.axis as number | undefined) ?? -1;
  const rank = c.output.shape.length;
  return axis === -1 || axis === rank - 1 ? activationLayer(c, ACTS.softmax!) : 'is over another axis than the last';
});

/** dflsim's seeded dropout: the layer's next mask (as its tf.layers call draws it), y = x mask, dx = dy mask. */
registerNativeOp('DflsimSeededDropout', (c) => {
  const layer = c.layer;
  if (!(layer instanceof SeededDropout)) return 'is not a SeededDropout';
  const x = c.inputs[0]!;
  const y = c.output;
  const mask = c.alloc(x.size);
  return {
    forward(h) {
      h.set(layer.nextMask(x.shape), mask);
      c.addon.mul(h, x.size, x.off, mask, y.off);
    },
    backward(h) {
      if (x.grad >= 0 && y.grad >= 0) c.addon.mul(h, x.size, y.grad, mask, x.grad);
    },
  };
});

/** Element-wise sum of equal shapes: y = ((x0 + x1) + x2) ...; each input's gradient is the output's. */
registerNativeOp('Add', (c) => {
  const y = c.output;
  if (c.inputs.some((x) => x.size !== y.size || x.shape.some((d, i) => d !== y.shape[i]))) return 'broadcasts its inputs';
  const xs = c.inputs;
  return {
    forward(h) {
      c.addon.add(h, y.size, xs[0]!.off, xs[1]!.off, y.off, 0);
      for (let i = 2; i < xs.length; i++) c.addon.add(h, y.size, xs[i]!.off, 0, y.off, 1);
    },
    backward(h) {
      if (y.grad < 0) return;
      for (const x of xs) if (x.grad >= 0) h.copyWithin(x.grad, y.grad, y.grad + y.size);
    },
  };
});

/** Concatenation on the last (channel) axis. */
registerNativeOp('Concatenate', (c) => {
  const y = c.output;
  const rank = y.shape.length;
  const axis = (c.config.axis as number | undefined) ?? -1;
  if (axis !== -1 && axis !== rank - 1) return 'joins another axis than the last';
  const Cy = y.shape[rank - 1]!;
  const rows = y.size / Cy;
  let at = 0;
  const parts = c.inputs.map((x) => {
    const C = x.shape[rank - 1]!;
    const p = { x, C, at };
    at += C;
    return p;
  });
  if (at !== Cy) return 'has an output shape the concatenation does not give';
  return {
    forward(h) {
      for (const p of parts) c.addon.copyCols(h, rows, p.C, p.x.off, p.C, y.off + p.at, Cy);
    },
    backward(h) {
      if (y.grad < 0) return;
      for (const p of parts) if (p.x.grad >= 0) c.addon.copyCols(h, rows, p.C, y.grad + p.at, Cy, p.x.grad, p.C);
    },
  };
});
