/**
 * Dijkstra's single-source shortest paths (Dijkstra 1959) with deterministic
 * tie-breaking: a binary heap keyed by distance then insertion count, and a path replaced
 * only by a strictly shorter one (as the reference implementation's graph library does).
 */

/** A binary min-heap of (key, count, node) triples. */
class Fringe {
  private keys: number[] = [];
  private counts: number[] = [];
  private nodes: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  private less(a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.counts[a] < this.counts[b]);
  }
  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.nodes[a], this.nodes[b]] = [this.nodes[b], this.nodes[a]];
  }
  push(key: number, count: number, node: number): void {
    this.keys.push(key);
    this.counts.push(count);
    this.nodes.push(node);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const key = this.keys[0],
      node = this.nodes[0];
    const last = this.keys.length - 1;
    this.swap(0, last);
    this.keys.pop();
    this.counts.pop();
    this.nodes.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < this.keys.length && this.less(l, m)) m = l;
      if (r < this.keys.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return [key, node];
  }
}

/** Result of a single-source search with deterministic tie-breaking. */
export interface ShortestPaths {
  /** Distance from the source (Infinity when unreachable). */
  dist: Float64Array;
  /** Predecessor on the chosen path (-1 for the source or unreachable). */
  pred: Int32Array;
  /** Silos in the order the search first reached them (source first). */
  discovery: number[];
}

/**
 * Dijkstra from `source` over adjacency lists `adj` (neighbour, weight) in their given
 * order; ties keep the first path found.
 */
export function dijkstra(n: number, adj: ReadonlyArray<ReadonlyArray<readonly [number, number]>>, source: number): ShortestPaths {
  const dist = new Float64Array(n).fill(Infinity);
  const seen = new Float64Array(n).fill(Infinity);
  const done = new Uint8Array(n);
  const pred = new Int32Array(n).fill(-1);
  const discovery: number[] = [source];
  const fringe = new Fringe();
  let count = 0;
  seen[source] = 0;
  fringe.push(0, count++, source);
  while (fringe.size > 0) {
    const [d, v] = fringe.pop();
    if (done[v]) continue;
    done[v] = 1;
    dist[v] = d;
    for (const [u, w] of adj[v]) {
      const vu = d + w;
      if (done[u]) continue;
      if (vu < seen[u]) {
        if (seen[u] === Infinity) discovery.push(u);
        seen[u] = vu;
        pred[u] = v;
        fringe.push(vu, count++, u);
      }
    }
  }
  return { dist, pred, discovery };
}
