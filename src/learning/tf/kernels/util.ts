/**
 * Helpers for dflsim's wasm kernels: call the wasm backend's own (XNNPACK) kernels
 * directly, free intermediates on the backend, and view tensors on the wasm heap.
 */
import * as tf from '@tensorflow/tfjs';

/** A tensor as kernels see it: data id, shape, dtype. */
export type Info = tf.TensorInfo;

/** The parts of the wasm backend our kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPF32: Float32Array; wasmMemory?: { buffer: ArrayBufferLike } };
}

let cachedHeap: Float32Array | null = null;

/**
 * The whole wasm heap as float32. With the threaded build the memory can grow from
 * another thread without the glue refreshing `HEAPF32`, so we check the live buffer.
 */
export function heapF32(backend: WasmBackendLike): Float32Array {
  const mem = backend.wasm.wasmMemory;
  if (!mem) return backend.wasm.HEAPF32;
  const buf = mem.buffer;
  if (cachedHeap === null || cachedHeap.buffer !== buf || cachedHeap.byteLength !== buf.byteLength) {
    cachedHeap = new Float32Array(buf);
  }
  return cachedHeap;
}

/** Offset of a tensor's first float on {@link heapF32}. */
export function offsetF32(backend: WasmBackendLike, info: Info): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset >>> 2;
}

/** Run another kernel registered for 'wasm' (no engine bookkeeping, no tape). */
export function runWasm(name: string, inputs: Record<string, Info>, attrs: Record<string, unknown>, backend: WasmBackendLike): Info {
  const k = original(name) ?? tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`dflsim/learning/tf/kernels: wasm kernel ${name} is not registered`);
  return k.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend } as never) as Info;
}

const originals = new Map<string, tf.KernelConfig>();

/** The package's own kernel config we replaced (kept so we can fall back to it). */
export function original(name: string): tf.KernelConfig | undefined {
  return originals.get(name);
}

/** Replace (or add) a wasm kernel, remembering the package's version. */
export function overrideWasmKernel(cfg: tf.KernelConfig): void {
  const prev = tf.getKernel(cfg.kernelName, 'wasm');
  if (prev && !originals.has(cfg.kernelName) && !(prev as { dflsim?: boolean }).dflsim) {
    originals.set(cfg.kernelName, prev);
  }
  if (prev) tf.unregisterKernel(cfg.kernelName, 'wasm');
  const orig = originals.get(cfg.kernelName);
  const mine = { ...cfg, dflsim: true } as tf.KernelConfig & { dflsim: boolean };
  if (orig?.setupFunc) {
    const origSetup = orig.setupFunc;
    const ownSetup = cfg.setupFunc;
    mine.setupFunc = ((b: tf.KernelBackend) => {
      origSetup(b as never);
      (ownSetup as ((x: tf.KernelBackend) => void) | undefined)?.(b);
    }) as tf.KernelConfig['setupFunc'];
  }
  tf.registerKernel(mine);
}

/** Free an intermediate made inside a kernel. */
export function free(backend: WasmBackendLike, ...infos: Info[]): void {
  for (const i of infos) backend.disposeData(i.dataId);
}

/** Float32 view of a tensor on the wasm heap (take it after all allocations). */
export function f32(backend: WasmBackendLike, info: Info): Float32Array {
  const off = offsetF32(backend, info);
  let n = 1;
  for (const d of info.shape) n *= d;
  return heapF32(backend).subarray(off, off + n);
}

/** Transpose with the wasm kernel. */
export function transpose(backend: WasmBackendLike, x: Info, perm: number[]): Info {
  return runWasm('Transpose', { x }, { perm }, backend);
}
