/**
 * Fast `Sum`, `Mean` over leading axes and fast `Tile` for the wasm backend, on the
 * wasm heap. The package's Sum/Mean transpose the reduced axes innermost first, and
 * its Tile walks every output element; the batch-norm and bias gradients of a CNN
 * reduce `[batch, h, w, c]` over the leading axes and tile a `[1, 1, 1, c]` vector.
 * Other cases fall back to the package's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { free, heapF32, offsetF32, original, type Info, type WasmBackendLike } from './util.js';
import { simdLoops } from './simd.js';
import { blockedColumnSums } from './batch-norm.js';

type Args<A> = { inputs: { x: Info }; attrs: A; backend: WasmBackendLike };

/** Number of leading axes reduced, or -1 when `axis` is not a leading prefix. */
function leadingPrefix(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  for (let i = 0; i < axes.length; i++) if (axes[i] !== i) return -1;
  return axes.length;
}

/** acc += heap[base .. base + cols) (a small hot function V8 optimises early). */
function addRow(heap: Float32Array, base: number, acc: Float64Array, cols: number): void {
  for (let c = 0; c < cols; c++) acc[c] = acc[c]! + heap[base + c]!;
}

function reduceLeading(args: Args<{ axis: number | number[]; keepDims: boolean }>, mean: boolean): Info | null {
  const { inputs, attrs, backend } = args;
  const { x } = inputs;
  if (x.dtype !== 'float32') return null;
  const rank = x.shape.length;
  const k = leadingPrefix(attrs.axis, rank);
  if (k <= 0 || k >= rank) return null;
  let rows = 1;
  for (let i = 0; i < k; i++) rows *= x.shape[i]!;
  let cols = 1;
  for (let i = k; i < rank; i++) cols *= x.shape[i]!;
  const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(outShape, 'float32');
  const loops = cols % 4 === 0 && cols <= 65536 ? simdLoops(backend) : null;
  let acc: Float64Array;
  if (loops) {
    // SIMD column sums in float32 over blocks of rows, added in float64
    const scratch = backend.makeOutput([cols], 'float32');
    const xb = offsetF32(backend, x) * 4;
    const sb = offsetF32(backend, scratch) * 4;
    const cb = 4 * cols;
    acc = blockedColumnSums(backend, rows, cols, sb, (r0, r1) => loops.colsum(xb + r0 * cb, xb + r1 * cb, cb, sb));
    free(backend, scratch);
  } else {
    const heap = heapF32(backend);
    const xo = offsetF32(backend, x);
    acc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) addRow(heap, xo + r * cols, acc, cols);
  }
  const heap = heapF32(backend);
  const oo = offsetF32(backend, out);
  const scale = mean ? 1 / rows : 1;
  for (let c = 0; c < cols; c++) heap[oo + c] = mean ? acc[c]! * scale : acc[c]!;
  return out;
}

function fallback(name: string, args: unknown): Info {
  return original(name)!.kernelFunc(args as never) as Info;
}

/** Kernel config: `Sum` on 'wasm' (leading axes fast). */
export const sumConfig: tf.KernelConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: ((a: Args<{ axis: number | number[]; keepDims: boolean }>) =>
    reduceLeading(a, false) ?? fallback('Sum', a)) as unknown as tf.KernelFunc,
};

/** Kernel config: `Mean` on 'wasm' (leading axes fast). */
export const meanConfig: tf.KernelConfig = {
  kernelName: 'Mean',
  backendName: 'wasm',
  kernelFunc: ((a: Args<{ axis: number | number[]; keepDims: boolean }>) =>
    reduceLeading(a, true) ?? fallback('Mean', a)) as unknown as tf.KernelFunc,
};

function tile(args: Args<{ reps: number[] }>): Info {
  const { inputs, attrs, backend } = args;
  const { x } = inputs;
  const reps = attrs.reps;
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || reps.length !== rank) return fallback('Tile', args);
  // Fast path: axes with reps > 1 all lie before any axis of size > 1, so the output is x repeated.
  let k = 0;
  while (k < rank && x.shape[k] === 1) k++;
  for (let i = k; i < rank; i++) if (reps[i] !== 1) return fallback('Tile', args);
  let size = 1;
  for (const d of x.shape) size *= d;
  let times = 1;
  for (const r of reps) times *= r;
  const out = backend.makeOutput(
    x.shape.map((d, i) => d * reps[i]!),
    'float32',
  );
  const heap = heapF32(backend);
  const xo = offsetF32(backend, x);
  const oo = offsetF32(backend, out);
  const total = size * times;
  if (total === 0) return out;
  heap.copyWithin(oo, xo, xo + size);
  let filled = size;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    heap.copyWithin(oo + filled, oo, oo + n);
    filled += n;
  }
  return out;
}

/** Kernel config: `Tile` on 'wasm' (repeat-the-block case fast). */
export const tileConfig: tf.KernelConfig = {
  kernelName: 'Tile',
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
