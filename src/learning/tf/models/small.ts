/** Small models: a CNN for 28x28 images (FEMNIST / MNIST-like) and a linear model. */
import * as tf from '@tensorflow/tfjs';
import { PixelNormalization } from './layers.js';

/** Options of {@link buildSmallCnn}. */
export interface SmallCnnOptions {
  /** Square input side (pixels), 28 for FEMNIST. */
  inputSize: number;
  /** Input channels. */
  channels: number;
  /** Number of classes. */
  numClasses: number;
}

/** conv 5x5 32 + ReLU, max-pool 2, conv 5x5 64 + ReLU, max-pool 2, dense 128 + ReLU, dense (logits). */
export function buildSmallCnn(o: SmallCnnOptions): tf.LayersModel {
  if (o.inputSize < 8) throw new Error(`dflsim cnn: inputSize must be >= 8 pixels, got ${o.inputSize}`);
  const z = 'zeros';
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [o.inputSize, o.inputSize, o.channels],
        filters: 32,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: z,
      }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: z }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: z }),
      tf.layers.dense({ units: o.numClasses, kernelInitializer: z }),
    ],
  });
}

/** Options of {@link buildLinear}. */
export interface LinearOptions {
  /** Number of input features. */
  features: number;
  /** Outputs: 1 for regression, the class count for classification (logits). */
  outputs: number;
  /**
   * The features are pixels in [0, 255]: scale them to [-1, 1] first (`x / 127.5 - 1`, as
   * FADNet's input), so that Adam's first steps are of the size of the weights.
   */
  pixelInput?: boolean;
}

/** A single dense layer (after pixel scaling when the features are pixels). */
export function buildLinear(o: LinearOptions): tf.LayersModel {
  const dense = tf.layers.dense({ units: o.outputs, kernelInitializer: 'zeros', ...(o.pixelInput ? {} : { inputShape: [o.features] }) });
  return tf.sequential({
    name: 'linear',
    layers: o.pixelInput ? [new PixelNormalization({ inputShape: [o.features], name: 'normalize' }), dense] : [dense],
  });
}
