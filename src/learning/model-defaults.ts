/**
 * What the simulated clock assumes of a trained model when a config says nothing: the model
 * size on the links is the model's own (its trainable parameter count x 32 bits, counted by
 * the training adapter), and one local step takes the documented default below. No model is
 * ever timed with another model's figures.
 */

import type { StepTimeDefault } from './model-registry.js';
export type { StepTimeDefault } from './model-registry.js';

/**
 * Default compute time of one local step per model (ms), used when a training config sets
 * neither `computeMs` nor a `workload`. The run prints a one-line notice and records it.
 */
export const DEFAULT_STEP_TIME: Readonly<Record<string, StepTimeDefault>> = Object.freeze({
  fadnet: {
    computeMs: 25,
    source:
      "one FADNet 64x64 step of batch 32 on one CPU core, rounded up: dflsim's wasm backend with its native kernels took 20.5-22.3 ms on one x86-64 core (dflsim bench train --model fadnet --size 64 --batch 32 --threads 1 --steps 10, 2026-12-07)",
  },
  'femnist-cnn': { computeMs: 4.6, source: 'the FEMNIST CNN\'s published step time (Marfoq et al. 2020, the "femnist" workload)' },
  linear: { computeMs: 1.5, source: 'the published step time of a linear model (Marfoq et al. 2020, the "synthetic" workload)' },
});

/** Bits per parameter on the links (float32). */
export const BITS_PER_PARAMETER = 32;

/**
 * Multiply-adds of one FEMNIST CNN sample's forward pass (1 channel, 62 classes):
 * conv1 26·26·(3·3·1·32) = 194,688; conv2 24·24·(3·3·32·64) = 10,616,832;
 * fc1 9,216·128 = 1,179,648; fc2 128·62 = 7,936.
 */
export const FEMNIST_CNN_MACS_PER_SAMPLE = 11_999_104;

/** The batch the FEMNIST CNN's 4.6 ms step is taken to be of (dflsim's default `batchSize`). */
export const REFERENCE_BATCH = 32;

/**
 * The default step time of a model without a documented one (a model file, a module, a
 * registration without `stepTime`): its multiply-adds per sample x the batch size, at the rate
 * that makes the FEMNIST CNN's documented 4.6 ms per step of batch 32
 * (4.6 ms / (11,999,104 x 32) multiply-adds), rounded to 4 significant digits. A function of
 * the model and the config only: never a measurement of this machine.
 */
export function derivedStepTime(macsPerSample: number, batchSize: number): StepTimeDefault {
  const ref = DEFAULT_STEP_TIME['femnist-cnn']!.computeMs;
  const ms = (macsPerSample * batchSize * ref) / (FEMNIST_CNN_MACS_PER_SAMPLE * REFERENCE_BATCH);
  const computeMs = ms > 0 ? Number(ms.toPrecision(4)) : 0;
  return {
    computeMs,
    source: `${macsPerSample.toLocaleString('en-US')} multiply-adds per sample x batch ${batchSize}, at the rate of the FEMNIST CNN's ${ref} ms per step of batch ${REFERENCE_BATCH} (${FEMNIST_CNN_MACS_PER_SAMPLE.toLocaleString('en-US')} multiply-adds per sample)`,
  };
}

/**
 * The default step time of a model: its own documented figure when it has one, else
 * {@link derivedStepTime} of its multiply-adds.
 */
export function defaultStepTime(model: { stepTime?: StepTimeDefault; macsPerSample: number }, batchSize: number): StepTimeDefault {
  return model.stepTime ?? derivedStepTime(model.macsPerSample, batchSize);
}
