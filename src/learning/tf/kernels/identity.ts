/**
 * `Identity` for the wasm backend without a copy. The package's kernel copies the data,
 * and the engine calls it for every tensor a kernel saves for its gradient (about 260
 * copies per FADNet step). Tensor data is immutable, so like the cpu backend we share
 * the data id and count one more reference.
 */
import * as tf from '@tensorflow/tfjs';
import { original, type Info } from './util.js';

function identity(args: { inputs: { x: Info }; backend: { incRef(dataId: object): void } }): Info {
  const { x } = args.inputs;
  if (x.dtype === 'string') return original('Identity')!.kernelFunc(args as never) as Info;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Kernel config: `Identity` on 'wasm' (shares the data). */
export const identityConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
