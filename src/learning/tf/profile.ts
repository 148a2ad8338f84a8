/**
 * Per-kernel wall-time profile of FADNet training steps on the wasm backend (a developer
 * tool; never used in tests). Every kernel registered for 'wasm' is wrapped with a
 * timer, then a few steps of the real trainer run; times are reported per step and
 * relative to the forward convolutions (`Conv2D` + `FusedConv2D`) of the same run, since
 * absolute times on a shared machine swing.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { initBackend } from './backend.js';
import { createTrainer } from './silo-trainer.js';

/** Per-kernel totals of one profile run. */
export interface KernelProfile {
  /** Kernel name (with an input-shape key for the heavy kernels). */
  name: string;
  /** Calls per step. */
  calls: number;
  /** Milliseconds per step. */
  ms: number;
}

/** Result of {@link profileTrain}. */
export interface ProfileResult {
  threads: number;
  /** Mean wall time of one step (ms), with the timers in place. */
  msPerStep: number;
  /** Forward-convolution time per step (ms): the unit of the relative figures. */
  forwardConvMs: number;
  kernels: KernelProfile[];
}

/**
 * Profile `steps` FADNet training steps (after one warm-up step).
 * @param opts thread count, steps, batch, input size, whether to split heavy kernels by shape
 */
export async function profileTrain(
  opts: { threads?: number; steps?: number; batch?: number; size?: number; byShape?: boolean } = {},
): Promise<ProfileResult> {
  const threads = opts.threads ?? 1;
  const steps = opts.steps ?? 3;
  const batch = opts.batch ?? 32;
  const size = opts.size ?? 200;
  const info = await initBackend({ backend: 'wasm', threads });
  const trainer = createTrainer('fadnet', { inputSize: size });
  const rng = createRng(0);
  const x = new Float32Array(batch * size * size);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256);
  const y = new Float32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = rng.normal();
  let weights = trainer.initWeights(0);
  let opt = trainer.newOptimizerState();
  const step = () => {
    const r = trainer.train(weights, opt, [{ x, y, size: batch }], 1e-3);
    weights = r.weights;
    opt = r.optState;
  };
  step();
  const totals = new Map<string, { calls: number; ms: number }>();
  const wrapped: tf.KernelConfig[] = [];
  let on = false;
  const stackOf = process.env.DFLSIM_PROFILE_STACKS ?? '';
  const stacks = new Map<string, number>();
  let depth = 0; // kernels called from our kernels are listed apart ('> name') and not summed twice
  for (const k of tf.getKernelsForBackend('wasm')) {
    const orig = k.kernelFunc;
    const name = k.kernelName;
    const func = ((args: { inputs: Record<string, tf.TensorInfo> }) => {
      if (!on) return orig(args as never);
      if (name === stackOf && depth === 0) {
        const st = (new Error().stack ?? '').split('\n').slice(2, 40).filter((l) => !/profile\.js/.test(l)).map((l) => l.trim().replace(/\(.*node_modules\//, '(')).join(' | ');
        stacks.set(st, (stacks.get(st) ?? 0) + 1);
      }
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
        key += ' ' + Object.values(args.inputs).map((i) => `[${i?.shape.join('x')}]`).join(' ');
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
  const msPerStep = (performance.now() - t0) / steps;
  on = false;
  for (const k of wrapped) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  trainer.dispose();
  tf.disposeVariables();
  for (const [st, n] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${n / steps} x ${st}\n`);
  let forwardConvMs = 0;
  const kernels: KernelProfile[] = [];
  for (const [name, e] of totals) {
    const kp = { name, calls: e.calls / steps, ms: e.ms / steps };
    kernels.push(kp);
    if (/^(Conv2D|FusedConv2D)( |$)/.test(name)) forwardConvMs += kp.ms;
  }
  kernels.sort((a, b) => b.ms - a.ms);
  return { threads: info.threads, msPerStep, forwardConvMs, kernels };
}

/** Text table of a {@link ProfileResult}. */
export function formatProfile(r: ProfileResult, top = 40): string {
  const lines = [
    `threads=${r.threads}  ${r.msPerStep.toFixed(0)} ms/step  forward convs F=${r.forwardConvMs.toFixed(1)} ms`,
    `${'kernel'.padEnd(70)} calls      ms     xF`,
  ];
  let rest = 0;
  r.kernels.forEach((k, i) => {
    if (i >= top) {
      rest += k.ms;
      return;
    }
    lines.push(`${k.name.slice(0, 70).padEnd(70)} ${k.calls.toFixed(0).padStart(5)} ${k.ms.toFixed(1).padStart(7)} ${(k.ms / r.forwardConvMs).toFixed(2).padStart(6)}`);
  });
  const total = r.kernels.reduce((a, k) => a + (k.name.startsWith('>') ? 0 : k.ms), 0);
  lines.push(`(others ${rest.toFixed(1)} ms)  kernels total ${total.toFixed(0)} ms = ${(total / r.forwardConvMs).toFixed(2)} F; outside kernels ${(r.msPerStep - total).toFixed(0)} ms`);
  return lines.join('\n');
}
