/**
 * The FEMNIST CNN of the cross-silo topology papers: the model of Marfoq et al.'s reference
 * code ("Throughput-Optimal Topology Design for Cross-Silo Federated Learning", NeurIPS
 * 2020; repository omarfoq/communication-in-cross-silo-fl, models/femnist/cnn.py), which
 * Do et al. (ICCV 2023) reuse for their FEMNIST accuracy tables:
 *
 *   conv 3x3, 32 filters (valid) + ReLU -> conv 3x3, 64 filters (valid) + ReLU
 *   -> max-pool 2 -> dropout 0.25 -> flatten (12·12·64 = 9,216)
 *   -> dense 128 + ReLU -> dropout 0.5 -> dense 62 (logits)
 *
 * The reference reads FEMNIST's PNGs as RGB, so its first convolution has 3 input
 * channels (1,207,166 parameters); dflsim's characters are grayscale, 1 channel:
 * 1,206,590 parameters (3·3·1·32 + 32 = 320; 3·3·32·64 + 64 = 18,496;
 * 9,216·128 + 128 = 1,179,776; 128·62 + 62 = 7,998). Dropout is {@link SeededDropout}
 * (element-wise; the trainer reseeds it per silo and round), so runs are reproducible.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from './layers.js';

/** Options of {@link buildFemnistCnn}. */
export interface FemnistCnnOptions {
  /** Input channels: 1 (grayscale, dflsim's data) or 3 (the reference's RGB reading). Default 1. */
  channels?: number;
  /** Classes (default 62: FEMNIST's digits, upper- and lower-case letters). */
  numClasses?: number;
  /** Seed of the dropout mask streams. */
  seed: number;
}

/**
 * A {@link SeededDropout} whose stream is offset from the seed it is given: the trainer
 * reseeds every dropout layer of a model with the same (silo, round) seed, and two layers on
 * the same seed would draw correlated masks (the same uniform stream, cut to two shapes).
 */
class OffsetSeededDropout extends SeededDropout {
  readonly offset: number;
  constructor(args: { rate: number; seed: number; offset: number; name?: string }) {
    super({ rate: args.rate, seed: (args.seed + args.offset) >>> 0, name: args.name });
    this.offset = args.offset;
  }
  override reseed(seed: number): void {
    super.reseed((seed + this.offset) >>> 0);
  }
}

/** Image side the model takes (pixels): FEMNIST's 28. */
export const FEMNIST_CNN_INPUT_SIZE = 28;

/**
 * Build the FEMNIST CNN (weights zero; the registry draws seeded ones into a flat vector).
 * Input `[batch, 28, 28, channels]` pixels in [0, 1] (ink = 1); output `[batch, numClasses]` logits.
 */
export function buildFemnistCnn(o: FemnistCnnOptions): tf.LayersModel {
  const channels = o.channels ?? 1;
  const numClasses = o.numClasses ?? 62;
  if (!Number.isInteger(channels) || channels < 1)
    throw new Error(`dflsim femnist-cnn: channels must be a positive integer, got ${channels}`);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new Error(`dflsim femnist-cnn: numClasses must be an integer >= 2, got ${numClasses}`);
  const z = 'zeros';
  const S = FEMNIST_CNN_INPUT_SIZE;
  return tf.sequential({
    name: 'femnist_cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [S, S, channels],
        filters: 32,
        kernelSize: 3,
        padding: 'valid',
        activation: 'relu',
        kernelInitializer: z,
        name: 'conv1',
      }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'valid', activation: 'relu', kernelInitializer: z, name: 'conv2' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool' }),
      new SeededDropout({ rate: 0.25, seed: o.seed, name: 'dropout1' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: z, name: 'fc1' }),
      new OffsetSeededDropout({ rate: 0.5, seed: o.seed, offset: 0x9e3779b9, name: 'dropout2' }),
      tf.layers.dense({ units: numClasses, kernelInitializer: z, name: 'fc2' }),
    ],
  });
}
