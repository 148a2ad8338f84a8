/**
 * δ-MBST overlay (Marfoq et al., NeurIPS 2020, section 5; degree-bounded spanning trees
 * after Ravi et al.): among a Hamiltonian path in the cube of a minimum spanning tree (the
 * "cube algorithm") and the δ-Prim trees for δ = 2 .. n-1, keep the overlay of smallest
 * cycle time (the cube first, replaced only on a strict improvement). Weights are the
 * round-trip `w2` of the spec, section 5. Only δ up to the unconstrained Prim tree's
 * maximum degree are built (larger δ give that tree again; see {@link buildDeltaMbst}),
 * so the cost is O(D n²) for D that degree instead of O(n³).
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { SiloTimes } from '../timing/delay-model.js';
import { overlayCycleTime, overlayFromPairs, type Overlay } from './overlay.js';
import { kruskalMst, roundTripWeightMs } from './weights.js';

/** A δ-MBST result: the overlay and which candidate won. */
export interface DeltaMbstResult {
  overlay: Overlay;
  /** The winning degree bound (2 when the cube path won). */
  bestDelta: number;
  /** Whether the winner is the cube algorithm's path. */
  fromCube: boolean;
  /** Cycle time of each candidate (ms): `cube`, then `delta-2` ... */
  candidates: { name: string; cycleTimeMs: number }[];
}

/**
 * A Hamiltonian path in the cube of a tree: a depth-first walk that lists even-depth nodes
 * when it enters them and odd-depth nodes when it leaves them; consecutive nodes are at
 * most three tree hops apart (so the path lies in the cube, Sekanina 1960).
 */
export function cubeHamiltonianPath(n: number, tree: ReadonlyArray<readonly [number, number]>, root = 0): number[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of tree) {
    adj[a].push(b);
    adj[b].push(a);
  }
  for (const l of adj) l.sort((x, y) => x - y);
  const order: number[] = [];
  const visited = new Uint8Array(n);
  // iterative DFS with explicit enter/exit events
  const stack: [number, number, boolean][] = [[root, 0, false]];
  while (stack.length) {
    const [v, depth, exiting] = stack.pop()!;
    if (exiting) {
      if (depth % 2 === 1) order.push(v);
      continue;
    }
    if (visited[v]) continue;
    visited[v] = 1;
    if (depth % 2 === 0) order.push(v);
    stack.push([v, depth, true]);
    for (let i = adj[v].length - 1; i >= 0; i--) if (!visited[adj[v][i]]) stack.push([adj[v][i], depth + 1, false]);
  }
  return order;
}

/**
 * δ-Prim (Ravi et al.): grow a tree from silo 0, each step adding the cheapest edge
 * (a in tree, b not) whose tree end still has degree below δ. Ties go to the tree silo
 * added first, then to the lower silo index.
 */
export function deltaPrim(n: number, weight: Float64Array, delta: number): [number, number][] {
  const inTree = new Uint8Array(n);
  const deg = new Int32Array(n);
  const pos = new Int32Array(n).fill(-1);
  const treeOrder: number[] = [];
  const bestW = new Float64Array(n).fill(Infinity);
  const bestU = new Int32Array(n).fill(-1);
  const edges: [number, number][] = [];
  const addToTree = (x: number): void => {
    inTree[x] = 1;
    pos[x] = treeOrder.length;
    treeOrder.push(x);
    if (deg[x] >= delta) return;
    for (let v = 0; v < n; v++) {
      if (inTree[v]) continue;
      const w = weight[x * n + v];
      if (w < bestW[v]) {
        bestW[v] = w;
        bestU[v] = x;
      }
    }
  };
  const recompute = (v: number): void => {
    bestW[v] = Infinity;
    bestU[v] = -1;
    for (const u of treeOrder) {
      if (deg[u] >= delta) continue;
      const w = weight[u * n + v];
      if (w < bestW[v]) {
        bestW[v] = w;
        bestU[v] = u;
      }
    }
  };
  if (n === 0) return edges;
  addToTree(0);
  while (edges.length < n - 1) {
    let bv = -1;
    for (let v = 0; v < n; v++) {
      if (inTree[v] || bestU[v] < 0) continue;
      if (bv < 0 || bestW[v] < bestW[bv] || (bestW[v] === bestW[bv] && pos[bestU[v]] < pos[bestU[bv]])) bv = v;
    }
    if (bv < 0) throw new Error(`δ-Prim: no tree silo has degree below ${delta}`);
    const u = bestU[bv];
    edges.push([u, bv]);
    deg[u]++;
    deg[bv]++;
    if (deg[u] >= delta) for (let v = 0; v < n; v++) if (!inTree[v] && bestU[v] === u && v !== bv) recompute(v);
    addToTree(bv);
  }
  return edges;
}

/** Build the δ-MBST overlay. */
export function buildDeltaMbst(cg: ConnectivityGraph, k: SiloTimes): DeltaMbstResult {
  const n = cg.n;
  const w2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) w2[i * n + j] = roundTripWeightMs(cg, k, i, j);
  const candidates: { name: string; cycleTimeMs: number }[] = [];
  const mst = kruskalMst(cg, (i, j) => w2[i * n + j]);
  const path = cubeHamiltonianPath(n, mst);
  const pathPairs: [number, number][] = [];
  for (let i = 0; i + 1 < path.length; i++) pathPairs.push([path[i], path[i + 1]]);
  let best = overlayFromPairs('delta-mbst', cg, pathPairs, true);
  let bestCt = overlayCycleTime(best, k).cycleTimeMs;
  let bestDelta = 2;
  let fromCube = true;
  candidates.push({ name: 'cube', cycleTimeMs: bestCt });
  // For δ at or above the maximum degree D of the unconstrained Prim tree, the degree
  // bound never changes a choice of δ-Prim (a saturated silo gets no further edge in the
  // unconstrained run either), so every such δ gives that same tree: δ = 2 .. max(D, 2)
  // are built, and larger δ repeat the last cycle time (never a strict improvement).
  const primDegree = new Int32Array(n);
  for (const [a, b] of deltaPrim(n, w2, Math.max(n, 2))) {
    primDegree[a]++;
    primDegree[b]++;
  }
  let lastDelta = 2;
  for (let v = 0; v < n; v++) lastDelta = Math.max(lastDelta, primDegree[v]);
  let lastCt = NaN;
  for (let delta = 2; delta < n; delta++) {
    if (delta > lastDelta) {
      candidates.push({ name: `delta-${delta}`, cycleTimeMs: lastCt });
      continue;
    }
    const o = overlayFromPairs('delta-mbst', cg, deltaPrim(n, w2, delta), true);
    const ct = overlayCycleTime(o, k).cycleTimeMs;
    lastCt = ct;
    candidates.push({ name: `delta-${delta}`, cycleTimeMs: ct });
    if (ct < bestCt) {
      best = o;
      bestCt = ct;
      bestDelta = delta;
      fromCube = false;
    }
  }
  return { overlay: best, bestDelta, fromCube, candidates };
}
