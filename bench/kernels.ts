/**
 * The convolutions of one FADNet training step (their shapes recorded from a real step),
 * timed call by call with dflsim's native kernels and with the wasm kernels they replace
 * (XNNPACK, plus dflsim's wasm weight and input gradients), and the SIMD MaxPoolGrad
 * against the plain JS loop. Median of 15 interleaved calls each; GMAC/s counts the
 * multiply-adds of the direct convolution.
 * Usage: node dist/bench/kernels.js [--size 64] [--batch 16] (default: 64/16 and 200/32)
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/learning/tf/backend.js';
import { syntheticSteps } from '../src/learning/tf/bench.js';
import { nativeAddon, nativeLoadError, setNativeKernelsEnabled } from '../src/learning/tf/kernels/native.js';
import { setLayersStep } from '../src/learning/tf/silo-trainer.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1]!;

function timeIt(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const r = f();
  r.dataSync();
  const ms = performance.now() - t0;
  r.dispose();
  return ms;
}

const CONVS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

interface Call {
  name: string;
  shapes: Record<string, number[]>;
  attrs: Record<string, unknown>;
  /** multiply-adds of the direct convolution */
  macs: number;
}

function macsOf(name: string, shapes: Record<string, number[]>, attrs: Record<string, unknown>): number {
  const filter = name === 'Conv2DBackpropFilter' ? (attrs.filterShape as number[]) : shapes.filter!;
  const out = name === 'Conv2DBackpropFilter' || name === 'Conv2DBackpropInput' ? shapes.dy! : null;
  if (out) return out[0]! * out[1]! * out[2]! * filter[0]! * filter[1]! * filter[2]! * filter[3]!;
  const x = shapes.x!;
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    filter as [number, number, number, number],
    attrs.strides as number,
    1,
    attrs.pad as 'same',
  );
  return info.batchSize * info.outHeight * info.outWidth * filter[0]! * filter[1]! * filter[2]! * filter[3]!;
}

/** The convolution calls of one training step (distinct shapes and attributes, with their counts). */
function recordStep(size: number, batch: number): { call: Call; count: number }[] {
  // the tf.layers step calls the kernels (the native step computes the same convolutions itself)
  setLayersStep(true);
  const { trainer, step } = syntheticSteps('fadnet', size, batch, 0);
  step();
  const seen = new Map<string, { call: Call; count: number }>();
  const saved = CONVS.map((n) => tf.getKernel(n, 'wasm')!);
  for (const k of saved) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: { inputs: Record<string, tf.TensorInfo | undefined>; attrs: Record<string, unknown> }) => {
        const shapes = Object.fromEntries(
          Object.entries(args.inputs)
            .filter(([, v]) => v)
            .map(([n, v]) => [n, [...v!.shape]]),
        );
        const key = JSON.stringify([k.kernelName, shapes, args.attrs]);
        const e = seen.get(key) ?? {
          call: { name: k.kernelName, shapes, attrs: { ...args.attrs }, macs: macsOf(k.kernelName, shapes, args.attrs) },
          count: 0,
        };
        e.count++;
        seen.set(key, e);
        return k.kernelFunc(args as never);
      }) as unknown as tf.KernelFunc,
    });
  }
  try {
    step();
  } finally {
    for (const k of saved) {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    }
    trainer.dispose();
    tf.disposeVariables();
    setLayersStep(false);
  }
  return [...seen.values()];
}

function benchConvs(calls: { call: Call; count: number }[], native: boolean): void {
  const totals = { native: 0, wasm: 0, macs: 0 };
  for (const { call: c, count } of calls) {
    const ins: Record<string, tf.Tensor> = {};
    let seed = 1;
    for (const [n, s] of Object.entries(c.shapes)) ins[n] = tf.randomNormal(s, 0, 1, 'float32', seed++);
    const run = () => tf.engine().runKernel(c.name, ins as never, c.attrs as never) as tf.Tensor;
    const t = { native: [] as number[], wasm: [] as number[] };
    for (let r = 0; r < 15; r++) {
      if (native) {
        setNativeKernelsEnabled(true);
        t.native.push(timeIt(run));
      }
      setNativeKernelsEnabled(false);
      t.wasm.push(timeIt(run));
    }
    setNativeKernelsEnabled(true);
    const nv = native ? median(t.native) : NaN;
    const wv = median(t.wasm);
    totals.native += nv * count;
    totals.wasm += wv * count;
    totals.macs += c.macs * count;
    const shapes = Object.entries(c.shapes)
      .map(([n, s]) => `${n} ${s.join('x')}`)
      .join(', ');
    const rate = (ms: number) => (Number.isFinite(ms) ? `${(c.macs / ms / 1e6).toFixed(1).padStart(5)} GMAC/s` : '');
    console.log(
      `  ${c.name.padEnd(20)} ${shapes.padEnd(46)} x${count}  native ${Number.isFinite(nv) ? nv.toFixed(2).padStart(6) : '     -'} ms ${rate(nv)}  wasm ${wv.toFixed(2).padStart(6)} ms ${rate(wv)}`,
    );
    tf.dispose(Object.values(ins));
  }
  console.log(
    `  one step's convolutions: native ${native ? totals.native.toFixed(1) : '-'} ms, wasm ${totals.wasm.toFixed(1)} ms` +
      (native
        ? ` (${(totals.wasm / totals.native).toFixed(2)}x; ${(totals.macs / totals.native / 1e6).toFixed(1)} against ${(totals.macs / totals.wasm / 1e6).toFixed(1)} GMAC/s)`
        : ''),
  );
}

function benchPoolGrad(size: number, batch: number, native: boolean): void {
  const side = Math.ceil(size / 2);
  const x = tf.randomNormal([batch, side, side, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = tf.maxPool(x, 3, 2, 'valid');
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4);
  const t: Record<'native' | 'simd' | 'js', number[]> = { native: [], simd: [], js: [] };
  const run = () =>
    tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 3, strides: 2, pad: 'valid' }) as tf.Tensor;
  for (let r = 0; r < 15; r++) {
    if (native) t.native.push(timeIt(run));
    setNativeKernelsEnabled(false);
    t.simd.push(timeIt(run));
    process.env.DFLSIM_NO_SIMD_LOOPS = '1';
    t.js.push(timeIt(run));
    delete process.env.DFLSIM_NO_SIMD_LOOPS;
    setNativeKernelsEnabled(true);
  }
  console.log(
    `  MaxPoolGrad x ${x.shape.join('x')}: ${native ? `native ${median(t.native).toFixed(2)} ms*, ` : ''}wasm SIMD ${median(t.simd).toFixed(2)} ms${native ? '' : '*'}, plain JS ${median(t.js).toFixed(2)} ms`,
  );
  tf.dispose([x, y, dy]);
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads: 1 });
  const native = nativeAddon() !== null;
  if (!native) console.log(`native kernels not built (${nativeLoadError()}): wasm column only`);
  const size = arg('size');
  const sets = size
    ? [[Number(size), Number(arg('batch') ?? 16)]]
    : [
        [64, 16],
        [200, 32],
      ];
  for (const [s, b] of sets as [number, number][]) {
    console.log(
      `FADNet ${s}x${s}, batch ${b}, 1 thread (${info.kernels} kernels in training): the step's convolutions, per call (median of 15)`,
    );
    benchConvs(recordStep(s, b), native);
    benchPoolGrad(s, b, native);
  }
}

await main();
