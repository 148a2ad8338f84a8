/**
 * Maximum cycle mean of a weighted digraph: Karp 1978, "A characterization of the minimum
 * cycle mean in a digraph" (Discrete Mathematics 23), in its max form. The maximum cycle
 * mean is the cycle time (growth rate) of the max-plus linear system
 * `t_j(k+1) = max_i t_i(k) + d(i, j)` (Baccelli et al. 1992).
 *
 * Real-valued weights are supported. Besides the value, the solver returns a critical
 * circuit: a cycle whose mean equals the maximum.
 *
 * On large graphs (n m above {@link HOWARD_MIN_WORK}) Howard's policy iteration replaces
 * the table. Two exact special cases skip the O(n m) table when the structure allows it
 * (the result is the same, tested against the general algorithm): a functional graph (every node has
 * exactly one outgoing edge, e.g. a directed ring), whose only cycles are found by
 * following successors; and a bidirected forest (an undirected tree used both ways), whose
 * closed walks all decompose into 2-cycles.
 */
import { UnionFind } from '../graph/union-find.js';

/** A maximum cycle mean and a circuit achieving it. */
export interface CycleMean {
  /** The maximum cycle mean (-Infinity when the graph has no cycle). */
  value: number;
  /** Nodes of a critical circuit in order (the edge from the last back to the first closes it). */
  circuit: number[];
  /** Indices (into the edge arrays) of the circuit's edges, in order. */
  circuitEdges: number[];
}

/** A solver for a fixed edge structure, reusable with different weights. */
export type CycleMeanSolver = (weights: ArrayLike<number>) => CycleMean;

/**
 * Prepare a maximum-cycle-mean solver for the digraph with `n` nodes and edges
 * `from[e] -> to[e]` (no self-loops expected; they are handled as 1-cycles).
 */
export function prepareMaxCycleMean(n: number, from: ArrayLike<number>, to: ArrayLike<number>): CycleMeanSolver {
  const m = from.length;
  const outDeg = new Int32Array(n);
  for (let e = 0; e < m; e++) outDeg[from[e]]++;
  if (n > 0 && m === n && outDeg.every((d) => d === 1)) return functionalGraphSolver(n, from, to);
  const twin = bidirectedForestTwins(n, from, to);
  if (twin) return forestSolver(from, to, twin);
  // large graphs: policy iteration (exact cycle means, warm-started between calls) instead of
  // Karp's O(n m) table; below the threshold Karp, so published figures are untouched
  if (n * m >= HOWARD_MIN_WORK) {
    const howard = howardSolver(n, from, to);
    if (howard) return howard;
  }
  return karpSolver(n, from, to);
}

/** Maximum cycle mean of a digraph (Karp). See `prepareMaxCycleMean` (the same solve, reusable across weight changes). */
export function maxCycleMean(n: number, from: ArrayLike<number>, to: ArrayLike<number>, weights: ArrayLike<number>): CycleMean {
  return prepareMaxCycleMean(n, from, to)(weights);
}

/** The general O(n m) algorithm, always (used by tests to check the special cases). */
export function karpMaxCycleMean(n: number, from: ArrayLike<number>, to: ArrayLike<number>, weights: ArrayLike<number>): CycleMean {
  return karpSolver(n, from, to)(weights);
}

/** Incoming edges of every node in CSR form: node v's are `inEdges[start[v] .. start[v+1])`. */
function incomingEdges(n: number, from: ArrayLike<number>, to: ArrayLike<number>): { start: Int32Array; inEdges: Int32Array } {
  const m = from.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) start[to[e] + 1]++;
  for (let v = 0; v < n; v++) start[v + 1] += start[v];
  const inEdges = new Int32Array(m);
  const fill = start.slice(0, n);
  for (let e = 0; e < m; e++) inEdges[fill[to[e]]++] = e;
  return { start, inEdges };
}

function karpSolver(n: number, from: ArrayLike<number>, to: ArrayLike<number>): CycleMeanSolver {
  const { start, inEdges } = incomingEdges(n, from, to);
  const D = new Float64Array((n + 1) * n);
  const P = new Int32Array((n + 1) * n); // edge used to reach v at step k
  return (w) => {
    D.fill(-Infinity, n);
    D.fill(0, 0, n);
    for (let k = 1; k <= n; k++) {
      const prev = (k - 1) * n,
        cur = k * n;
      for (let v = 0; v < n; v++) {
        let best = -Infinity,
          bestE = -1;
        for (let i = start[v]; i < start[v + 1]; i++) {
          const e = inEdges[i];
          const cand = D[prev + from[e]] + w[e];
          if (cand > best) {
            best = cand;
            bestE = e;
          }
        }
        D[cur + v] = best;
        P[cur + v] = bestE;
      }
    }
    let lambda = -Infinity,
      vStar = -1;
    const last = n * n;
    for (let v = 0; v < n; v++) {
      const dn = D[last + v];
      if (dn === -Infinity) continue;
      let mv = Infinity;
      for (let k = 0; k < n; k++) {
        const dk = D[k * n + v];
        if (dk === -Infinity) continue;
        const val = (dn - dk) / (n - k);
        if (val < mv) mv = val;
      }
      if (mv > lambda) {
        lambda = mv;
        vStar = v;
      }
    }
    if (vStar < 0) return { value: -Infinity, circuit: [], circuitEdges: [] };
    // Walk back n steps from vStar; the walk contains a critical cycle.
    const walkNodes: number[] = [vStar];
    const walkEdges: number[] = [];
    let v = vStar;
    for (let k = n; k >= 1; k--) {
      const e = P[k * n + v];
      walkEdges.push(e);
      v = from[e];
      walkNodes.push(v);
    }
    // walkNodes[i] is reached from walkNodes[i+1] by walkEdges[i]
    let best: CycleMean = { value: -Infinity, circuit: [], circuitEdges: [] };
    const lastPos = new Map<number, number>();
    for (let i = 0; i < walkNodes.length; i++) {
      const node = walkNodes[i];
      const j = lastPos.get(node);
      if (j !== undefined) {
        // cycle: walkNodes[i] -> ... -> walkNodes[j] via edges walkEdges[i-1..j] reversed
        const edges: number[] = [];
        for (let t = i - 1; t >= j; t--) edges.push(walkEdges[t]);
        let sum = 0;
        for (const e of edges) sum += w[e];
        const mean = sum / edges.length;
        if (mean > best.value) best = { value: mean, circuit: edges.map((e) => from[e]), circuitEdges: edges };
      }
      lastPos.set(node, i);
    }
    return { value: lambda, circuit: best.circuit, circuitEdges: best.circuitEdges };
  };
}

function functionalGraphSolver(n: number, from: ArrayLike<number>, to: ArrayLike<number>): CycleMeanSolver {
  const succEdge = new Int32Array(n);
  for (let e = 0; e < from.length; e++) succEdge[from[e]] = e;
  // find the cycles once: each is a list of edges
  const cycles: number[][] = [];
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const pos = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    if (state[s]) continue;
    const path: number[] = [];
    let v = s;
    while (state[v] === 0) {
      state[v] = 1;
      pos[v] = path.length;
      path.push(v);
      v = to[succEdge[v]];
    }
    if (state[v] === 1) cycles.push(path.slice(pos[v]).map((x) => succEdge[x]));
    for (const x of path) state[x] = 2;
  }
  return (w) => {
    let best: CycleMean = { value: -Infinity, circuit: [], circuitEdges: [] };
    for (const c of cycles) {
      let sum = 0;
      for (const e of c) sum += w[e];
      const mean = sum / c.length;
      if (mean > best.value) best = { value: mean, circuit: c.map((e) => from[e]), circuitEdges: c };
    }
    return best;
  };
}

/** For a bidirected forest, the reverse edge of each edge; otherwise null. */
function bidirectedForestTwins(n: number, from: ArrayLike<number>, to: ArrayLike<number>): Int32Array | null {
  const m = from.length;
  if (m % 2 !== 0) return null;
  const index = new Map<number, number>();
  for (let e = 0; e < m; e++) {
    if (from[e] === to[e]) return null;
    const key = from[e] * n + to[e];
    if (index.has(key)) return null;
    index.set(key, e);
  }
  const twin = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const r = index.get(to[e] * n + from[e]);
    if (r === undefined) return null;
    twin[e] = r;
  }
  // undirected edges m/2 must form a forest: union-find without cycles
  const sets = new UnionFind(n);
  for (let e = 0; e < m; e++) {
    if (from[e] > to[e]) continue;
    if (!sets.union(from[e], to[e])) return null;
  }
  return twin;
}

function forestSolver(from: ArrayLike<number>, to: ArrayLike<number>, twin: Int32Array): CycleMeanSolver {
  return (w) => {
    let best: CycleMean = { value: -Infinity, circuit: [], circuitEdges: [] };
    for (let e = 0; e < from.length; e++) {
      if (from[e] > to[e]) continue;
      const mean = (w[e] + w[twin[e]]) / 2;
      if (mean > best.value) best = { value: mean, circuit: [from[e], to[e]], circuitEdges: [e, twin[e]] };
    }
    return best;
  };
}

/** Karp's table costs (n + 1) x n per solve; above this many n x m operations, policy iteration is used. */
export const HOWARD_MIN_WORK = 20_000;

/**
 * Howard's policy iteration for the maximum cycle mean (Cochet-Terrasson, Cohen, Gaubert,
 * McGettrick and Quadrat 1998, "Numerical computation of spectral elements in max-plus
 * algebra"). Every node must have an incoming edge. A policy picks one incoming edge per
 * node; its graph (node -> the edge's source) is functional, so each node reaches one
 * policy cycle, whose mean is the node's value η and from which a bias x follows. The
 * policy is improved first on η, then on `w + x(source) - η`, until nothing improves by
 * more than a relative 1e-12. The policy is kept between calls, so a sequence of
 * similar weights (the multigraph's rounds) needs few iterations. Returns a cycle of the
 * graph, so the value is an exact cycle mean.
 * @returns a solver, or null when some node has no incoming edge
 */
export function howardSolver(n: number, from: ArrayLike<number>, to: ArrayLike<number>): CycleMeanSolver | null {
  const { start, inEdges } = incomingEdges(n, from, to);
  for (let v = 0; v < n; v++) if (start[v + 1] === start[v]) return null;
  const policy = new Int32Array(n);
  for (let v = 0; v < n; v++) policy[v] = inEdges[start[v]];
  const eta = new Float64Array(n);
  const x = new Float64Array(n);
  const mark = new Int32Array(n);
  const order = new Int32Array(n);
  const karp = karpSolver(n, from, to);
  return (w) => {
    let best: CycleMean = { value: -Infinity, circuit: [], circuitEdges: [] };
    for (let iter = 0; iter < 10_000; iter++) {
      // value determination: walk each node to its policy cycle
      mark.fill(-1);
      best = { value: -Infinity, circuit: [], circuitEdges: [] };
      for (let s = 0; s < n; s++) {
        if (mark[s] !== -1) continue;
        let len = 0;
        let v = s;
        while (mark[v] === -1) {
          mark[v] = s;
          order[len++] = v;
          v = from[policy[v]];
        }
        let base: number;
        if (mark[v] === s) {
          // a new cycle through v: its mean, and biases around it from v (x[v] = 0)
          const cyc: number[] = [];
          let u = v;
          let sum = 0;
          do {
            cyc.push(u);
            sum += w[policy[u]];
            u = from[policy[u]];
          } while (u !== v);
          const mean = sum / cyc.length;
          // biases: x[j] = w(π(j)) - η + x[source]; go backwards around the cycle from v
          eta[v] = mean;
          x[v] = 0;
          for (let i = cyc.length - 1; i >= 1; i--) {
            const j = cyc[i];
            eta[j] = mean;
            x[j] = w[policy[j]] - mean + x[from[policy[j]]];
          }
          if (mean > best.value) {
            // original direction: cyc[i+1] -> cyc[i] along policy[cyc[i]]
            const nodes = cyc.slice().reverse();
            const edges = nodes.map((_, i) => policy[nodes[(i + 1) % nodes.length]]);
            best = { value: mean, circuit: nodes, circuitEdges: edges };
          }
          base = order.indexOf(v);
        } else {
          base = len; // reached an already valued tree
        }
        // the path's nodes before the cycle (or before the valued node), last first
        for (let i = (mark[v] === s ? base : len) - 1; i >= 0; i--) {
          const j = order[i];
          const src = from[policy[j]];
          eta[j] = eta[src];
          x[j] = w[policy[j]] - eta[j] + x[src];
        }
      }
      // policy improvement: first on the cycle value, then on the bias
      let changed = false;
      for (let j = 0; j < n; j++) {
        let bestE = policy[j];
        let bestEta = eta[from[bestE]];
        for (let i = start[j]; i < start[j + 1]; i++) {
          const e = inEdges[i];
          if (eta[from[e]] > bestEta + 1e-12 * Math.max(1, Math.abs(bestEta))) {
            bestEta = eta[from[e]];
            bestE = e;
          }
        }
        if (bestE !== policy[j]) {
          policy[j] = bestE;
          changed = true;
        }
      }
      if (!changed) {
        for (let j = 0; j < n; j++) {
          const cur = policy[j];
          let bestVal = w[cur] - eta[j] + x[from[cur]];
          let bestE = cur;
          for (let i = start[j]; i < start[j + 1]; i++) {
            const e = inEdges[i];
            if (eta[from[e]] !== eta[j]) continue;
            const val = w[e] - eta[j] + x[from[e]];
            if (val > bestVal + 1e-12 * Math.max(1, Math.abs(bestVal))) {
              bestVal = val;
              bestE = e;
            }
          }
          if (bestE !== cur) {
            policy[j] = bestE;
            changed = true;
          }
        }
      }
      if (!changed) return best;
    }
    return karp(w); // no convergence (not expected): the exact table
  };
}
