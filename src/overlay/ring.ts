/**
 * RING overlay: a travelling-salesman tour of the connectivity graph by
 * `d1 = C + latency + max(up, down, M / bandwidth)`, used as a directed cycle. The tour is
 * built with Christofides' algorithm (Christofides 1976: MST, minimum-weight perfect
 * matching of its odd-degree silos by Edmonds' blossom algorithm, Euler circuit,
 * shortcuts) and, by default, improved by local search: 2-opt (Croes 1958) and Or-opt
 * (Or 1976) until no move shortens it. Any shorter tour lowers the cycle time, which for
 * a ring is the mean delay of its edges.
 *
 * With a silo profile `d1` is asymmetric (the sender's upload, the receiver's download):
 * the tour is built on the symmetric `(d1(i,j) + d1(j,i)) / 2` (equal to `d1` without a
 * profile) and then run in whichever direction has the smaller cycle time.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { SiloTimes } from '../timing/delay-model.js';
import { minWeightPerfectMatching } from '../graph/blossom.js';
import { d1Ms, overlayCycleTime, overlayFromPairs, type Overlay } from './overlay.js';
import { kruskalMst } from './weights.js';

/** Options of the RING builder. */
export interface RingOptions {
  /** Improve the Christofides tour with 2-opt and Or-opt. */
  localSearch: boolean;
}

/** Default: Christofides followed by local search. */
export const DEFAULT_RING_OPTIONS: Readonly<RingOptions> = Object.freeze({ localSearch: true });

/** Length of a closed tour under a symmetric weight matrix (n x n). */
export function tourLength(tour: readonly number[], w: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < tour.length; i++) s += w[tour[i] * n + tour[(i + 1) % tour.length]];
  return s;
}

/** Christofides' tour (starting at silo 0) for a symmetric weight matrix. */
export function christofidesTour(n: number, w: Float64Array, mstEdges: ReadonlyArray<readonly [number, number]>): number[] {
  if (n <= 3) return [...Array(n).keys()];
  const deg = new Int32Array(n);
  for (const [a, b] of mstEdges) {
    deg[a]++;
    deg[b]++;
  }
  const odd = [...Array(n).keys()].filter((v) => deg[v] % 2 === 1);
  const matching = minWeightPerfectMatching(odd, (a, b) => w[a * n + b]);
  // multigraph adjacency with edge ids, Hierholzer's algorithm
  const all: [number, number][] = [...mstEdges.map(([a, b]) => [a, b] as [number, number]), ...matching];
  const adj: [number, number][][] = Array.from({ length: n }, () => []);
  all.forEach(([a, b], id) => {
    adj[a].push([b, id]);
    adj[b].push([a, id]);
  });
  const used = new Uint8Array(all.length);
  const ptr = new Int32Array(n);
  const stack = [0];
  const circuit: number[] = [];
  while (stack.length) {
    const v = stack[stack.length - 1];
    while (ptr[v] < adj[v].length && used[adj[v][ptr[v]][1]]) ptr[v]++;
    if (ptr[v] === adj[v].length) {
      circuit.push(stack.pop()!);
      continue;
    }
    const [u, id] = adj[v][ptr[v]];
    used[id] = 1;
    stack.push(u);
  }
  circuit.reverse();
  const seen = new Uint8Array(n);
  const tour: number[] = [];
  for (const v of circuit)
    if (!seen[v]) {
      seen[v] = 1;
      tour.push(v);
    }
  return tour;
}

const EPS = 1e-9;

/** 2-opt and Or-opt local search on a closed tour (symmetric weights), until no improving move. */
export function improveTour(tour0: readonly number[], w: Float64Array, n: number): number[] {
  const t = tour0.slice();
  const m = t.length;
  if (m < 5) return t;
  const W = (a: number, b: number): number => w[a * n + b];
  let improved = true;
  while (improved) {
    improved = false;
    // 2-opt: reverse t[i+1..j]
    for (let i = 0; i < m - 1; i++) {
      for (let j = i + 2; j < m; j++) {
        if (i === 0 && j === m - 1) continue;
        const a = t[i],
          b = t[i + 1],
          c = t[j],
          d = t[(j + 1) % m];
        const delta = W(a, c) + W(b, d) - W(a, b) - W(c, d);
        if (delta < -EPS) {
          for (let x = i + 1, y = j; x < y; x++, y--) {
            const tmp = t[x];
            t[x] = t[y];
            t[y] = tmp;
          }
          improved = true;
        }
      }
    }
    // Or-opt: move a segment of 1..3 silos elsewhere, possibly reversed
    for (let len = 1; len <= 3 && !improved; len++) {
      for (let i = 0; i < m && !improved; i++) {
        const seg: number[] = [];
        for (let k = 0; k < len; k++) seg.push(t[(i + k) % m]);
        const prev = t[(i - 1 + m) % m],
          next = t[(i + len) % m];
        const removeGain = W(prev, seg[0]) + W(seg[len - 1], next) - W(prev, next);
        const rest: number[] = [];
        for (let k = 0; k < m - len; k++) rest.push(t[(i + len + k) % m]);
        for (let p = 0; p < rest.length && !improved; p++) {
          const x = rest[p],
            y = rest[(p + 1) % rest.length];
          if (p === rest.length - 1) continue; // the gap we came from (next ... prev wraps)
          for (const rev of [false, true]) {
            const s0 = rev ? seg[len - 1] : seg[0],
              s1 = rev ? seg[0] : seg[len - 1];
            const addCost = W(x, s0) + W(s1, y) - W(x, y);
            if (addCost - removeGain < -EPS) {
              const ins = rev ? seg.slice().reverse() : seg;
              const nt = [...rest.slice(0, p + 1), ...ins, ...rest.slice(p + 1)];
              for (let k = 0; k < m; k++) t[k] = nt[k];
              improved = true;
              break;
            }
          }
        }
      }
    }
  }
  // start the tour at silo 0 for stable output
  const z = t.indexOf(0);
  return z <= 0 ? t : [...t.slice(z), ...t.slice(0, z)];
}

/** A RING result: the overlay and the tour. */
export interface RingResult {
  overlay: Overlay;
  /** Silo indices in tour order. */
  tour: number[];
}

/** Build the RING overlay. */
export function buildRing(cg: ConnectivityGraph, k: SiloTimes, options: Partial<RingOptions> = {}): RingResult {
  const opts = { ...DEFAULT_RING_OPTIONS, ...options };
  const n = cg.n;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w[i * n + j] = d1Ms(cg, k, i, j);
  if (k.profile) {
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const m = (w[i * n + j] + w[j * n + i]) / 2;
        w[i * n + j] = m;
        w[j * n + i] = m;
      }
  }
  const mst = kruskalMst(cg, (i, j) => w[i * n + j]);
  let tour = christofidesTour(n, w, mst);
  if (opts.localSearch) tour = improveTour(tour, w, n);
  if (k.profile && n > 2) {
    const back = [tour[0], ...tour.slice(1).reverse()];
    if (overlayCycleTime(ringOverlay(cg, back), k).cycleTimeMs < overlayCycleTime(ringOverlay(cg, tour), k).cycleTimeMs) tour = back;
  }
  return { overlay: ringOverlay(cg, tour), tour };
}

/** The directed cycle along `tour`. */
export function ringOverlay(cg: ConnectivityGraph, tour: readonly number[]): Overlay {
  const pairs: [number, number][] = [];
  if (tour.length > 1) for (let i = 0; i < tour.length; i++) pairs.push([tour[i], tour[(i + 1) % tour.length]]);
  return overlayFromPairs(
    'ring',
    cg,
    tour.length === 2
      ? [
          [tour[0], tour[1]],
          [tour[1], tour[0]],
        ]
      : pairs,
    false,
  );
}
