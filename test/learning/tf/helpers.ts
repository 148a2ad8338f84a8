import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/random.js';

/** Seeded normal data. */
export function randn(n: number, seed: number): Float32Array {
  const r = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.normal();
  return a;
}

/** Run one kernel on a backend with plain arrays in, plain array out. */
export async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { data: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ data: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.data, v.shape);
    const out = tf.engine().runKernel(kernel, ins as never, attrs as never) as tf.Tensor;
    return { data: out.dataSync() as Float32Array, shape: out.shape };
  });
}

/** max |a-b| / max |b| (b the reference). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to x (a float32, finite, not zero) away from zero (up) or towards it. */
function nextF32(x: number, away: boolean): number {
  f32[0] = x;
  u32[0] = u32[0]! + (away ? 1 : -1);
  return f32[0];
}

/**
 * C's fmaf: a * b + c rounded once to float32 (a, b, c float32). The product is exact in
 * float64 (24 + 24 bits); the sum s = p + c is rounded to float64 and its error e recovered
 * exactly (TwoSum); rounding s to float32 then rounds the exact sum, except when s lies on
 * a float32 midpoint, where e says on which side the exact sum lies.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (e === 0 || r === s) return r;
  // the float32 values around s: r and its neighbour on s's side
  const other = nextF32(r, Math.abs(s) > Math.abs(r));
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  // s is their midpoint: the exact sum s + e lies on e's side
  const up = e > 0 === other > r;
  return up ? other : r;
}
