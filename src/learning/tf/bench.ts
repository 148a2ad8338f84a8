/**
 * Training benchmarks on synthetic data: the throughput of a registry model on the chosen
 * backend (the figure compared with PyTorch's in bench/train.ts) and a per-kernel profile
 * of FADNet's training step. Figures only, never asserted in tests.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { initBackend, type BackendChoice, type BackendName } from './backend.js';
import { createTrainer, setLayersStep } from './silo-trainer.js';
import { nativeKernelAddon, nativeThreads } from './kernels/native.js';
import { compileNativeStep } from './native-step/index.js';
import { adamUpdateFlat } from './kernels/adam.js';
import { createModel } from './models/registry.js';
import type { NativeAddon } from '../native-addon.js';

/** Options of {@link benchTrain}. */
export interface BenchTrainOptions {
  /** Registry model name (default 'fadnet'). */
  model?: string;
  /** Input side (pixels; default 200). */
  size?: number;
  /** Samples per step (default 32). */
  batch?: number;
  /** Backend choice (default env / 'auto'). */
  backend?: BackendChoice;
  /** wasm threads (default env / 1). */
  threads?: number;
  /** Timed steps after one warm-up step (default 3). */
  steps?: number;
  /** Seed of the synthetic data and weights (default 0). */
  seed?: number;
  /** Time the tf.layers step even where the native step is used (default false). */
  layers?: boolean;
}

/** Result of {@link benchTrain}. */
export interface BenchTrainResult {
  backend: BackendName;
  threads: number;
  model: string;
  /** Trainable parameters. */
  params: number;
  /** Samples per step. */
  batch: number;
  /** Input side (pixels). */
  size: number;
  /** Training throughput (samples/s), warm-up excluded. */
  samplesPerSec: number;
  /** Mean wall time of one Adam step (ms). */
  msPerStep: number;
  /** Bytes of one silo's state (weights + Adam m, v). */
  bytesPerSilo: number;
  /** 'native': the native step (native-step/); 'layers': the tf.layers step. */
  path: 'native' | 'layers';
}

/** A trainer and one Adam step on a fixed synthetic batch (pixels in [0, 255], seeded; the FEMNIST CNN with 62 classes, the small CNN with 10). */
export function syntheticSteps(
  model: string,
  size: number,
  batch: number,
  seed: number,
): { trainer: ReturnType<typeof createTrainer>; step: () => void } {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`dflsim bench: batch must be a positive integer, got ${batch}`);
  // the FEMNIST CNN with FEMNIST's 62 classes, as its PyTorch yardstick (dpasgd_torch.py --model femnist-cnn) has it
  const classCount = model === 'femnist-cnn' ? 62 : 10;
  const trainer = createTrainer(model, model === 'linear' ? { inputSize: size } : { inputSize: size, numClasses: classCount });
  const rng = createRng(seed);
  const perSample = model === 'linear' ? size : size * size;
  const x = new Float32Array(batch * perSample);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256);
  const y = new Float32Array(batch);
  const classes = model === 'cnn' || model === 'femnist-cnn';
  for (let i = 0; i < batch; i++) y[i] = classes ? rng.int(classCount) : rng.normal();
  let weights = trainer.initWeights(seed);
  let optState = trainer.newOptimizerState();
  const step = () => {
    const r = trainer.train(weights, optState, [{ x, y, size: batch }], 1e-3);
    weights = r.weights;
    optState = r.optState;
  };
  return { trainer, step };
}

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`dflsim bench: steps must be a positive integer, got ${steps}`);
}

/** Time Adam steps of a model on synthetic data. */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const model = opts.model ?? 'fadnet';
  const size = opts.size ?? 200;
  const batch = opts.batch ?? 32;
  const steps = opts.steps ?? 3;
  checkSteps(steps);
  const info = await initBackend({ backend: opts.backend, threads: opts.threads });
  if (opts.layers) setLayersStep(true);
  const { trainer, step } = syntheticSteps(model, size, batch, opts.seed ?? 0);
  try {
    step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const msPerStep = (performance.now() - t0) / steps;
    return {
      backend: info.backend,
      threads: info.threads,
      model,
      params: trainer.paramCount,
      batch,
      size,
      samplesPerSec: (batch * 1000) / msPerStep,
      msPerStep,
      bytesPerSilo: trainer.bytesPerSilo(),
      path: trainer.trainingPath().native ? 'native' : 'layers',
    };
  } finally {
    setLayersStep(false);
    trainer.dispose();
    tf.disposeVariables();
  }
}

/** Per-kernel totals of a profile. */
export interface KernelProfile {
  /** Kernel name (`> name` when called from inside another kernel; with input shapes when split by shape). */
  name: string;
  /** Calls per step. */
  calls: number;
  /** Milliseconds per step. */
  ms: number;
}

/** Result of {@link profileTrain}. */
export interface ProfileResult {
  threads: number;
  size: number;
  batch: number;
  /** Mean wall time of one step (ms), with the timers in place. */
  msPerStep: number;
  /** Forward-convolution time per step (ms): the unit of the relative figures. */
  forwardConvMs: number;
  /** Slowest first. */
  kernels: KernelProfile[];
  /** 'native': the native step's addon calls (plus Adam); 'layers': the TensorFlow.js kernels of the tf.layers step. */
  path: 'native' | 'layers';
}

/** Options of {@link profileTrain}. */
export interface ProfileTrainOptions {
  /** Input side (pixels; default 200). */
  size?: number;
  /** Samples per step (default 32). */
  batch?: number;
  /** Profiled steps after one warm-up step (default 3). */
  steps?: number;
  /** wasm threads (default env / 1). */
  threads?: number;
  /** Split convolutions, pools, sums and matmuls by input shapes. */
  byShape?: boolean;
  /** Profile the tf.layers step's kernels even where the native step is used. */
  layers?: boolean;
}

/**
 * Per-kernel wall time of FADNet training steps on the wasm backend: every kernel
 * registered for 'wasm' is wrapped with a timer for the profiled steps (and restored
 * after). Times are per step and relative to the forward convolutions (`Conv2D` +
 * `FusedConv2D`) of the same run, since absolute times on a shared machine swing.
 */
export async function profileTrain(opts: ProfileTrainOptions = {}): Promise<ProfileResult> {
  const size = opts.size ?? 200;
  const batch = opts.batch ?? 32;
  const steps = opts.steps ?? 3;
  checkSteps(steps);
  const info = await initBackend({ backend: 'wasm', threads: opts.threads });
  const addon = nativeKernelAddon();
  if (addon && !opts.layers) return profileNativeStep(addon, info.threads, size, batch, steps);
  setLayersStep(true);
  try {
    return await profileLayersStep(info.threads, size, batch, steps, opts.byShape ?? false);
  } finally {
    setLayersStep(false);
  }
}

const NATIVE_OPS = [
  'gemm',
  'conv2d',
  'maxPool',
  'maxPoolGrad',
  'bnForward',
  'bnBackward',
  'relu',
  'reluGrad',
  'add',
  'colSums',
  'affine',
  'pairMean',
  'swapLast2',
  'biasAdd',
  'mul',
  'act',
  'actGrad',
  'softmax',
  'softmaxGrad',
  'avgPool',
  'avgPoolGrad',
  'spatialMean',
  'spatialMeanGrad',
  'copyCols',
  'loss',
  'pairMeanGrad',
  'accumulate',
  'accumulateGrad',
  'aggregationMse',
  'adam',
] as const;
const CONV_OPS = ['conv forward', 'conv input gradient', 'conv weight gradient'];

/** FADNet's native step (native-step/) plus Adam, each addon call timed. */
function profileNativeStep(addon: NativeAddon, threads: number, size: number, batch: number, steps: number): ProfileResult {
  const totals = new Map<string, { calls: number; ms: number }>();
  let on = false;
  // the addon's properties are read-only: a plain object of wrappers (kernel and mix passed through)
  const timedOps: Record<string, unknown> = { kernel: addon.kernel.bind(addon), mix: addon.mix.bind(addon) };
  const timed = timedOps as unknown as NativeAddon;
  for (const name of NATIVE_OPS) {
    const f = (addon as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(addon);
    timedOps[name] = (...a: unknown[]) => {
      if (!on) return f(...a);
      const t0 = performance.now();
      const r = f(...a);
      const key = name === 'conv2d' ? CONV_OPS[a[1] as number]! : name;
      const e = totals.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += performance.now() - t0;
      totals.set(key, e);
      return r;
    };
  }
  const h = createModel('fadnet', { inputSize: size });
  try {
    const compiled = compileNativeStep(timed, h.model, { loss: 'mse', threads: nativeThreads });
    if (!('program' in compiled)) throw new Error(`dflsim bench profile: ${compiled.fallback}`);
    const stepper = compiled.program;
    const rng = createRng(0);
    const x = new Float32Array(batch * size * size).map(() => Math.floor(rng.next() * 256));
    const y = new Float32Array(batch).map(() => rng.normal());
    const w = h.initWeights(0);
    const m = new Float32Array(h.paramCount);
    const v = new Float32Array(h.paramCount);
    const one = () => {
      const r = stepper.step(w, x, y, batch);
      adamUpdateFlat(r.grads, m, v, w, 1e-3, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, timed);
    };
    one();
    on = true;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) one();
    const msPerStep = (performance.now() - t0) / steps;
    on = false;
    const kernels = [...totals].map(([name, e]) => ({ name, calls: e.calls / steps, ms: e.ms / steps })).sort((a, b) => b.ms - a.ms);
    const forwardConvMs = kernels.find((k) => k.name === 'conv forward')?.ms ?? 0;
    return { threads, size, batch, msPerStep, forwardConvMs, kernels, path: 'native' };
  } finally {
    h.model.dispose();
  }
}

async function profileLayersStep(threads: number, size: number, batch: number, steps: number, byShape: boolean): Promise<ProfileResult> {
  const opts = { byShape };
  const info = { threads };
  const { trainer, step } = syntheticSteps('fadnet', size, batch, 0);
  const totals = new Map<string, { calls: number; ms: number }>();
  const wrapped: tf.KernelConfig[] = [];
  let on = false;
  let depth = 0; // kernels called from other kernels are listed apart ('> name') and not summed twice
  let msPerStep: number;
  try {
    step();
    for (const k of tf.getKernelsForBackend('wasm')) {
      const orig = k.kernelFunc;
      const name = k.kernelName;
      const func = ((args: { inputs: Record<string, tf.TensorInfo> }) => {
        if (!on) return orig(args as never);
        const t0 = performance.now();
        depth++;
        let out: ReturnType<tf.KernelFunc>;
        try {
          out = orig(args as never);
        } finally {
          depth--;
        }
        const dt = performance.now() - t0;
        let key = depth > 0 ? `> ${name}` : name;
        if (opts.byShape && /Conv|MaxPool|Sum|BatchMatMul/.test(name)) {
          key +=
            ' ' +
            Object.values(args.inputs)
              .map((i) => `[${i?.shape.join('x')}]`)
              .join(' ');
        }
        const e = totals.get(key) ?? { calls: 0, ms: 0 };
        e.calls++;
        e.ms += dt;
        totals.set(key, e);
        return out;
      }) as unknown as tf.KernelFunc;
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel({ ...k, kernelFunc: func });
      wrapped.push(k);
    }
    on = true;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    msPerStep = (performance.now() - t0) / steps;
    on = false;
  } finally {
    for (const k of wrapped) {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    }
    trainer.dispose();
    tf.disposeVariables();
  }
  let forwardConvMs = 0;
  const kernels: KernelProfile[] = [];
  for (const [name, e] of totals) {
    const kp = { name, calls: e.calls / steps, ms: e.ms / steps };
    kernels.push(kp);
    if (/^(Conv2D|FusedConv2D)( |$)/.test(name)) forwardConvMs += kp.ms;
  }
  kernels.sort((a, b) => b.ms - a.ms);
  return { threads: info.threads, size, batch, msPerStep, forwardConvMs, kernels, path: 'layers' };
}

/** Text table of a {@link ProfileResult}: the `top` slowest kernels, then totals. */
export function formatProfile(r: ProfileResult, top = 40): string {
  const rel = (ms: number) => (r.forwardConvMs > 0 ? (ms / r.forwardConvMs).toFixed(2) : '-');
  const lines = [
    `FADNet ${r.size}x${r.size}, batch ${r.batch}, ${r.path === 'native' ? 'native step' : 'tf.layers step on wasm'}, threads=${r.threads}: ${r.msPerStep.toFixed(1)} ms/step, forward convolutions F = ${r.forwardConvMs.toFixed(1)} ms/step`,
    `${'kernel'.padEnd(70)} calls      ms     xF`,
  ];
  let rest = 0;
  r.kernels.forEach((k, i) => {
    if (i >= top) {
      rest += k.ms;
      return;
    }
    lines.push(
      `${k.name.slice(0, 70).padEnd(70)} ${k.calls.toFixed(0).padStart(5)} ${k.ms.toFixed(1).padStart(7)} ${rel(k.ms).padStart(6)}`,
    );
  });
  const total = r.kernels.reduce((a, k) => a + (k.name.startsWith('>') ? 0 : k.ms), 0);
  lines.push(
    `(others ${rest.toFixed(1)} ms)  ${r.path === 'native' ? 'native calls' : 'kernels'} total ${total.toFixed(1)} ms = ${rel(total)} F; outside ${r.path === 'native' ? 'them (JS)' : 'kernels'} ${(r.msPerStep - total).toFixed(1)} ms`,
  );
  return lines.join('\n') + '\n';
}
