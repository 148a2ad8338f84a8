/**
 * FADNet (Nguyen et al., "Deep Federated Learning for Autonomous Driving", IEEE IV 2022),
 * laid out as in shared/spec/fadnet.md: 341,980 trainable parameters at 200x200x1.
 */
import * as tf from '@tensorflow/tfjs';
import { FusedBatchNorm } from './batch-norm.js';
import { Accumulation, Aggregation, PixelNormalization, PlainConv2D, SeededDropout, SupportBranch, WidthDense } from './layers.js';

/** Spatial sizes (pixels) through FADNet and the support strides chosen for an input size. */
export interface FadnetGeometry {
  /** Input side (pixels). */
  size: number;
  /** Sides of x1, x2, x3, x4. */
  sides: [number, number, number, number];
  /** Strides of support branches 1, 2, 3. */
  supportStrides: [number, number, number];
  /** Length of f1 = f2 = f3 = fs. */
  featureLength: number;
}

/**
 * Geometry of FADNet for a square input of `size` pixels: the support strides are the
 * smallest that make f1, f2, f3 as long as fs.
 * @throws when the size is too small or no stride works
 */
export function fadnetGeometry(size: number): FadnetGeometry {
  if (!Number.isInteger(size) || size < 16) throw new Error(`dflsim fadnet: inputSize must be an integer >= 16 pixels, got ${size}`);
  const stem = Math.ceil(size / 2);
  const x1 = Math.floor((stem - 3) / 2) + 1;
  const x2 = Math.ceil(x1 / 2);
  const x3 = Math.ceil(x2 / 2);
  const x4 = Math.ceil(x3 / 2);
  const strides = [x1, x2, x3].map((n, i) => {
    for (let s = 1; s <= n; s++) if (Math.ceil(n / s) === x4) return s;
    throw new Error(`dflsim fadnet: inputSize ${size}: no stride makes support ${i + 1} (side ${n}) match fs (side ${x4})`);
  }) as [number, number, number];
  return { size, sides: [x1, x2, x3, x4], supportStrides: strides, featureLength: x4 * x4 * 128 };
}

/** Options of {@link buildFadnet}. */
export interface FadnetOptions {
  /** Square input side (pixels); 200 in the paper. */
  inputSize: number;
  /** Seed of the dropout mask stream. */
  seed: number;
}

/**
 * A residual block of the ResNet-8 backbone FADNet shares with DroNet: BN, ReLU, conv 3x3/2,
 * BN, ReLU, conv 3x3/1, plus a conv 1x1/2 shortcut of the input.
 */
export function residualBlock(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
  // PyTorch's BatchNorm2d defaults (its momentum 0.1 is Keras' 0.9): moving statistics that
  // follow the data within a few dozen rounds, so an averaged model evaluates sensibly early on
  const bn = (n: string) => new FusedBatchNorm({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: `${name}_${n}` });
  const conv = (k: number, s: number, n: string) =>
    tf.layers.conv2d({ filters, kernelSize: k, strides: s, padding: 'same', name: `${name}_${n}`, kernelInitializer: 'zeros' });
  let y = bn('bn1').apply(x) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = conv(3, 2, 'conv1').apply(y) as tf.SymbolicTensor;
  y = bn('bn2').apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = conv(3, 1, 'conv2').apply(y) as tf.SymbolicTensor;
  const s = conv(1, 2, 'short').apply(x) as tf.SymbolicTensor;
  return tf.layers.add().apply([y, s]) as tf.SymbolicTensor;
}

/**
 * Build FADNet (weights zero; load real ones through the trainer).
 * Input: `[batch, size, size, 1]` pixels in [0, 255]; output `[batch, 1]` steering angle.
 */
export function buildFadnet(opts: FadnetOptions): tf.LayersModel {
  const g = fadnetGeometry(opts.inputSize);
  const input = tf.input({ shape: [g.size, g.size, 1], name: 'image' });
  let x = new PixelNormalization({ name: 'normalize' }).apply(input) as tf.SymbolicTensor;
  x = new PlainConv2D({ filters: 32, kernelSize: 5, strides: 2, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  const x1 = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const x2 = residualBlock(x1, 32, 'res1');
  const x3 = residualBlock(x2, 64, 'res2');
  const x4 = residualBlock(x3, 128, 'res3');
  const [s1, s2, s3] = g.supportStrides;
  const f1 = new SupportBranch({ filters: 256, stride: s1, name: 'support1' }).apply(x1) as tf.SymbolicTensor;
  const f2 = new SupportBranch({ filters: 256, stride: s2, name: 'support2' }).apply(x2) as tf.SymbolicTensor;
  const f3 = new SupportBranch({ filters: 256, stride: s3, name: 'support3' }).apply(x3) as tf.SymbolicTensor;
  let fs = new WidthDense({ name: 'width_dense' }).apply(x4) as tf.SymbolicTensor;
  fs = new SeededDropout({ rate: 0.5, seed: opts.seed, name: 'dropout' }).apply(fs) as tf.SymbolicTensor;
  const fc = new Accumulation({ name: 'accumulation' }).apply([f1, f2, f3]) as tf.SymbolicTensor;
  const out = new Aggregation({ name: 'aggregation' }).apply([fs, fc]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'fadnet' });
}
