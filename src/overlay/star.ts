/**
 * STAR overlay: server-based training through a central silo (the "server" baseline of
 * Marfoq et al. 2020 / Do et al. 2023). The centre is the silo of largest load centrality
 * (Newman 2001, "Scientific collaboration networks. II"; Goh et al. 2001) in the
 * connectivity graph by latency; every other silo exchanges with the centre along a
 * shortest path by `C + latency + M / bandwidth`. The reported cycle time is
 * `2 * (λ - C) + C` for λ the cycle time of the two-way star (gather, then broadcast).
 *
 * With a silo profile a round is, for each child j, a round trip j -> centre (gather)
 * then centre -> j (broadcast), x = d - C_sender the transfer part of a delay:
 * `period = max(max_j C_j, max_j (C_j + x(j,c) + x(c,j)))`; without a profile this is
 * the formula above (computed as published).
 */
import type { ConnectivityGraph } from '../network/connectivity.js';
import { dijkstra } from '../graph/dijkstra.js';
import type { CycleTimeResult } from '../timing/cycle-time.js';
import { delayTerms, describeDelay, maxComputeMs, type SiloTimes } from '../timing/delay-model.js';
import { degrees, edgeDelaysMs, overlayCycleTime, type Overlay, type OverlayEdge } from './overlay.js';
import { mstWeightMs } from './weights.js';

function adjacency(cg: ConnectivityGraph, weight: (i: number, j: number) => number): [number, number][][] {
  return Array.from({ length: cg.n }, (_, i) => Array.from(cg.adjacencyOrder[i], (j) => [j, weight(i, j)] as [number, number]));
}

/**
 * Load centrality of every silo (normalised by 1/((n-1)(n-2))), with shortest paths by
 * latency. A silo's load is the flow it forwards when every silo sends one unit to every
 * other, split equally among equal shortest paths at each step.
 *
 * Brandes-style (Brandes 2001, "A faster algorithm for betweenness centrality"; Brandes
 * 2008 for the load variant): from every source, one Dijkstra on the complete
 * connectivity graph with a typed binary heap (every distance the same floating-point
 * sum as {@link dijkstra}'s); then the
 * equal-length predecessors (O(n²)) and the flow pushed back from the farthest silo.
 * O(n m + n p log n) = O(n³) in all for p heap pushes per source (about n), in typed
 * arrays allocated once.
 */
export function loadCentrality(cg: ConnectivityGraph): Float64Array {
  const n = cg.n;
  const total = new Float64Array(n);
  const lat = cg.latencyMs;
  const dist = new Float64Array(n);
  const seen = new Float64Array(n);
  const done = new Uint8Array(n);
  const between = new Float64Array(n);
  const predCount = new Int32Array(n);
  const predList = new Int32Array(n * Math.max(n - 1, 1));
  const fromSource = new Uint8Array(n);
  const byName = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    cg.silos[a] < cg.silos[b] ? -1 : cg.silos[a] > cg.silos[b] ? 1 : 0,
  );
  const nameRank = new Int32Array(n);
  byName.forEach((v, r) => {
    nameRank[v] = r;
  });
  const heap = new MinHeap(n);
  const reached: number[] = [];
  for (let s = 0; s < n; s++) {
    seen.fill(Infinity);
    dist.fill(Infinity);
    done.fill(0);
    heap.clear();
    seen[s] = 0;
    heap.push(0, s);
    while (heap.size > 0) {
      const v = heap.pop();
      if (done[v]) continue;
      done[v] = 1;
      const d = seen[v];
      dist[v] = d;
      // Relaxed in index order: a silo's final distance is the smallest sum
      // dist[v] + latency over the silos v finalised before it, whatever the order of
      // equal keys, so this gives {@link dijkstra}'s distances bit for bit.
      const row = v * n;
      for (let u = 0; u < n; u++) {
        if (done[u] === 0) {
          const vu = d + lat[row + u];
          if (vu < seen[u]) {
            seen[u] = vu;
            heap.push(vu, u);
          }
        }
      }
    }
    // equal-length predecessors of every reached silo (in index order: each predecessor
    // receives one share per silo, so their order does not change any sum)
    reached.length = 0;
    for (let v = 0; v < n; v++) {
      predCount[v] = 0;
      fromSource[v] = 0;
      const dv = dist[v];
      if (v === s || dv === Infinity) continue;
      const base = v * (n - 1),
        row = v * n;
      if (dv > 0) reached.push(v);
      // a silo with the source among its predecessors forwards nothing back (below):
      // its other predecessors are never needed
      if (dist[s] + lat[row + s] === dv) {
        fromSource[v] = 1;
        continue;
      }
      let c = 0;
      for (let u = 0; u < n; u++) {
        if (dist[u] + lat[row + u] === dv && u !== v) predList[base + c++] = u;
      }
      predCount[v] = c;
    }
    // farthest first; equal distances by name (the nearest popped last)
    reached.sort((a, b) => dist[a] - dist[b] || nameRank[a] - nameRank[b]);
    between.fill(1);
    for (let r = reached.length - 1; r >= 0; r--) {
      const v = reached[r];
      // the source is the first predecessor reached; a silo adjacent to it on a shortest
      // path forwards nothing on behalf of the source
      if (fromSource[v]) continue;
      const c = predCount[v],
        base = v * (n - 1),
        share = between[v] / c;
      for (let i = 0; i < c; i++) between[predList[base + i]] += share;
    }
    for (let v = 0; v < n; v++) if (dist[v] < Infinity) total[v] += between[v] - 1;
  }
  if (n > 2) {
    const scale = 1 / ((n - 1) * (n - 2));
    for (let v = 0; v < n; v++) total[v] *= scale;
  }
  return total;
}

/**
 * A binary min-heap of (key, node) ordered by key, then by insertion (as the
 * connectivity graph's Dijkstra orders its fringe); stale entries are skipped by the caller.
 */
class MinHeap {
  private keys: Float64Array;
  private counts: Float64Array;
  private nodes: Int32Array;
  size = 0;
  private count = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(capacity, 4));
    this.counts = new Float64Array(this.keys.length);
    this.nodes = new Int32Array(this.keys.length);
  }
  clear(): void {
    this.size = 0;
    this.count = 0;
  }
  private less(a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.counts[a] < this.counts[b]);
  }
  private swap(a: number, b: number): void {
    const k = this.keys[a];
    this.keys[a] = this.keys[b];
    this.keys[b] = k;
    const c = this.counts[a];
    this.counts[a] = this.counts[b];
    this.counts[b] = c;
    const v = this.nodes[a];
    this.nodes[a] = this.nodes[b];
    this.nodes[b] = v;
  }
  push(key: number, node: number): void {
    if (this.size === this.keys.length) {
      const grow = (x: Float64Array): Float64Array => {
        const y = new Float64Array(x.length * 2);
        y.set(x);
        return y;
      };
      this.keys = grow(this.keys);
      this.counts = grow(this.counts);
      const nodes = new Int32Array(this.nodes.length * 2);
      nodes.set(this.nodes);
      this.nodes = nodes;
    }
    let i = this.size++;
    this.keys[i] = key;
    this.counts[i] = this.count++;
    this.nodes[i] = node;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): number {
    const node = this.nodes[0];
    this.size--;
    if (this.size > 0) {
      this.keys[0] = this.keys[this.size];
      this.counts[0] = this.counts[this.size];
      this.nodes[0] = this.nodes[this.size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < this.size && this.less(l, m)) m = l;
        if (r < this.size && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return node;
  }
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
export function buildStar(cg: ConnectivityGraph, k: SiloTimes, center?: number): StarResult {
  const n = cg.n;
  let c = center ?? -1;
  if (c < 0) {
    const load = loadCentrality(cg);
    c = 0;
    for (let v = 1; v < n; v++) if (load[v] > load[c]) c = v;
  }
  const sp = dijkstra(
    n,
    adjacency(cg, (i, j) => mstWeightMs(cg, k, i, j)),
    c,
  );
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
    cycleTime: k.profile
      ? starRoundTrip(overlay, k, c)
      : { ...ct, cycleTimeMs: n > 1 ? (oneWay - k.computeMs[c]) * 2 + k.computeMs[c] : k.computeMs[c] },
  };
}

/**
 * STAR's period with per-silo times: `max(max_j C_j, max over children j of C_j + x(j,c) + x(c,j))`,
 * x = d - C_sender, on the star overlay around `center` (edges c -> j and j -> c). The
 * critical circuit is the slowest child's round trip (or the slowest silo's compute).
 * @param center index of the centre silo
 */
export function starRoundTrip(overlay: Overlay, k: SiloTimes, center: number): CycleTimeResult {
  const n = overlay.silos.length;
  const d = edgeDelaysMs(overlay, k);
  const deg = degrees(overlay);
  const gatherOf = new Int32Array(n).fill(-1),
    broadcastOf = new Int32Array(n).fill(-1);
  overlay.edges.forEach((e, idx) => {
    if (e.to === center) gatherOf[e.from] = idx;
    else if (e.from === center) broadcastOf[e.to] = idx;
  });
  let best = maxComputeMs(k),
    child = -1;
  for (let j = 0; j < n; j++) {
    const g = gatherOf[j],
      b = broadcastOf[j];
    if (g < 0 || b < 0) continue;
    const t = k.computeMs[j] + (d[g] - k.computeMs[j]) + (d[b] - k.computeMs[center]);
    if (t > best) {
      best = t;
      child = j;
    }
  }
  if (child < 0) {
    let s = 0;
    for (let i = 1; i < n; i++) if (k.computeMs[i] > k.computeMs[s]) s = i;
    return {
      cycleTimeMs: best,
      criticalCircuit: n ? [overlay.silos[s]] : [],
      criticalDelaysMs: n ? [best] : [],
      ...(n ? { bottleneck: `compute at ${overlay.silos[s]} ${Math.round(best * 1000) / 1000} ms` } : {}),
    };
  }
  const g = gatherOf[child],
    b = broadcastOf[child];
  const slow = d[g] - k.computeMs[child] >= d[b] - k.computeMs[center] ? g : b;
  const e = overlay.edges[slow];
  return {
    cycleTimeMs: best,
    criticalCircuit: [overlay.silos[child], overlay.silos[center]],
    criticalDelaysMs: [d[g], d[b]],
    bottleneck: `round trip of ${overlay.silos[child]}, slower leg ${describeDelay(overlay.silos, e.from, e.to, delayTerms(k, e.from, e.to, e.latencyMs, e.bandwidthBitsPerMs, deg.out[e.from], deg.in[e.to]))}`,
  };
}
