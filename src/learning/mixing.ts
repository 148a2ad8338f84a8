/**
 * Mixing: how silos combine models after their local steps, `w_i <- Σ_j A_ij w_j`, as a
 * pure function of a round's graph state. Each silo's row lists its terms; a term may take
 * the neighbour's model as it stood at the start of the round (`stale`), which is how the
 * multigraph's "did not wait" edges contribute (Do et al. 2023).
 */
import type { Overlay } from '../timing/delay-model.js';
import { nativeAddon } from './native-addon.js';
import type { RoundWeights, SiloPair } from '../timing/graph-state.js';

/** One term of a silo's mixing row. */
export interface MixTerm {
  /** Source silo j. */
  from: number;
  /** Weight A_ij. */
  weight: number;
  /** Use j's model from the start of the round (before its local steps). */
  stale: boolean;
}

/** The mixing of one round: a row of terms per silo. */
export type MixingRows = MixTerm[][];

/** Static overlay weighting schemes. */
export type StaticScheme = 'ring' | 'metropolis' | 'uniform';

/** In-neighbours of each silo (edge i -> j means j receives from i). */
export function inNeighbours(n: number, pairs: readonly SiloPair[]): number[][] {
  const inn: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<number>();
  for (const [a, b] of pairs) {
    if (a === b || seen.has(a * n + b)) continue;
    seen.add(a * n + b);
    inn[b].push(a);
  }
  return inn;
}

/**
 * Mixing rows of a static overlay.
 * - `ring`: `(A + I) / 2` as published (each silo averages with its predecessor);
 * - `metropolis`: Metropolis-Hastings weights `1 / (1 + max(d_i, d_j))` (doubly stochastic
 *   on an undirected overlay; Xiao & Boyd 2004), the rest on the silo itself;
 * - `uniform`: equal weights over the silo and its in-neighbours.
 */
export function staticMixing(o: Overlay, scheme: StaticScheme): MixingRows {
  return pairsMixing(o.silos.length, o.edges.map((e) => [e.from, e.to] as SiloPair), scheme);
}

/**
 * Mixing rows of one round's directed pairs with a static scheme (see {@link staticMixing}).
 * @param n number of silos
 * @param pairs the round's directed pairs `[from, to]`
 */
export function pairsMixing(n: number, pairs: readonly SiloPair[], scheme: StaticScheme): MixingRows {
  const inn = inNeighbours(n, pairs);
  const deg = inn.map((l) => l.length);
  return inn.map((nbrs, i) => {
    if (!nbrs.length) return [{ from: i, weight: 1, stale: false }];
    let terms: MixTerm[];
    if (scheme === 'ring') {
      const w = 1 / (nbrs.length + 1);
      terms = nbrs.map((j) => ({ from: j, weight: w, stale: false }));
    } else if (scheme === 'metropolis') {
      terms = nbrs.map((j) => ({ from: j, weight: 1 / (1 + Math.max(deg[i], deg[j])), stale: false }));
    } else {
      terms = nbrs.map((j) => ({ from: j, weight: 1 / (1 + nbrs.length), stale: false }));
    }
    const rest = 1 - terms.reduce((s, t) => s + t.weight, 0);
    return [{ from: i, weight: rest, stale: false }, ...terms];
  });
}

/** Self weight of a multigraph silo that has strong neighbours (Do et al. 2023). */
export const MULTIGRAPH_SELF_WEIGHT = 0.7;

/**
 * Multigraph mixing for one round: a silo mixes only over its strong in-edges, keeping
 * 0.7 for itself and sharing 0.3 equally among its strong neighbours; a silo with none
 * (isolated) keeps its own model. An edge strong now but weak in the previous round
 * contributes the neighbour's model from the start of the round.
 * @param strong this round's strong directed pairs
 * @param previousStrong the previous round's strong pairs (null in round 0)
 */
export function multigraphMixing(n: number, strong: readonly SiloPair[], previousStrong: readonly SiloPair[] | null): MixingRows {
  const inn = inNeighbours(n, strong);
  const prev = previousStrong ? new Set(previousStrong.map(([a, b]) => a * n + b)) : null;
  return inn.map((nbrs, i) => {
    if (!nbrs.length) return [{ from: i, weight: 1, stale: false }];
    const share = (1 - MULTIGRAPH_SELF_WEIGHT) / nbrs.length;
    return [
      { from: i, weight: MULTIGRAPH_SELF_WEIGHT, stale: false },
      ...nbrs.map((j) => ({ from: j, weight: share, stale: prev !== null && !prev.has(j * n + i) })),
    ];
  });
}

/**
 * MATCHA mixing `W = I - α L` for the Laplacian L of the round's active (undirected) edges
 * (Wang et al. 2019): `w_i <- (1 - α deg_i) w_i + α Σ_{j ~ i} w_j`.
 */
export function matchaMixing(n: number, active: readonly SiloPair[], alpha: number): MixingRows {
  const nb: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (const [a, b] of active) if (a !== b) { nb[a].add(b); nb[b].add(a); }
  return nb.map((s, i) => [
    { from: i, weight: 1 - alpha * s.size, stale: false },
    ...[...s].map((j) => ({ from: j, weight: alpha, stale: false })),
  ]);
}

/**
 * Mixing rows from a round's explicit weights (topologies whose weights are part of the
 * topology: exponential, Base-(k+1), EquiDyn): silo `to` keeps `selfWeights[to]` and
 * takes `weights[e]` from `edges[e] = [from, to]`, in edge order.
 */
export function explicitMixing(n: number, w: RoundWeights): MixingRows {
  if (w.selfWeights.length !== n) throw new Error(`mixing: ${w.selfWeights.length} self weights for ${n} silos`);
  if (w.weights.length !== w.edges.length) throw new Error(`mixing: ${w.weights.length} weights for ${w.edges.length} edges`);
  const rows: MixingRows = w.selfWeights.map((sw, i) => [{ from: i, weight: sw, stale: false }]);
  w.edges.forEach(([from, to], e) => rows[to].push({ from, weight: w.weights[e], stale: false }));
  return rows;
}

/** Server-based federated averaging weighted by shard size (McMahan et al. 2017). */
export function fedAvgMixing(shardSizes: readonly number[]): MixingRows {
  const total = shardSizes.reduce((a, b) => a + b, 0);
  const row = shardSizes.map((s, j) => ({ from: j, weight: s / total, stale: false }));
  return shardSizes.map(() => row);
}

/** No communication: every silo keeps its model. */
export function localMixing(n: number): MixingRows {
  return Array.from({ length: n }, (_, i) => [{ from: i, weight: 1, stale: false }]);
}

/** The dense matrix A of mixing rows (stale terms counted like fresh ones), for tests and reports. */
export function mixingMatrix(rows: MixingRows): Float64Array[] {
  const n = rows.length;
  return rows.map((r) => {
    const a = new Float64Array(n);
    for (const t of r) a[t.from] += t.weight;
    return a;
  });
}

/**
 * Apply mixing rows: `out_i = Σ weight * (stale ? start_j : fresh_j)`.
 * @param fresh models after this round's local steps
 * @param start models at the start of the round (needed only when a row has a stale term)
 */
export function applyMixing(rows: MixingRows, fresh: readonly Float32Array[], start: readonly (Float32Array | undefined)[]): Float32Array[] {
  // one float64 accumulator for the rows not fused (zeroed per row)
  const acc: MixScratch = {};
  return rows.map((row, i) => mixOne(row, i, fresh, start, acc));
}

/** Scratch space of {@link mixOne} (reused across rows). */
export interface MixScratch { a?: Float64Array }

/**
 * Silo i's row of {@link applyMixing} alone (the same bits): rows are independent, so a
 * caller may mix each as soon as its sources are in. A row that keeps the silo's own
 * model returns `fresh[i]` itself.
 */
export function mixOne(row: readonly MixTerm[], i: number, fresh: readonly (Float32Array | undefined)[], start: readonly (Float32Array | undefined)[], acc: MixScratch = {}): Float32Array {
  const own = fresh[i];
  if (!own) throw new Error(`mixing: silo ${i}'s model is not in`);
  if (row.length === 1 && row[0].from === i && row[0].weight === 1 && !row[0].stale) return own;
  const srcs = row.map((t) => {
    const src = t.stale ? start[t.from] : fresh[t.from];
    if (!src) throw new Error(t.stale ? `mixing: silo ${t.from}'s start-of-round model was not kept` : `mixing: silo ${t.from}'s model is not in`);
    return src;
  });
  return mixRow(srcs, row.map((t) => t.weight), own.length, acc);
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
