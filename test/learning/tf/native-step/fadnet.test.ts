/**
 * FADNet through the general native step (its layers as custom ops, models/fadnet-ops.ts)
 * against FADNet's hand-written step: the same bits of loss, gradients and batch statistics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/learning/tf/backend.js';
import { nativeAddon } from '../../../../src/learning/native-addon.js';
import { compileNativeStep } from '../../../../src/learning/tf/native-step/index.js';
import { createFadnetStepper, trainableSlots } from '../../../../src/learning/tf/models/fadnet-step.js';
import { createModel } from '../../../../src/learning/tf/models/registry.js';
import { SeededDropout } from '../../../../src/learning/tf/models/layers.js';
import { createRng } from '../../../../src/random.js';

const addon = nativeAddon();
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
});

describe.skipIf(!addon)('FADNet through the general native step', () => {
  for (const [size, batch] of [
    [64, 4],
    [32, 3],
  ] as const) {
    it(`gives the hand-written step's bits (FADNet ${size}x${size}, batch ${batch})`, () => {
      const h = createModel('fadnet', { inputSize: size, seed: 1 });
      const w = h.initWeights(3);
      const rng = createRng(4);
      const x = new Float32Array(batch * size * size).map(() => Math.floor(rng.next() * 256));
      const y = new Float32Array(batch).map(() => rng.normal() * 0.3);
      const drop = h.model.layers.find((l): l is SeededDropout => l instanceof SeededDropout)!;
      const F = (h.model.getLayer('width_dense').outputShape as number[])[1]!;
      drop.reseed(77);
      const old = createFadnetStepper(addon!, size, trainableSlots(h.model), h.paramCount)!;
      const a = old.step(w, x, y, batch, drop.nextMask([batch, F]));
      const aGrads = a.grads.slice();
      drop.reseed(77);
      const c = compileNativeStep(addon!, h.model, { loss: 'mse' });
      expect('program' in c ? '' : c.fallback).toBe('');
      const b = (c as { program: { step: (...a: unknown[]) => typeof a } }).program.step(w, x, y, batch) as unknown as typeof a;
      expect(b.loss).toBe(a.loss);
      expect(bits(b.grads).equals(bits(aGrads))).toBe(true);
      expect(b.bnStats.map((s) => s.name)).toEqual(a.bnStats.map((s) => s.name));
      for (const [i, s] of b.bnStats.entries()) {
        expect(bits(s.mean).equals(bits(a.bnStats[i]!.mean))).toBe(true);
        expect(bits(s.variance).equals(bits(a.bnStats[i]!.variance))).toBe(true);
      }
      h.model.dispose();
      tf.disposeVariables();
    });
  }
});
