/**
 * dflsim's kernels for the TensorFlow.js wasm backend: the missing
 * `Conv2DBackpropFilter`, a fast `Conv2DBackpropInput`, a correct `MaxPoolGrad`, and
 * fast versions of the reductions / broadcasts that dominate a training step.
 */
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { batchNormTrainConfig, batchNormTrainGradConfig } from './batch-norm.js';
import { identityConfig } from './identity.js';
import { meanConfig, sumConfig, tileConfig } from './reduce-tile.js';
import { overrideWasmKernel } from './util.js';
import { nativeAddon, nativeKernelConfigs } from './native.js';

let registered = false;

/** Names of the wasm kernels dflsim registers (for tests and reports). */
export const DFLSIM_WASM_KERNELS: readonly string[] = [
  conv2DBackpropFilterConfig.kernelName,
  conv2DBackpropInputConfig.kernelName,
  maxPoolGradConfig.kernelName,
  sumConfig.kernelName,
  meanConfig.kernelName,
  tileConfig.kernelName,
  identityConfig.kernelName,
  batchNormTrainConfig.kernelName,
  batchNormTrainGradConfig.kernelName,
];

/**
 * Register dflsim's kernels for backend 'wasm' (idempotent). Call before the wasm backend
 * is set up so the replaced kernels' setup functions still run.
 */
export function registerDflsimWasmKernels(): void {
  if (registered) return;
  for (const cfg of [
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig,
    maxPoolGradConfig,
    sumConfig,
    meanConfig,
    tileConfig,
    identityConfig,
    batchNormTrainConfig,
    batchNormTrainGradConfig,
  ])
    overrideWasmKernel(cfg);
  // the native convolutions and products wrap the kernels above (their fallbacks)
  if (nativeAddon()) for (const cfg of nativeKernelConfigs()) overrideWasmKernel(cfg);
  registered = true;
}
