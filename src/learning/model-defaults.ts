/**
 * What the simulated clock assumes of a trained model when a config says nothing: the model
 * size on the links is the model's own (its trainable parameter count x 32 bits, counted by
 * the training adapter), and one local step takes the documented default below. No model is
 * ever timed with another model's figures.
 */

/** The documented default compute time of one local step, per model, with where it comes from. */
export interface StepTimeDefault {
  /** Compute time of one local step (ms). */
  computeMs: number;
  /** Where the figure comes from (shown with the notice and in the config reference). */
  source: string;
}

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

/** The default step time of a model (an unknown model is an error of the caller: every model has one). */
export function defaultStepTime(model: string): StepTimeDefault {
  const d = DEFAULT_STEP_TIME[model];
  if (!d) throw new Error(`dflsim: no default step time for model "${model}" (add it to DEFAULT_STEP_TIME)`);
  return d;
}
