/**
 * The native training step of tf.layers models (plan.ts) with the ops of the common
 * layers (ops.ts) and of dflsim's own layers (fadnet-ops.ts) registered.
 */
import './ops.js';
import './fadnet-ops.js';

export {
  compileNativeStep,
  registerNativeOp,
  nativeOpClasses,
  targetsPerSample,
  trainableSlots,
  weightOffsets,
  type WeightSlot,
  type ArenaTensor,
  type ArenaWeight,
  type NativeLoss,
  type NativeOp,
  type NativeOpFactory,
  type NativeStepOptions,
  type NativeStepProgram,
  type NativeStepResult,
  type OpContext,
} from './plan.js';
