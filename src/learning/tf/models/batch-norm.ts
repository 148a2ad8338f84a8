/**
 * Keras' BatchNormalization (channel axis last) with a fused training path: on the wasm
 * backend with dflsim's kernels, training-mode calls run one forward kernel (batch
 * statistics + normalisation) and, through `tf.customGrad`, one backward kernel for dx,
 * dgamma and dbeta together (per-channel vectors broadcast, no Tile), instead of some
 * twenty composed ops. Weights (gamma, beta, moving_mean, moving_variance, in that
 * order), the moving-average update (`moving -= (moving - batch) * (1 - momentum)`, biased
 * batch variance, as Keras.js) and inference are those of the base layer, which also
 * handles every other case (other backends, channels not a multiple of 4).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_TRAIN, BN_TRAIN_GRAD, fusedBatchNormAvailable } from '../kernels/batch-norm.js';

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type Kwargs = Record<string, unknown>;

const KerasBatchNorm = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args: BatchNormArgs) => tf.layers.Layer;

interface BnInternals {
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  momentum: number;
  epsilon: number;
  axis: number;
  center: boolean;
  scale: boolean;
}

/**
 * The moving-average update of batch norm, in place: `moving -= (moving - batch) * (1 - momentum)`,
 * rounded to float32 after each operation as the element-wise kernels do (the same bits).
 * The layer below and FADNet's native step (silo-trainer.ts) both use it.
 */
export function updateMovingAverage(moving: Float32Array, batch: Float32Array, momentum: number): void {
  const decay = Math.fround(1 - momentum);
  for (let c = 0; c < moving.length; c++) moving[c] = moving[c]! - Math.fround(Math.fround(moving[c]! - batch[c]!) * decay);
}

/** Switch for tests and benchmarks: false forces the base layer's composed path. */
export const fusedBatchNormMode = { enabled: true };

/** Batch norm over the last axis with a fused training path (see the file comment). */
export class FusedBatchNorm extends KerasBatchNorm {
  static readonly className = 'DflsimFusedBatchNorm';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const me = this as unknown as BnInternals;
    const C = x.shape[x.rank - 1]!;
    const lastAxis = me.axis === -1 || me.axis === x.rank - 1;
    if (
      !kwargs.training ||
      !fusedBatchNormMode.enabled ||
      !lastAxis ||
      !me.center ||
      !me.scale ||
      x.dtype !== 'float32' ||
      tf.getBackend() !== 'wasm' ||
      !tf.getKernel(BN_TRAIN, 'wasm') ||
      !fusedBatchNormAvailable(tf.backend(), C)
    ) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const eps = me.epsilon;
      let mean: tf.Tensor | null = null;
      let variance: tf.Tensor | null = null;
      const f = tf.customGrad(((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
        const [y, m, v] = tf.engine().runKernel(BN_TRAIN, { x: xx, gamma: g, beta: b }, { epsilon: eps }) as tf.Tensor[];
        mean = tf.keep(m!);
        variance = tf.keep(v!);
        save([xx, g, m!, v!]);
        return {
          value: y!,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [sx, sg, sm, sv] = saved;
            return tf
              .engine()
              .runKernel(BN_TRAIN_GRAD, { dy, x: sx!, gamma: sg!, mean: sm!, variance: sv! }, { epsilon: eps }) as tf.Tensor[];
          },
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
      const y = f(x, me.gamma.read(), me.beta.read());
      // on the channel vectors in JS: one tensor per statistic instead of three kernel calls
      for (const [variable, value] of [
        [me.movingMean, mean!],
        [me.movingVariance, variance!],
      ] as const) {
        const next = Float32Array.from(variable.read().dataSync() as Float32Array);
        updateMovingAverage(next, value.dataSync() as Float32Array, me.momentum);
        variable.write(tf.tensor(next, [next.length], 'float32'));
        value.dispose();
      }
      return y;
    });
  }
}

tf.serialization.registerClass(FusedBatchNorm as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
