/**
 * STAR overlay: server-based training through a central silo (the "server" baseline of
 * Marfoq et al. 2020 / Do et al. 2023). The centre is the silo of largest load centrality
 * (Newman 2001, "Scientific collaboration networks. II"; Goh et al. 2001) in the
 * connectivity graph by latency; every other silo exchanges with the centre along a
 * shortest path by `C + latency + M / bandwidth`. The reported cycle time is
 * `2 * (λ - C) + C` for λ the cycle time of the two-way star (gather, then broadcast).
 */
import { dijkstra, type ConnectivityGraph } from '../network/connectivity.js';
import { overlayCycleTime, type CycleTimeResult } from '../timing/cycle-time.js';
import type { DelayConstants } from '../timing/workload.js';
import type { Overlay, OverlayEdge } from './overlay.js';
import { mstWeightMs } from './weights.js';

function adjacency(cg: ConnectivityGraph, weight: (i: number, j: number) => number): [number, number][][] {
  return Array.from({ length: cg.n }, (_, i) => Array.from(cg.adjacencyOrder[i], (j) => [j, weight(i, j)] as [number, number]));
}

/**
 * Load centrality of every silo (normalised by 1/((n-1)(n-2))), with shortest paths by
 * latency. A silo's load is the flow it forwards when every silo sends one unit to every
 * other, split equally among equal shortest paths at each step.
 */
export function loadCentrality(cg: ConnectivityGraph): Float64Array {
  const n = cg.n;
  const total = new Float64Array(n);
  const adj = adjacency(cg, (i, j) => cg.latencyMs[i * n + j]);
  for (let s = 0; s < n; s++) {
    // Dijkstra keeping every equal-length predecessor
    const dist = new Float64Array(n).fill(Infinity);
    const preds: number[][] = Array.from({ length: n }, () => []);
    const sp = dijkstra(n, adj, s);
    for (let v = 0; v < n; v++) dist[v] = sp.dist[v];
    for (let v = 0; v < n; v++) {
      if (v === s || dist[v] === Infinity) continue;
      for (const [u, w] of adj[v]) if (dist[u] + w === dist[v]) preds[v].push(u);
    }
    // farthest first; equal distances by name
    const order = [...Array(n).keys()].filter((v) => v !== s && dist[v] < Infinity && dist[v] > 0);
    order.sort((a, b) => dist[a] - dist[b] || (cg.silos[a] < cg.silos[b] ? -1 : cg.silos[a] > cg.silos[b] ? 1 : 0));
    const between = new Float64Array(n).fill(1);
    while (order.length) {
      const v = order.pop()!;
      const p = preds[v];
      // the source is the first predecessor reached; a silo adjacent to it on a shortest
      // path forwards nothing on behalf of the source
      if (p.includes(s)) continue;
      for (const x of p) between[x] += between[v] / p.length;
    }
    for (let v = 0; v < n; v++) if (dist[v] < Infinity) total[v] += between[v] - 1;
  }
  if (n > 2) {
    const scale = 1 / ((n - 1) * (n - 2));
    for (let v = 0; v < n; v++) total[v] *= scale;
  }
  return total;
}

/** The STAR overlay and its (gather + broadcast) cycle time. */
export interface StarResult {
  overlay: Overlay;
  /** Index of the centre silo. */
  center: number;
  /** Cycle time of the two-way star λ (ms). */
  oneWayCycleTimeMs: number;
  /** Reported cycle time `2 (λ - C) + C` (ms) and the critical circuit of λ. */
  cycleTime: CycleTimeResult;
}

/** Build the STAR overlay (optionally around a given centre). */
export function buildStar(cg: ConnectivityGraph, k: DelayConstants, center?: number): StarResult {
  const n = cg.n;
  let c = center ?? -1;
  if (c < 0) {
    const load = loadCentrality(cg);
    c = 0;
    for (let v = 1; v < n; v++) if (load[v] > load[c]) c = v;
  }
  const sp = dijkstra(n, adjacency(cg, (i, j) => mstWeightMs(cg, k, i, j)), c);
  const edges: OverlayEdge[] = [];
  for (let j = 0; j < n; j++) {
    if (j === c) continue;
    const path = [j];
    for (let v = j; sp.pred[v] !== -1; v = sp.pred[v]) path.push(sp.pred[v]);
    path.reverse(); // c ... j
    let latencyMs = 0;
    let bandwidthBitsPerMs = Infinity;
    for (let i = 0; i + 1 < path.length; i++) {
      const key = path[i] * n + path[i + 1];
      latencyMs += cg.latencyMs[key];
      bandwidthBitsPerMs = cg.bandwidthBitsPerMs[key];
    }
    edges.push({ from: c, to: j, latencyMs, bandwidthBitsPerMs });
    edges.push({ from: j, to: c, latencyMs, bandwidthBitsPerMs });
  }
  const overlay: Overlay = { topology: 'star', silos: cg.silos.slice(), edges };
  const ct = overlayCycleTime(overlay, k);
  const oneWay = ct.cycleTimeMs;
  return {
    overlay,
    center: c,
    oneWayCycleTimeMs: oneWay,
    cycleTime: { ...ct, cycleTimeMs: n > 1 ? (oneWay - k.computeMs) * 2 + k.computeMs : k.computeMs },
  };
}
