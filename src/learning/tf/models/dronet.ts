/**
 * DroNet's steering head (Loquercio et al., "DroNet: Learning to Fly by Driving", RA-L 2018),
 * the baseline of the FADNet paper: FADNet's ResNet-8 backbone (stem conv 5x5/2, max-pool
 * 3x3/2, three residual blocks of 32, 64 and 128 filters) then flatten, ReLU, dropout 0.5
 * and one dense output, the steering angle (the collision head is left out, as in the FADNet
 * paper's comparison). 314,657 trainable parameters at 200x200x1, the paper's count.
 */
import * as tf from '@tensorflow/tfjs';
import { PixelNormalization, PlainConv2D, SeededDropout } from './layers.js';
import { fadnetGeometry, residualBlock } from './fadnet.js';

/** Options of {@link buildDronet}. */
export interface DronetOptions {
  /** Square input side (pixels); 200 in the papers. */
  inputSize: number;
  /** Seed of the dropout mask stream. */
  seed: number;
}

/**
 * Build DroNet's steering model (weights zero; the trainer loads seeded ones).
 * Input: `[batch, size, size, 1]` pixels in [0, 255]; output `[batch, 1]` steering angle.
 * @throws for an input side FADNet's backbone cannot take (below 16 pixels)
 */
export function buildDronet(opts: DronetOptions): tf.LayersModel {
  const g = fadnetGeometry(opts.inputSize);
  const input = tf.input({ shape: [g.size, g.size, 1], name: 'image' });
  let x = new PixelNormalization({ name: 'normalize' }).apply(input) as tf.SymbolicTensor;
  x = new PlainConv2D({ filters: 32, kernelSize: 5, strides: 2, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = residualBlock(x, 32, 'res1');
  x = residualBlock(x, 64, 'res2');
  x = residualBlock(x, 128, 'res3');
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = new SeededDropout({ rate: 0.5, seed: opts.seed, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, name: 'steering', kernelInitializer: 'zeros' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'dronet' });
}
