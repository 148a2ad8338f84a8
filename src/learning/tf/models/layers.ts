/**
 * Custom TensorFlow.js layers of the FADNet family (see shared/spec/fadnet.md):
 * pixel normalisation, support branches, the width-axis dense, seeded dropout,
 * Accumulation and Aggregation.
 */
import * as tf from '@tensorflow/tfjs';

type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** Pixels in [0, 255] to [-1, 1]: `x / 127.5 - 1`. */
export class PixelNormalization extends tf.layers.Layer {
  static readonly className = 'DflsimPixelNormalization';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.sub(tf.mul(one(inputs), 1 / 127.5), 1));
  }
  override computeOutputShape(s: Shape): Shape {
    return s;
  }
}

/** Options of {@link SupportBranch}. */
export interface SupportBranchArgs {
  /** Output channels of the 1x1 convolution (256 in FADNet). */
  filters: number;
  /** Its stride (pixels). */
  stride: number;
  name?: string;
}

/**
 * FADNet support branch: a 1x1 convolution with stride and bias ("same" padding),
 * flattened (height, width, channel order) and averaged over adjacent pairs.
 */
export class SupportBranch extends tf.layers.Layer {
  static readonly className = 'DflsimSupportBranch';
  readonly filters: number;
  readonly stride: number;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: SupportBranchArgs) {
    super({ name: args.name });
    if (args.filters % 2 !== 0) throw new Error(`dflsim SupportBranch: filters must be even, got ${args.filters}`);
    this.filters = args.filters;
    this.stride = args.stride;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const cin = s[s.length - 1] as number;
    this.kernel = this.addWeight('kernel', [1, 1, cin, this.filters], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D;
      const y = tf.add(tf.conv2d(x, this.kernel!.read() as tf.Tensor4D, this.stride, 'same'), this.bias!.read()) as tf.Tensor4D;
      const n = y.shape[1] * y.shape[2] * y.shape[3];
      return tf.mean(tf.reshape(y, [y.shape[0], n / 2, 2]), 2);
    });
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    const h = Math.ceil((sh[1] as number) / this.stride);
    const w = Math.ceil((sh[2] as number) / this.stride);
    return [sh[0]!, (h * w * this.filters) / 2];
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, stride: this.stride };
  }
}

/** Options of {@link PlainConv2D}. */
export interface PlainConv2DArgs {
  filters: number;
  /** Square kernel side (pixels). */
  kernelSize: number;
  /** Stride (pixels). */
  strides: number;
  padding: 'same' | 'valid';
  name?: string;
}

/**
 * Convolution plus bias without tfjs's fused kernel. The fused op's gradient always
 * computes the input gradient; this one lets the tape skip it where nothing upstream
 * trains (e.g. the first layer), which saves the costliest backward convolution.
 */
export class PlainConv2D extends tf.layers.Layer {
  static readonly className = 'DflsimPlainConv2D';
  readonly args: PlainConv2DArgs;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  constructor(args: PlainConv2DArgs) {
    super({ name: args.name });
    this.args = args;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const cin = s[s.length - 1] as number;
    const k = this.args.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, cin, this.args.filters], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.args.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      tf.add(
        tf.conv2d(one(inputs) as tf.Tensor4D, this.kernel!.read() as tf.Tensor4D, this.args.strides, this.args.padding),
        this.bias!.read(),
      ),
    );
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    const { kernelSize: k, strides: st, padding } = this.args;
    const o = (n: number) => (padding === 'same' ? Math.ceil(n / st) : Math.floor((n - k) / st) + 1);
    return [sh[0]!, o(sh[1] as number), o(sh[2] as number), this.args.filters];
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args };
  }
}

/** Dense `w -> w` applied along the width axis of an NHWC tensor, then ReLU, then flatten (h, c, w order). */
export class WidthDense extends tf.layers.Layer {
  static readonly className = 'DflsimWidthDense';
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const w = s[2] as number;
    this.kernel = this.addWeight('kernel', [w, w], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [w], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const t = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [b * h * c, w]);
      const y = tf.relu(tf.add(tf.matMul(t, this.kernel!.read() as tf.Tensor2D), this.bias!.read()));
      return tf.reshape(y, [b, h * c * w]);
    });
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const sh = s as Shape;
    return [sh[0]!, (sh[1] as number) * (sh[2] as number) * (sh[3] as number)];
  }
}

/**
 * Inverted dropout whose mask comes from a seeded stream: seed `seed + call index`, so
 * runs are reproducible and masks differ between steps. Identity unless `training`.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'DflsimSeededDropout';
  readonly rate: number;
  seed: number;
  private calls = 0;
  constructor(args: { rate: number; seed: number; name?: string }) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dflsim SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }
  /** Restart the mask stream (e.g. per silo) at `seed`. */
  reseed(seed: number): void {
    this.seed = seed;
    this.calls = 0;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    return tf.tidy(() => tf.mul(x, this.nextMaskTensor(x.shape)));
  }
  /** The next training call's scaled mask (`keep / (1 - rate)`), advancing the stream as a call does. */
  private nextMaskTensor(shape: number[]): tf.Tensor {
    const seed = (this.seed + this.calls++) >>> 0;
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(keep, 1 / (1 - this.rate));
    });
  }
  /** {@link nextMaskTensor}'s values (for a training step that multiplies by the mask itself); all ones at rate 0. */
  nextMask(shape: number[]): Float32Array {
    if (this.rate === 0) return new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1);
    const t = this.nextMaskTensor(shape);
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  }
  override computeOutputShape(s: Shape): Shape {
    return s;
  }
}

/** FADNet Accumulation: `fc = w1*f1 + w2*f2 + w3*f3 + b` (a dense 3 -> 1 over the stacked features). */
export class Accumulation extends tf.layers.Layer {
  static readonly className = 'DflsimAccumulation';
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  override build(inputShape: Shape | Shape[]): void {
    const n = (inputShape as Shape[]).length;
    this.kernel = this.addWeight('kernel', [n, 1], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const fs = inputs as tf.Tensor[];
      const k = this.kernel!.read();
      let acc = tf.mul(fs[0]!, tf.slice(k, [0, 0], [1, 1]).reshape([]));
      for (let i = 1; i < fs.length; i++) acc = tf.add(acc, tf.mul(fs[i]!, tf.slice(k, [i, 0], [1, 1]).reshape([])));
      return tf.add(acc, this.bias!.read().reshape([]));
    });
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape[])[0]!;
  }
}

/** FADNet Aggregation: mean over features of `fs ⊙ fc`, one value per sample. */
export class Aggregation extends tf.layers.Layer {
  static readonly className = 'DflsimAggregation';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [fs, fc] = inputs as tf.Tensor[];
      return tf.mean(tf.mul(fs!, fc!), 1, true);
    });
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return [(s as Shape[])[0]![0]!, 1];
  }
}

for (const c of [PlainConv2D, PixelNormalization, SupportBranch, WidthDense, SeededDropout, Accumulation, Aggregation]) {
  tf.serialization.registerClass(c as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
