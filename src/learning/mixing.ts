/**
 * Applying mixing rows to models: `out_i = Σ weight · (stale ? start_j : fresh_j)` in
 * float64, one float32 write per parameter. The rows come from the topology's mixing rule
 * (`overlay/mixing-rules.ts`).
 */
import type { MixingRows, MixTerm } from '../overlay/mixing-rules.js';
import { nativeAddon } from './native-addon.js';

/**
 * Apply mixing rows: `out_i = Σ weight * (stale ? start_j : fresh_j)`.
 * @param fresh models after this round's local steps
 * @param start models at the start of the round (needed only when a row has a stale term)
 */
export function applyMixing(
  rows: MixingRows,
  fresh: readonly Float32Array[],
  start: readonly (Float32Array | undefined)[],
): Float32Array[] {
  // one float64 accumulator for the rows not fused (zeroed per row)
  const acc: MixScratch = {};
  return rows.map((row, i) => mixOne(row, i, fresh, start, acc));
}

/** Scratch space of {@link mixOne} (reused across rows). */
export interface MixScratch {
  a?: Float64Array;
}

/**
 * Silo i's row of {@link applyMixing} alone (the same bits): rows are independent, so a
 * caller may mix each as soon as its sources are in. A row that keeps the silo's own
 * model returns `fresh[i]` itself.
 */
export function mixOne(
  row: readonly MixTerm[],
  i: number,
  fresh: readonly (Float32Array | undefined)[],
  start: readonly (Float32Array | undefined)[],
  acc: MixScratch = {},
): Float32Array {
  const own = fresh[i];
  if (!own) throw new Error(`mixing: silo ${i}'s model is not in`);
  if (row.length === 1 && row[0].from === i && row[0].weight === 1 && !row[0].stale) return own;
  const srcs = row.map((t) => {
    const src = t.stale ? start[t.from] : fresh[t.from];
    if (!src)
      throw new Error(t.stale ? `mixing: silo ${t.from}'s start-of-round model was not kept` : `mixing: silo ${t.from}'s model is not in`);
    return src;
  });
  return mixRow(
    srcs,
    row.map((t) => t.weight),
    own.length,
    acc,
  );
}

/** The silos whose fresh (this round's) models silo i's row reads, itself included. */
export function freshSources(row: readonly MixTerm[], i: number): number[] {
  return [...new Set([i, ...row.filter((t) => !t.stale).map((t) => t.from)])];
}

/**
 * One row: `out[p] = fround(((0 + w0 s0[p]) + w1 s1[p]) + ...)` in float64, terms in row
 * order. Rows of 2 to 4 terms run as one fused pass (no accumulator array: about twice as
 * fast for 2 and 3 terms); other rows accumulate all but the last term in float64 (none for
 * a single term) and fuse the last with the write. Every form performs the same operations
 * in the same order.
 */
let useNative = true;

/** Mix with the native addon when it is built (default) or always in JS: the same bits (tests compare them). */
export function setNativeMixing(on: boolean): void {
  useNative = on;
}

function mixRow(s: Float32Array[], w: number[], len: number, acc: MixScratch): Float32Array {
  const out = new Float32Array(len);
  const k = s.length;
  const native = useNative && k <= 64 ? nativeAddon() : null;
  if (native) {
    // the same float64 operations in the same order, element by element (4-9x faster)
    native.mix(out, s, Float64Array.from(w));
  } else if (k === 2) {
    const [a, b] = s as [Float32Array, Float32Array];
    const [wa, wb] = w as [number, number];
    for (let p = 0; p < len; p++) {
      let x = 0;
      x += wa * a[p]!;
      x += wb * b[p]!;
      out[p] = x;
    }
  } else if (k === 3) {
    const [a, b, c] = s as [Float32Array, Float32Array, Float32Array];
    const [wa, wb, wc] = w as [number, number, number];
    for (let p = 0; p < len; p++) {
      let x = 0;
      x += wa * a[p]!;
      x += wb * b[p]!;
      x += wc * c[p]!;
      out[p] = x;
    }
  } else if (k === 4) {
    const [a, b, c, d] = s as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [wa, wb, wc, wd] = w as [number, number, number, number];
    for (let p = 0; p < len; p++) {
      let x = 0;
      x += wa * a[p]!;
      x += wb * b[p]!;
      x += wc * c[p]!;
      x += wd * d[p]!;
      out[p] = x;
    }
  } else {
    if (!acc.a || acc.a.length !== len) acc.a = new Float64Array(len);
    else acc.a.fill(0);
    const sum = acc.a;
    for (let q = 0; q < k - 1; q++) {
      const src = s[q]!;
      const wq = w[q]!;
      for (let p = 0; p < len; p++) sum[p] += wq * src[p]!;
    }
    const last = s[k - 1]!;
    const wl = w[k - 1]!;
    for (let p = 0; p < len; p++) out[p] = sum[p]! + wl * last[p]!;
  }
  return out;
}
