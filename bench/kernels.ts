/**
 * The two paths of dflsim's wasm Conv2DBackpropFilter (XNNPACK convolution with batch as
 * channels, or patches + MatMul) and its SIMD MaxPoolGrad against the plain JS loop,
 * timed kernel by kernel on the calls of one FADNet training step (the shapes are
 * recorded from a real step). Median of 15 interleaved calls each; `*` marks the path
 * dflsim picks.
 * Usage: node dist/bench/kernels.js [--size 64] [--batch 16] (default: 64/16 and 200/32)
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/learning/tf/backend.js';
import { syntheticSteps } from '../src/learning/tf/bench.js';
import { defaultFilterGradPath, filterGradMode } from '../src/learning/tf/kernels/conv2d-backprop-filter.js';

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

interface Call { xShape: number[]; attrs: { strides: unknown; pad: unknown; filterShape: number[] } }

function recordStep(size: number, batch: number): Call[] {
  const calls: Call[] = [];
  const { trainer, step } = syntheticSteps('fadnet', size, batch, 0);
  step();
  filterGradMode.onCall = (xShape, attrs) => calls.push({ xShape: [...xShape], attrs: { ...attrs, filterShape: [...attrs.filterShape] } });
  step();
  filterGradMode.onCall = undefined;
  trainer.dispose();
  tf.disposeVariables();
  const seen = new Set<string>();
  return calls.filter((c) => {
    const k = JSON.stringify(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function benchFilterGrad(calls: Call[]): void {
  let picked = 0;
  let best = 0;
  for (const c of calls) {
    const x = tf.randomNormal(c.xShape as [number, number, number, number], 0, 1, 'float32', 1);
    const dyShape = tf.conv2d(x as tf.Tensor4D, tf.zeros(c.attrs.filterShape as [number, number, number, number]) as tf.Tensor4D, c.attrs.strides as number, c.attrs.pad as 'same').shape;
    const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 2);
    const t: Record<'conv' | 'im2col', number[]> = { conv: [], im2col: [] };
    for (let r = 0; r < 15; r++) {
      for (const m of ['conv', 'im2col'] as const) {
        filterGradMode.force = m;
        t[m].push(timeIt(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...c.attrs, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap) as tf.Tensor));
      }
    }
    filterGradMode.force = null;
    const [cv, im] = [median(t.conv), median(t.im2col)];
    const f = c.attrs.filterShape;
    const pick = defaultFilterGradPath(f[0]!, f[1]!, c.xShape[3]!);
    picked += pick === 'conv' ? cv : im;
    best += Math.min(cv, im);
    console.log(
      `  x ${c.xShape.join('x').padEnd(12)} filter ${f.join('x').padEnd(10)} stride ${String(c.attrs.strides).padEnd(3)} ` +
        `conv ${cv.toFixed(2).padStart(7)} ms${pick === 'conv' ? '*' : ' '}  im2col ${im.toFixed(2).padStart(7)} ms${pick === 'im2col' ? '*' : ' '}`,
    );
    tf.dispose([x, dy]);
  }
  console.log(`  one step's filter gradients: ${picked.toFixed(1)} ms as picked, ${best.toFixed(1)} ms with the faster path everywhere`);
}

function benchPoolGrad(size: number, batch: number): void {
  const side = Math.ceil(size / 2);
  const x = tf.randomNormal([batch, side, side, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = tf.maxPool(x, 3, 2, 'valid');
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4);
  const t: Record<'simd' | 'js', number[]> = { simd: [], js: [] };
  const run = () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 3, strides: 2, pad: 'valid' }) as tf.Tensor;
  for (let r = 0; r < 15; r++) {
    t.simd.push(timeIt(run));
    process.env.DFLSIM_NO_SIMD_LOOPS = '1';
    t.js.push(timeIt(run));
    delete process.env.DFLSIM_NO_SIMD_LOOPS;
  }
  console.log(`  MaxPoolGrad x ${x.shape.join('x')}: SIMD ${median(t.simd).toFixed(2)} ms*, plain JS ${median(t.js).toFixed(2)} ms`);
  tf.dispose([x, y, dy]);
}

async function main(): Promise<void> {
  await initBackend({ threads: 1 });
  const size = arg('size');
  const sets = size ? [[Number(size), Number(arg('batch') ?? 16)]] : [[64, 16], [200, 32]];
  for (const [s, b] of sets as [number, number][]) {
    console.log(`FADNet ${s}x${s}, batch ${b}, wasm 1 thread: Conv2DBackpropFilter per call (median of 15; * = dflsim's pick)`);
    benchFilterGrad(recordStep(s, b));
    benchPoolGrad(s, b);
  }
}

await main();
