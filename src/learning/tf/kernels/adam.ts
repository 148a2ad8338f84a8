/**
 * One Adam step of a silo's flat state (m, v, weights: float32) from the gradient
 * tensors of its trainable variables, in variable order. On the wasm backend the update
 * runs as a float64x2 SIMD loop over the gradients where they lie on the wasm heap (no
 * copy out of them), on copies of m, v and w placed beside them; elsewhere, and without
 * the SIMD module, as the scalar JS loop. Both compute every element in float64 with the
 * same operations in the same order, so they give the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import { simdLoops } from './simd.js';
import { nativeAddon, type NativeAddon } from '../../native-addon.js';

let useNativeAdam = true;

/** Use the native loop where built (default) or the wasm SIMD one: the same bits (tests compare them). */
export function setNativeAdam(on: boolean): void {
  useNativeAdam = on;
}
import { free, heapF32, type WasmBackendLike } from './util.js';

/** Adam's constants. */
export interface AdamConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
}

function scalarAdam(g: Float32Array, m: Float32Array, v: Float32Array, w: Float32Array, off: number, lrT: number, a: AdamConstants): void {
  const { beta1: b1, beta2: b2, epsilon: eps } = a;
  for (let i = 0; i < g.length; i++) {
    const k = off + i;
    const gi = g[i]!;
    const mi = b1 * m[k]! + (1 - b1) * gi;
    const vi = b2 * v[k]! + (1 - b2) * gi * gi;
    m[k] = mi;
    v[k] = vi;
    w[k] = w[k]! - (lrT * mi) / (Math.sqrt(vi) + eps);
  }
}

/**
 * Update `m`, `v`, `w` (the first `sum of grads' sizes` entries) in place.
 * @param lrT the step's bias-corrected learning rate
 */
export function adamUpdate(grads: tf.Tensor[], m: Float32Array, v: Float32Array, w: Float32Array, lrT: number, a: AdamConstants): void {
  const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackendLike) : null;
  const loops = backend && grads.every((g) => g.dtype === 'float32') ? simdLoops(backend) : null;
  if (!backend || !loops) {
    let off = 0;
    for (const g of grads) {
      scalarAdam(g.dataSync() as Float32Array, m, v, w, off, lrT, a);
      off += g.size;
    }
    return;
  }
  const native = useNativeAdam ? nativeAddon() : null;
  if (native) {
    // the same float64 operations, reading the gradients on the heap and updating m, v, w where they are
    const heap = heapF32(backend);
    let off = 0;
    for (const g of grads) {
      const go = backend.dataIdMap.get(g.dataId).memoryOffset >>> 2;
      native.adam(heap, go, g.size, m, v, w, off, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, lrT, a.epsilon);
      off += g.size;
    }
    return;
  }
  let n = 0;
  for (const g of grads) n += g.size;
  // 6 float64 pairs of constants (96 bytes = 24 floats), then m, v, w
  const scratch = backend.makeOutput([24 + 3 * n], 'float32');
  const base = backend.dataIdMap.get(scratch.dataId).memoryOffset;
  if (base % 8 !== 0) throw new Error('dflsim adam: the wasm heap gave an allocation not aligned to 8 bytes');
  const heap = heapF32(backend);
  const k = new Float64Array(heap.buffer, base, 12);
  const consts = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, lrT, a.epsilon];
  consts.forEach((c, i) => {
    k[2 * i] = c;
    k[2 * i + 1] = c;
  });
  const f = base >>> 2;
  const [mo, vo, wo] = [f + 24, f + 24 + n, f + 24 + 2 * n];
  heap.set(m.subarray(0, n), mo);
  heap.set(v.subarray(0, n), vo);
  heap.set(w.subarray(0, n), wo);
  let off = 0;
  for (const g of grads) {
    const gb = backend.dataIdMap.get(g.dataId).memoryOffset;
    const even = g.size & ~1;
    loops.adam(gb, 4 * (mo + off), 4 * (vo + off), 4 * (wo + off), gb + 4 * even, base);
    if (even < g.size) {
      // the odd last element, by the scalar formula on the heap copies
      const gv = heap.subarray((gb >>> 2) + even, (gb >>> 2) + g.size);
      scalarAdam(gv, heap.subarray(mo + off + even), heap.subarray(vo + off + even), heap.subarray(wo + off + even), 0, lrT, a);
    }
    off += g.size;
  }
  m.set(heap.subarray(mo, mo + n));
  v.set(heap.subarray(vo, vo + n));
  w.set(heap.subarray(wo, wo + n));
  free(backend, scratch);
}

/**
 * One Adam step from a flat gradient (the first `g.length` entries of m, v, w), by the same
 * formula: the native loop where the addon is built (pass a timed one to profile it), else
 * the scalar JS loop.
 */
export function adamUpdateFlat(
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  w: Float32Array,
  lrT: number,
  a: AdamConstants,
  native: NativeAddon | null = nativeAddon(),
): void {
  if (native) native.adam(g, 0, g.length, m, v, w, 0, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, lrT, a.epsilon);
  else scalarAdam(g, m, v, w, 0, lrT, a);
}
