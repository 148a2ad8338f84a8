/**
 * Proper edge colouring with at most Δ+1 colours, after J. Misra and D. Gries, "A
 * constructive proof of Vizing's theorem", Information Processing Letters 41(3), 1992.
 *
 * Each colour class is a matching; MATCHA (Wang et al. 2019) decomposes its base graph
 * into these matchings. Edges are coloured one at a time: build a maximal fan at one end,
 * invert a two-coloured path, rotate a prefix of the fan. O(|E| · |V|) time.
 */
import { DflsimInputError } from '../errors.js';

/** An undirected edge between two vertex indices. */
export type UndirectedEdge = readonly [number, number];

/** The result of an edge colouring. */
export interface EdgeColoring {
  /** Colour of each input edge (same order as the input), in `[0, colors)`. */
  edgeColors: Int32Array;
  /** Number of distinct colours used (colours are renumbered `0..colors-1`). */
  colors: number;
  /** Maximum degree Δ of the graph. */
  maxDegree: number;
  /** The colour classes: for each colour, the indices of its edges in the input. */
  classes: number[][];
}

/**
 * Colour the edges of a simple undirected graph so that edges sharing a vertex get
 * different colours, with at most Δ+1 colours (Misra & Gries 1992).
 * @param n number of vertices (indices `0..n-1`)
 * @param edges undirected edges without self-loops or duplicates
 * @returns the colouring; its colour classes are matchings
 */
export function misraGriesEdgeColoring(n: number, edges: ReadonlyArray<UndirectedEdge>): EdgeColoring {
  if (!Number.isInteger(n) || n < 0)
    throw new DflsimInputError('edgeColoring.n', `the number of vertices must be a non-negative integer, got ${n}`);
  const deg = new Int32Array(n);
  const seen = new Set<number>();
  edges.forEach(([a, b], idx) => {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n) {
      throw new DflsimInputError(`edgeColoring.edges[${idx}]`, `edge ${a}-${b} has an end outside 0..${n - 1}`);
    }
    if (a === b) throw new DflsimInputError(`edgeColoring.edges[${idx}]`, `self-loop at ${a}`);
    const key = a < b ? a * n + b : b * n + a;
    if (seen.has(key)) throw new DflsimInputError(`edgeColoring.edges[${idx}]`, `duplicate edge ${a}-${b}`);
    seen.add(key);
    deg[a]++;
    deg[b]++;
  });
  let maxDegree = 0;
  for (let v = 0; v < n; v++) if (deg[v] > maxDegree) maxDegree = deg[v];
  const palette = maxDegree + 1;
  // at[v * palette + c] = the neighbour joined to v by an edge of colour c, or -1.
  const at = new Int32Array(n * palette).fill(-1);
  const colorOf = new Map<number, number>();
  const key = (a: number, b: number): number => (a < b ? a * n + b : b * n + a);
  const isFree = (v: number, c: number): boolean => at[v * palette + c] === -1;
  const setColor = (a: number, b: number, c: number): void => {
    colorOf.set(key(a, b), c);
    at[a * palette + c] = b;
    at[b * palette + c] = a;
  };
  const clearColor = (a: number, b: number): void => {
    const c = colorOf.get(key(a, b));
    if (c === undefined) return;
    colorOf.delete(key(a, b));
    at[a * palette + c] = -1;
    at[b * palette + c] = -1;
  };
  const freeColor = (v: number): number => {
    for (let c = 0; c < palette; c++) if (isFree(v, c)) return c;
    throw new Error('dflsim/graph/edge-coloring: no free colour (internal error)');
  };
  const inFan = new Uint8Array(n);

  for (const [u, v] of edges) {
    // 1. A maximal fan of u starting at v: each next vertex x is a neighbour of u whose
    //    edge u-x is coloured with a colour free on the previous fan vertex.
    const fan = [v];
    inFan[v] = 1;
    for (;;) {
      const last = fan[fan.length - 1];
      let next = -1;
      for (let c = 0; c < palette && next === -1; c++) {
        if (!isFree(last, c)) continue;
        const x = at[u * palette + c];
        if (x !== -1 && !inFan[x]) next = x;
      }
      if (next === -1) break;
      fan.push(next);
      inFan[next] = 1;
    }
    for (const f of fan) inFan[f] = 0;
    // 2. c free on u, d free on the fan's last vertex.
    const c = freeColor(u);
    const d = freeColor(fan[fan.length - 1]);
    // 3. Invert the cd-path from u (it starts with u's d-edge, if any).
    if (c !== d && !isFree(u, d)) {
      const path = [u];
      let cur = u;
      let col = d;
      for (;;) {
        const nxt = at[cur * palette + col];
        if (nxt === -1) break;
        path.push(nxt);
        cur = nxt;
        col = col === d ? c : d;
      }
      const cols: number[] = [];
      for (let i = 0; i + 1 < path.length; i++) cols.push(colorOf.get(key(path[i], path[i + 1]))!);
      for (let i = 0; i + 1 < path.length; i++) clearColor(path[i], path[i + 1]);
      for (let i = 0; i + 1 < path.length; i++) setColor(path[i], path[i + 1], cols[i] === d ? c : d);
    }
    // 4. The first fan vertex w with d free such that fan[0..w] is still a fan.
    let w = -1;
    for (let i = 0; i < fan.length; i++) {
      if (i > 0) {
        const ci = colorOf.get(key(u, fan[i]));
        if (ci === undefined || !isFree(fan[i - 1], ci)) break;
      }
      if (isFree(fan[i], d)) {
        w = i;
        break;
      }
    }
    if (w === -1) throw new Error('dflsim/graph/edge-coloring: Misra-Gries found no rotatable fan prefix (internal error)');
    // 5. Rotate the prefix: u-fan[i] takes the colour of u-fan[i+1]; u-fan[w] takes d.
    const shifted: number[] = [];
    for (let i = 0; i < w; i++) shifted.push(colorOf.get(key(u, fan[i + 1]))!);
    for (let i = 1; i <= w; i++) clearColor(u, fan[i]);
    for (let i = 0; i < w; i++) setColor(u, fan[i], shifted[i]);
    setColor(u, fan[w], d);
  }

  // Renumber the used colours 0..k-1 in order of first use by the input edges.
  const renumber = new Map<number, number>();
  const edgeColors = new Int32Array(edges.length);
  const classes: number[][] = [];
  edges.forEach(([a, b], idx) => {
    const raw = colorOf.get(key(a, b))!;
    let c = renumber.get(raw);
    if (c === undefined) {
      c = renumber.size;
      renumber.set(raw, c);
      classes.push([]);
    }
    edgeColors[idx] = c;
    classes[c].push(idx);
  });
  return { edgeColors, colors: renumber.size, maxDegree, classes };
}

/**
 * Check that a colouring is proper (no two edges of one colour share a vertex).
 * @returns a description of the first conflict, or `null` when proper
 */
export function edgeColoringConflict(n: number, edges: ReadonlyArray<UndirectedEdge>, edgeColors: ArrayLike<number>): string | null {
  const owner = new Map<string, number>();
  for (let i = 0; i < edges.length; i++) {
    for (const v of edges[i]) {
      if (v < 0 || v >= n) return `edge ${edges[i][0]}-${edges[i][1]} has an end outside 0..${n - 1}`;
      const k = `${v},${edgeColors[i]}`;
      const prev = owner.get(k);
      if (prev !== undefined)
        return `edges ${edges[prev][0]}-${edges[prev][1]} and ${edges[i][0]}-${edges[i][1]} share vertex ${v} and colour ${edgeColors[i]}`;
      owner.set(k, i);
    }
  }
  return null;
}

/**
 * The round-robin 1-factorisation of the complete graph K_n (the "circle method" of
 * tournament scheduling; e.g. Lucas 1883, Kirkman 1847): n−1 perfect matchings for even
 * n, n matchings of (n−1)/2 edges each for odd n — the fewest colours possible
 * (χ'(K_n) = n−1 for even n, n for odd n). Closed form: for odd n, edge {i,j} has colour
 * (i+j) mod n; for even n, an edge {i,j} with i,j < n−1 has colour (i+j) mod (n−1) and
 * {i, n−1} has colour 2i mod (n−1) (the colour missing at i among the others, as n−1 is
 * odd). O(n²) time, no search.
 *
 * MATCHA(+) uses it above 128 silos only (where Misra-Gries on ~n²/2 edges is the
 * bottleneck); up to 128 silos (every shared network) it keeps Misra-Gries so that those
 * results do not change.
 * @param n number of vertices (≥ 2)
 * @param edges optional: the edges of K_n in any order (default: every pair i<j in
 *   lexicographic order); every pair must appear exactly once
 * @returns a colouring in the same format as {@link misraGriesEdgeColoring}: colours
 *   renumbered 0..k−1 in order of first use by the edges, classes in edge order
 */
export function roundRobinEdgeColoring(n: number, edges?: ReadonlyArray<UndirectedEdge>): EdgeColoring {
  if (!Number.isInteger(n) || n < 2)
    throw new DflsimInputError('edgeColoring.n', `the complete graph needs at least two vertices, got ${n}`);
  const total = (n * (n - 1)) / 2;
  if (edges && edges.length !== total)
    throw new DflsimInputError('edgeColoring.edges', `the complete graph on ${n} vertices has ${total} edges, got ${edges.length}`);
  const odd = n % 2 === 1;
  const mod = odd ? n : n - 1;
  const rawColor = (a: number, b: number): number => {
    if (!odd && (a === n - 1 || b === n - 1)) return (2 * (a === n - 1 ? b : a)) % mod;
    return (a + b) % mod;
  };
  const seen = edges ? new Uint8Array(n * n) : null;
  const renumber = new Int32Array(mod).fill(-1);
  const classes: number[][] = [];
  const edgeColors = new Int32Array(total);
  let colors = 0;
  const place = (idx: number, a: number, b: number): void => {
    const raw = rawColor(a, b);
    let c = renumber[raw];
    if (c === -1) {
      c = renumber[raw] = colors++;
      classes.push([]);
    }
    edgeColors[idx] = c;
    classes[c].push(idx);
  };
  if (edges) {
    edges.forEach(([a, b], idx) => {
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) {
        throw new DflsimInputError(`edgeColoring.edges[${idx}]`, `edge ${a}-${b} is not a pair of distinct vertices 0..${n - 1}`);
      }
      const key = a < b ? a * n + b : b * n + a;
      if (seen![key]) throw new DflsimInputError(`edgeColoring.edges[${idx}]`, `duplicate edge ${a}-${b}`);
      seen![key] = 1;
      place(idx, a, b);
    });
  } else {
    let idx = 0;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) place(idx++, a, b);
  }
  return { edgeColors, colors, maxDegree: n - 1, classes };
}
