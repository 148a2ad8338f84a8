/**
 * The wasm backend's convolutions and matrix products computed by dflsim's native addon
 * (`native/src/`, built by `scripts/build-native.mjs` at install), in place on
 * the wasm heap: one GEMM of fused multiply-adds with AVX-512 or AVX2 + FMA (or a portable
 * loop of fmaf with the same bits) instead of XNNPACK in WebAssembly, which runs at
 * 5-7.5 GMAC/s on 128-bit SIMD.
 *
 * Every output element has one summation order, one rounding per term (see native/src/gemm.h),
 * so results depend on the resolved config and seed only, whatever the machine's vector width
 * or the thread count.
 * They differ in the last bits from the XNNPACK kernels used when the addon is missing
 * (or `DFLSIM_NATIVE=0`): {@link nativeKernels} says which set a run used, and runs
 * record it.
 *
 * Shapes or attributes the addon does not cover (NCHW, dilations, PReLU and other fused
 * activations, broadcast batch products) go to the kernels registered before.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, type NativeAddon } from '../../native-addon.js';
import { heapF32, offsetF32, type Info, type WasmBackendLike } from './util.js';

export { nativeAddon, nativeLoadError } from '../../native-addon.js';

let threads = 1;
let enabled = true;

/**
 * Use the native convolutions and products where built (default), or the kernels they
 * wrap (tests compare both). A run must not switch in its middle: the bits differ.
 */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

const addonIfOn = (): NativeAddon | null => (enabled ? nativeAddon() : null);

/** The addon when the native kernels are on (see {@link setNativeKernelsEnabled}), else null. */
export function nativeKernelAddon(): NativeAddon | null {
  return addonIfOn();
}

/**
 * The kernel family in use: 'native-fma' (the addon's products with fused multiply-adds;
 * its AVX-512, AVX2 + FMA and portable code paths give the same bits, so the path is not
 * part of the name) or 'wasm' (XNNPACK). An addon built from older sources, without fused
 * multiply-add, says 'native-avx2' or 'native-portable'.
 */
export function nativeKernels(): string {
  const a = addonIfOn();
  return a ? (a.family ?? `native-${a.kernel()}`) : 'wasm';
}

/** Threads each native kernel call uses (the run's compute threads; default 1). */
export function setNativeThreads(n: number): void {
  threads = Math.max(1, Math.floor(n));
}

/** The thread count native kernel calls use. */
export function nativeThreads(): number {
  return threads;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW' | 'channelsLast' | 'channelsFirst';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const dilated = (d: number | [number, number] | undefined) => d !== undefined && (Array.isArray(d) ? d[0] !== 1 || d[1] !== 1 : d !== 1);
const nchw = (f: ConvAttrs['dataFormat']) => f === 'NCHW' || f === 'channelsFirst';

type KernelArgs = { inputs: Record<string, Info | undefined>; attrs: Record<string, unknown>; backend: WasmBackendLike };

function convCall(
  a: NativeAddon,
  backend: WasmBackendLike,
  op: number,
  info: tf.backend_util.Conv2DInfo,
  x: Info,
  f: Info,
  out: Info,
  bias: Info | null,
  act: number,
  alpha: number,
): void {
  const heap = heapF32(backend);
  a.conv2d(
    heap,
    op,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outHeight,
    info.outWidth,
    offsetF32(backend, x),
    offsetF32(backend, f),
    offsetF32(backend, out),
    bias ? offsetF32(backend, bias) : -1,
    act,
    alpha,
    threads,
  );
}

const ACT: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

/** Build the native replacement of `name`, falling back to `prev` outside its cover. */
function forwardConv(prev: tf.KernelFunc, fused: boolean): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const a = addonIfOn();
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & { activation?: string; leakyreluAlpha?: number };
    const act = fused ? ACT[attrs.activation ?? 'linear'] : 0;
    if (
      !a ||
      !x ||
      !filter ||
      nchw(attrs.dataFormat) ||
      dilated(attrs.dilations) ||
      act === undefined ||
      preluActivationWeights ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      x.shape.length !== 4 ||
      (bias && (bias.dtype !== 'float32' || bias.shape.reduce((p, d) => p * d, 1) !== filter.shape[3]))
    )
      return prev(args as never);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const out = args.backend.makeOutput(info.outShape as number[], 'float32');
    if (info.outHeight * info.outWidth * info.batchSize === 0) return out;
    convCall(a, args.backend, 0, info, x, filter, out, bias ?? null, act, attrs.leakyreluAlpha ?? 0.2);
    return out;
  }) as unknown as tf.KernelFunc;
}

function backpropInput(prev: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const a = addonIfOn();
    const { dy, filter } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (!a || !dy || !filter || nchw(attrs.dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return prev(args as never);
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const out = args.backend.makeOutput([...attrs.inputShape], 'float32');
    if (attrs.inputShape.reduce((p, d) => p * d, 1) === 0) return out;
    // geometry is the forward one: x = the input (its shape), out = dy
    convCall(a, args.backend, 1, info, dy, filter, out, null, 0, 0);
    return out;
  }) as unknown as tf.KernelFunc;
}

function backpropFilter(prev: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const a = addonIfOn();
    const { x, dy } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    if (!a || !x || !dy || nchw(attrs.dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') return prev(args as never);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const out = args.backend.makeOutput([...attrs.filterShape], 'float32');
    convCall(a, args.backend, 2, info, x, dy, out, null, 0, 0);
    return out;
  }) as unknown as tf.KernelFunc;
}

/** BatchMatMul / _FusedMatMul (bias and relu-like activations) on equal or size-1 batches. */
function matMul(prev: tf.KernelFunc, fused: boolean): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const an = addonIfOn();
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
    const act = fused ? ACT[attrs.activation ?? 'linear'] : 0;
    if (
      !an ||
      !a ||
      !b ||
      act === undefined ||
      preluActivationWeights ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      a.shape.length < 2 ||
      b.shape.length < 2
    )
      return prev(args as never);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const K = attrs.transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const K2 = attrs.transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const N = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const ba = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const bb = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const sameBatch = a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
    if (K !== K2 || ra !== rb || (ba === bb ? !sameBatch : ba !== 1 && bb !== 1)) return prev(args as never);
    const outBatch = ba >= bb ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const nb = Math.max(ba, bb);
    if (bias && (bias.dtype !== 'float32' || bias.shape.reduce((p, d) => p * d, 1) !== N)) return prev(args as never);
    const out = args.backend.makeOutput([...outBatch, M, N], 'float32');
    const heap = heapF32(args.backend);
    const ao = offsetF32(args.backend, a);
    const bo = offsetF32(args.backend, b);
    const co = offsetF32(args.backend, out);
    const [rsa, csa] = attrs.transposeA ? [1, M] : [K, 1];
    const [rsb, csb] = attrs.transposeB ? [1, K] : [N, 1];
    for (let i = 0; i < nb; i++) {
      an.gemm(
        heap,
        M,
        N,
        K,
        ao + (ba === 1 ? 0 : i * M * K),
        rsa,
        csa,
        bo + (bb === 1 ? 0 : i * K * N),
        rsb,
        csb,
        co + i * M * N,
        N,
        0,
        threads,
      );
    }
    if (bias || act !== 0) {
      const y = heap.subarray(co, co + nb * M * N);
      const bv = bias ? heap.subarray(offsetF32(args.backend, bias), offsetF32(args.backend, bias) + N) : null;
      const alpha = Math.fround(attrs.leakyreluAlpha ?? 0.2);
      for (let r = 0; r < nb * M; r++) {
        for (let j = 0, o = r * N; j < N; j++, o++) {
          let v = y[o]!;
          if (bv) v = Math.fround(v + bv[j]!);
          if (act === 1) v = v > 0 ? v : 0;
          else if (act === 2) v = v > 0 ? (v < 6 ? v : 6) : 0;
          else if (act === 3) v = v < 0 ? Math.fround(alpha * v) : v;
          y[o] = v;
        }
      }
    }
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Kernel names the native set replaces. */
export const NATIVE_KERNELS: readonly string[] = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
];

/**
 * The native replacements of {@link NATIVE_KERNELS}, each wrapping the kernel registered
 * for 'wasm' now (its fallback). Call after dflsim's other wasm kernels are registered.
 */
export function nativeKernelConfigs(): tf.KernelConfig[] {
  const make: Record<string, (prev: tf.KernelFunc) => tf.KernelFunc> = {
    Conv2D: (p) => forwardConv(p, false),
    FusedConv2D: (p) => forwardConv(p, true),
    Conv2DBackpropInput: backpropInput,
    Conv2DBackpropFilter: backpropFilter,
    BatchMatMul: (p) => matMul(p, false),
    _FusedMatMul: (p) => matMul(p, true),
  };
  const out: tf.KernelConfig[] = [];
  for (const name of NATIVE_KERNELS) {
    const prev = tf.getKernel(name, 'wasm');
    if (!prev) continue;
    // no setupFunc here: overrideWasmKernel runs the package's own setup for the name
    out.push({ kernelName: name, backendName: 'wasm', kernelFunc: make[name]!(prev.kernelFunc) });
  }
  return out;
}
