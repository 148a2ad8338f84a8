/**
 * Exact maximum-weight matching in general (non-bipartite) graphs.
 *
 * Implementation of Edmonds' weighted blossom algorithm in its primal-dual
 * form (J. Edmonds, "Maximum matching and a polyhedron with 0,1-vertices",
 * J. Res. NBS 69B, 1965; "Paths, trees, and flowers", Canad. J. Math. 17,
 * 1965), organised as described by Z. Galil, "Efficient algorithms for
 * finding maximum matching in graphs", ACM Computing Surveys 18(1), 1986:
 * at most n/2 stages, each stage growing an alternating forest of S/T-labelled
 * blossoms from all exposed vertices and adjusting duals until an augmenting
 * path is found.  Per-blossom least-slack edge lists keep every stage at
 * O(n^2) (plus O(m) edge scans), giving O(n^3) overall.
 *
 * Dual variables are kept in "doubled" units: for an edge (i, j) between two
 * different top-level blossoms its slack is `u[i] + u[j] - 2 w(i, j)`, and
 * blossom duals `z[B]` absorb the same doubling.  With integer weights every
 * quantity stays an exact integer (S-S slacks are always even), so integer
 * instances are solved with exact arithmetic.  With real weights the only
 * floating-point sensitive decisions are the tightness tests; they are made
 * robust by (a) always computing a slack with the same expression, (b)
 * clamping every dual step to be non-negative, and (c) acting *explicitly* on
 * the event (edge or blossom) that determined the dual step instead of
 * re-testing its slack against zero, so every dual step makes structural
 * progress whatever the rounding.  A tiny relative tolerance merges
 * near-simultaneous events of real-valued instances; the returned matching
 * is optimal up to rounding of the input weights.
 */

const FREE = 0;
const S_LABEL = 1;
const T_LABEL = 2;

/** Options for {@link maxWeightMatching}. */
export interface MaxWeightMatchingOptions {
  /**
   * When true, only matchings of maximum cardinality are considered, and the
   * heaviest of those is returned (edge weights may then have any sign).
   * Default false: the heaviest matching of any cardinality.
   */
  maxCardinality?: boolean;
}

/**
 * Maximum-weight matching of a general undirected graph with real weights.
 *
 * Edmonds' weighted blossom algorithm (Edmonds 1965), primal-dual
 * implementation following Galil 1986, O(n^3) time and O(n + m) memory.
 *
 * @param n - number of vertices, labelled `0 .. n-1`.
 * @param edges - `[u, v, weight]` triples; weights must be finite numbers
 *   (integers or reals, any sign).  Self-loops are ignored; parallel edges
 *   are allowed.
 * @param options - `maxCardinality: true` restricts to maximum-cardinality
 *   matchings (see {@link MaxWeightMatchingOptions}).
 * @returns `mate` with `mate[v]` the partner of `v`, or `-1` if `v` is
 *   unmatched.  Without `maxCardinality`, edges of non-positive weight are
 *   never needed, so a graph whose weights are all `<= 0` yields an empty
 *   matching.
 * @throws Error on a malformed vertex count, endpoint or weight.
 */
export function maxWeightMatching(
  n: number,
  edges: ReadonlyArray<readonly [number, number, number]>,
  options: MaxWeightMatchingOptions = {},
): Int32Array {
  return solve(n, edges, options, false).mate;
}

/**
 * The matching of {@link maxWeightMatching} together with the optimal dual
 * solution the algorithm ends with, i.e. a certificate of optimality that a
 * caller (or a test) can check independently of the algorithm.
 *
 * Duals are in the units of the weights, for the matching LP of Edmonds 1965:
 * - feasibility: `vertexDual[i] + vertexDual[j] + sum(dual of every blossom
 *   containing both i and j) >= w(i, j)` for every edge, and blossom duals `>= 0`;
 * - complementary slackness: equality on every matched edge, and every
 *   blossom is full (its base is its only vertex not matched inside it);
 * - without `maxCardinality`: `vertexDual >= 0`, and `0` on exposed vertices
 *   (so the matching is a maximum-weight matching);
 * - with `maxCardinality`: every exposed vertex has the smallest vertex dual
 *   (so the matching is heaviest among matchings of its cardinality).
 * With real weights these hold up to floating-point rounding.
 */
export interface WeightedMatchingCertificate {
  mate: Int32Array;
  vertexDual: Float64Array;
  /** The laminar family of non-trivial (odd) blossoms at termination. */
  blossoms: Array<{ vertices: number[]; dual: number }>;
}

/**
 * {@link maxWeightMatching} returning its LP dual certificate as well
 * (see {@link WeightedMatchingCertificate}).  Same algorithm (Edmonds 1965;
 * Galil 1986) and O(n^3) bound.
 */
export function maxWeightMatchingWithDuals(
  n: number,
  edges: ReadonlyArray<readonly [number, number, number]>,
  options: MaxWeightMatchingOptions = {},
): WeightedMatchingCertificate {
  return solve(n, edges, options, true);
}

function solve(
  n: number,
  edges: ReadonlyArray<readonly [number, number, number]>,
  options: MaxWeightMatchingOptions,
  withDuals: boolean,
): WeightedMatchingCertificate {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`maxWeightMatching: vertex count must be a non-negative integer, got ${n}`);
  }
  const maxCardinality = options.maxCardinality === true;

  let m = 0;
  for (let k = 0; k < edges.length; k++) {
    const [a, b, w] = edges[k];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n) {
      throw new Error(`maxWeightMatching: edge ${k} has endpoint outside 0..${n - 1}: (${a}, ${b})`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      throw new Error(`maxWeightMatching: edge ${k} (${a}, ${b}) has a non-finite weight ${String(w)}`);
    }
    if (a !== b) m++;
  }

  const eu = new Int32Array(m);
  const ev = new Int32Array(m);
  const ew = new Float64Array(m);
  let maxW = -Infinity;
  let maxAbs = 0;
  let allIntegers = true;
  let j = 0;
  for (const [a, b, w] of edges) {
    if (a === b) continue;
    eu[j] = a;
    ev[j] = b;
    ew[j] = w;
    j++;
    if (w > maxW) maxW = w;
    if (Math.abs(w) > maxAbs) maxAbs = Math.abs(w);
    if (!Number.isInteger(w)) allIntegers = false;
  }

  if (m === 0 || (!maxCardinality && maxW <= 0)) {
    // Empty matching; zero duals certify it (every weight is <= 0 here).
    return { mate: new Int32Array(n).fill(-1), vertexDual: new Float64Array(n), blossoms: [] };
  }

  // Integer weights (well inside the exactly-representable range) are solved
  // with exact comparisons.  Otherwise slacks within a tiny relative
  // tolerance of zero count as tight; this only merges events that are
  // simultaneous up to rounding (see the module comment).
  const exact = allIntegers && maxAbs <= 2 ** 40;
  const eps = exact ? 0 : maxAbs * 2 ** -42;

  const solver = new BlossomSolver(n, eu, ev, ew, maxW, maxCardinality, eps);
  const mate = solver.solve();
  if (!withDuals) return { mate, vertexDual: new Float64Array(0), blossoms: [] };
  return { mate, ...solver.duals() };
}

/**
 * Minimum-weight perfect matching of the complete graph on `vertices`.
 *
 * Reduces to {@link maxWeightMatching} with `maxCardinality: true` on the
 * negated weights (equivalently `W - w` for any constant `W`: every perfect
 * matching has the same number of edges), i.e. Edmonds' blossom algorithm
 * (Edmonds 1965; Galil 1986), O(k^3) for k vertices.  This is the matching
 * step of the Christofides TSP heuristic.
 *
 * @param vertices - distinct vertex ids; their count must be even.
 * @param weight - symmetric weight function, called once per unordered pair
 *   `(vertices[i], vertices[j])` with `i < j`; must return finite numbers.
 * @returns `vertices.length / 2` pairs `[a, b]` of original ids, each vertex
 *   in exactly one pair, of minimum total weight.
 * @throws Error if the number of vertices is odd or a weight is not finite.
 */
export function minWeightPerfectMatching(vertices: readonly number[], weight: (a: number, b: number) => number): Array<[number, number]> {
  const k = vertices.length;
  if (k % 2 !== 0) {
    throw new Error(`minWeightPerfectMatching: needs an even number of vertices, got ${k}`);
  }
  if (k === 0) return [];
  const edges: Array<[number, number, number]> = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const w = weight(vertices[i], vertices[j]);
      if (typeof w !== 'number' || !Number.isFinite(w)) {
        throw new Error(`minWeightPerfectMatching: weight(${vertices[i]}, ${vertices[j]}) is not a finite number: ${String(w)}`);
      }
      // Negation is exact in floating point, unlike W - w.
      edges.push([i, j, -w]);
    }
  }
  const mate = maxWeightMatching(k, edges, { maxCardinality: true });
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < k; i++) {
    const p = mate[i];
    if (p < 0) throw new Error('minWeightPerfectMatching: internal error, matching is not perfect');
    if (i < p) pairs.push([vertices[i], vertices[p]]);
  }
  return pairs;
}

/**
 * One run of the primal-dual blossom algorithm.
 *
 * Blossom ids: `0 .. n-1` are the trivial blossoms (single vertices),
 * `n .. 2n-1` are slots for non-trivial blossoms.  A non-trivial blossom
 * stores its sub-blossoms as an odd cycle `children[b]` starting at the
 * sub-blossom holding the base; `cycA[b][i]` (in `children[b][i]`) and
 * `cycB[b][i]` (in `children[b][i+1 mod len]`) are the endpoints of the edge
 * joining consecutive sub-blossoms.
 *
 * Labels live on top-level blossoms.  `labelInner[b]`/`labelOuter[b]` is the
 * edge linking `b` to its parent in the alternating forest (inner endpoint
 * inside `b`): for a T-blossom the edge through which it was reached, for a
 * non-root S-blossom its matched base edge (inner = base).  Roots have -1.
 */
class BlossomSolver {
  private readonly n: number;
  private readonly eu: Int32Array;
  private readonly ev: Int32Array;
  private readonly ew: Float64Array;
  private readonly maxCardinality: boolean;
  private readonly eps: number;

  /** CSR adjacency: incident edge ids of vertex v are adjEdges[adjStart[v] .. adjStart[v+1]). */
  private readonly adjStart: Int32Array;
  private readonly adjEdges: Int32Array;

  private readonly mate: Int32Array;
  /** Vertex duals (doubled units). */
  private readonly u: Float64Array;
  /** Blossom duals (doubled units), indexed by blossom id. */
  private readonly z: Float64Array;
  /** Top-level blossom containing each vertex. */
  private readonly inBlossom: Int32Array;
  private readonly parent: Int32Array;
  private readonly base: Int32Array;
  private readonly children: Array<number[] | null>;
  private readonly cycA: Array<number[] | null>;
  private readonly cycB: Array<number[] | null>;
  private readonly label: Uint8Array;
  private readonly labelInner: Int32Array;
  private readonly labelOuter: Int32Array;
  /** For a non-S vertex: least-slack edge to an S vertex (delta2). */
  private readonly bestEdgeV: Int32Array;
  /** For a top-level S-blossom: least-slack edge to another S-blossom (delta3). */
  private readonly bestEdgeB: Int32Array;
  /** For an S-blossom formed this stage: least-slack edge to each neighbouring S-blossom. */
  private readonly bestList: Array<number[] | null>;
  private readonly freeIds: number[] = [];
  private readonly queue: number[] = [];
  private readonly mark: Uint8Array;
  private readonly bestTo: Int32Array;

  constructor(n: number, eu: Int32Array, ev: Int32Array, ew: Float64Array, maxW: number, maxCardinality: boolean, eps: number) {
    this.n = n;
    this.eu = eu;
    this.ev = ev;
    this.ew = ew;
    this.maxCardinality = maxCardinality;
    this.eps = eps;

    const m = eu.length;
    const deg = new Int32Array(n + 1);
    for (let k = 0; k < m; k++) {
      deg[eu[k] + 1]++;
      deg[ev[k] + 1]++;
    }
    for (let v = 0; v < n; v++) deg[v + 1] += deg[v];
    this.adjStart = deg.slice();
    this.adjEdges = new Int32Array(2 * m);
    const fill = deg.slice();
    for (let k = 0; k < m; k++) {
      this.adjEdges[fill[eu[k]]++] = k;
      this.adjEdges[fill[ev[k]]++] = k;
    }

    const nb = 2 * n;
    this.mate = new Int32Array(n).fill(-1);
    // u_i = max weight makes every slack 2(maxW - w) >= 0 initially.
    this.u = new Float64Array(n).fill(maxW);
    this.z = new Float64Array(nb);
    this.inBlossom = new Int32Array(n);
    this.parent = new Int32Array(nb).fill(-1);
    this.base = new Int32Array(nb).fill(-1);
    for (let v = 0; v < n; v++) {
      this.inBlossom[v] = v;
      this.base[v] = v;
    }
    this.children = new Array<number[] | null>(nb).fill(null);
    this.cycA = new Array<number[] | null>(nb).fill(null);
    this.cycB = new Array<number[] | null>(nb).fill(null);
    this.label = new Uint8Array(nb);
    this.labelInner = new Int32Array(nb).fill(-1);
    this.labelOuter = new Int32Array(nb).fill(-1);
    this.bestEdgeV = new Int32Array(n).fill(-1);
    this.bestEdgeB = new Int32Array(nb).fill(-1);
    this.bestList = new Array<number[] | null>(nb).fill(null);
    for (let b = nb - 1; b >= n; b--) this.freeIds.push(b);
    this.mark = new Uint8Array(nb);
    this.bestTo = new Int32Array(nb).fill(-1);
  }

  solve(): Int32Array {
    const n = this.n;
    // Each successful stage augments the matching; there are at most n/2.
    for (let stage = 0; stage <= n; stage++) {
      this.resetStage();
      if (!this.runStage()) break;
      // Galil: at the end of a stage expand S-blossoms whose dual is zero.
      for (let b = n; b < 2 * n; b++) {
        if (this.children[b] !== null && this.parent[b] === -1 && this.label[b] === S_LABEL && this.z[b] <= this.eps) {
          this.expand(b, true);
        }
      }
    }
    return this.mate;
  }

  /** Duals in weight units (the solver keeps them doubled). */
  duals(): { vertexDual: Float64Array; blossoms: Array<{ vertices: number[]; dual: number }> } {
    const vertexDual = new Float64Array(this.n);
    for (let v = 0; v < this.n; v++) vertexDual[v] = this.u[v] / 2;
    const blossoms: Array<{ vertices: number[]; dual: number }> = [];
    for (let b = this.n; b < 2 * this.n; b++) {
      if (this.children[b] !== null) blossoms.push({ vertices: this.leaves(b), dual: this.z[b] / 2 });
    }
    return { vertexDual, blossoms };
  }

  // ---------------------------------------------------------------- helpers

  private slack(k: number): number {
    return this.u[this.eu[k]] + this.u[this.ev[k]] - 2 * this.ew[k];
  }

  private other(k: number, x: number): number {
    return this.eu[k] === x ? this.ev[k] : this.eu[k];
  }

  /** Vertices contained in blossom b. */
  private leaves(b: number): number[] {
    if (b < this.n) return [b];
    const out: number[] = [];
    const stack = [b];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x < this.n) out.push(x);
      else for (const c of this.children[x]!) stack.push(c);
    }
    return out;
  }

  private resetStage(): void {
    this.label.fill(FREE);
    this.labelInner.fill(-1);
    this.labelOuter.fill(-1);
    this.bestEdgeV.fill(-1);
    this.bestEdgeB.fill(-1);
    this.bestList.fill(null);
    this.queue.length = 0;
    for (let v = 0; v < this.n; v++) {
      if (this.mate[v] === -1) {
        const b = this.inBlossom[v];
        if (this.label[b] === FREE) this.assignS(b, -1, -1);
      }
    }
  }

  private assignS(b: number, outer: number, inner: number): void {
    this.label[b] = S_LABEL;
    this.labelOuter[b] = outer;
    this.labelInner[b] = inner;
    this.bestList[b] = null;
    this.bestEdgeB[b] = -1;
    for (const x of this.leaves(b)) this.queue.push(x);
  }

  /** Label free blossom b as T, reached from S vertex `outer` via vertex `inner` of b; its mate becomes S. */
  private assignT(b: number, outer: number, inner: number): void {
    this.label[b] = T_LABEL;
    this.labelOuter[b] = outer;
    this.labelInner[b] = inner;
    const bs = this.base[b];
    const mv = this.mate[bs];
    if (mv < 0) throw new Error('blossom: internal error, free blossom with exposed base');
    this.assignS(this.inBlossom[mv], bs, mv);
  }

  private considerV(w: number, k: number, s: number): void {
    const cur = this.bestEdgeV[w];
    if (cur === -1 || s < this.slack(cur)) this.bestEdgeV[w] = k;
  }

  // ------------------------------------------------------------ one stage

  /** Returns true iff the matching was augmented. */
  private runStage(): boolean {
    const n = this.n;
    // A stage has O(n) events (< 8n: labellings, shrinks, expansions); the
    // guard turns a would-be infinite loop into an error.
    for (let events = 0; ; events++) {
      if (events > 20 * n + 20) throw new Error('blossom: internal error, stage does not terminate');
      while (this.queue.length > 0) {
        const v = this.queue.pop()!;
        if (this.scan(v)) return true;
      }

      // Dual adjustment: the largest step keeping all slacks / duals >= 0.
      let delta = Infinity;
      let type = 0;
      let arg = -1;
      if (!this.maxCardinality) {
        for (let v = 0; v < n; v++) {
          if (this.label[this.inBlossom[v]] === S_LABEL && this.u[v] < delta) {
            delta = this.u[v];
            type = 1;
            arg = v;
          }
        }
      }
      for (let v = 0; v < n; v++) {
        const k = this.bestEdgeV[v];
        if (k !== -1 && this.label[this.inBlossom[v]] === FREE) {
          const s = this.slack(k);
          if (s < delta) {
            delta = s;
            type = 2;
            arg = v;
          }
        }
      }
      for (let b = 0; b < 2 * n; b++) {
        if (this.parent[b] !== -1 || (b >= n && this.children[b] === null)) continue;
        const lb = this.label[b];
        if (lb === S_LABEL) {
          const k = this.bestEdgeB[b];
          if (k !== -1 && this.inBlossom[this.eu[k]] !== this.inBlossom[this.ev[k]]) {
            const s = this.slack(k) / 2;
            if (s < delta) {
              delta = s;
              type = 3;
              arg = b;
            }
          }
        } else if (lb === T_LABEL && b >= n) {
          const s = this.z[b] / 2;
          if (s < delta) {
            delta = s;
            type = 4;
            arg = b;
          }
        }
      }
      if (type === 0) return false; // max-cardinality mode: no augmenting path left
      if (!(delta > 0)) delta = 0;

      for (let v = 0; v < n; v++) {
        const lb = this.label[this.inBlossom[v]];
        if (lb === S_LABEL) this.u[v] -= delta;
        else if (lb === T_LABEL) this.u[v] += delta;
      }
      for (let b = n; b < 2 * n; b++) {
        if (this.children[b] === null || this.parent[b] !== -1) continue;
        if (this.label[b] === S_LABEL) this.z[b] += 2 * delta;
        else if (this.label[b] === T_LABEL) this.z[b] -= 2 * delta;
      }

      // Act on the event that limited the step (tight by construction).
      if (type === 1) return false; // some S dual reached 0: optimum
      if (type === 2) {
        const w = arg;
        this.assignT(this.inBlossom[w], this.other(this.bestEdgeV[w], w), w);
      } else if (type === 3) {
        const k = this.bestEdgeB[arg];
        if (this.tightSS(this.eu[k], this.ev[k])) return true;
      } else {
        this.z[arg] = 0;
        this.expand(arg, false);
      }
    }
  }

  /** Scan the edges of S vertex v; returns true iff an augmentation happened. */
  private scan(v: number): boolean {
    const { adjStart, adjEdges, inBlossom, label, eps } = this;
    for (let p = adjStart[v]; p < adjStart[v + 1]; p++) {
      const k = adjEdges[p];
      const w = this.other(k, v);
      const bv = inBlossom[v];
      const bw = inBlossom[w];
      if (bv === bw) continue;
      const s = this.slack(k);
      const lw = label[bw];
      if (lw === S_LABEL) {
        if (s <= eps) {
          if (this.tightSS(v, w)) return true;
        } else {
          const cur = this.bestEdgeB[bv];
          if (cur === -1 || s < this.slack(cur)) this.bestEdgeB[bv] = k;
        }
      } else {
        // Kept even for T vertices: if their T-blossom is expanded later and
        // they end up free, this edge labels them again (delta2 = 0).
        this.considerV(w, k, s);
        if (lw === FREE && s <= eps) this.assignT(bw, v, w);
      }
    }
    return false;
  }

  /** Tight edge between S vertices v, w of different blossoms: shrink or augment. */
  private tightSS(v: number, w: number): boolean {
    const bb = this.findCommonBase(v, w);
    if (bb !== -1) {
      this.addBlossom(bb, v, w);
      return false;
    }
    this.augment(v, w);
    return true;
  }

  /** Next S-blossom towards the root from S-blossom b, or -1 at a root. */
  private upS(b: number): number {
    if (this.labelOuter[b] === -1) return -1;
    const t = this.inBlossom[this.labelOuter[b]];
    return this.inBlossom[this.labelOuter[t]];
  }

  /** Nearest common S-ancestor of the blossoms of v and w, or -1 if in different trees. */
  private findCommonBase(v: number, w: number): number {
    const touched: number[] = [];
    let x = this.inBlossom[v];
    let y = this.inBlossom[w];
    let found = -1;
    while (x !== -1 || y !== -1) {
      if (x !== -1) {
        if (this.mark[x] === 1) {
          found = x;
          break;
        }
        this.mark[x] = 1;
        touched.push(x);
        x = this.upS(x);
      }
      if (y !== -1) {
        const t = x;
        x = y;
        y = t;
      }
    }
    for (const b of touched) this.mark[b] = 0;
    return found;
  }

  /** Shrink the odd cycle closed by tight edge (v, w) with common ancestor bb into a new S-blossom. */
  private addBlossom(bb: number, v: number, w: number): void {
    const { inBlossom, labelOuter, labelInner } = this;
    const id = this.freeIds.pop();
    if (id === undefined) throw new Error('blossom: internal error, out of blossom ids');

    const pathTo = (start: number): number[] => {
      const path: number[] = [];
      let x = start;
      while (x !== bb) {
        if (x === -1 || path.length > 2 * this.n) {
          throw new Error('blossom: internal error, inconsistent alternating forest');
        }
        path.push(x);
        const t = inBlossom[labelOuter[x]];
        path.push(t);
        x = inBlossom[labelOuter[t]];
      }
      return path;
    };
    const pv = pathTo(inBlossom[v]);
    const pw = pathTo(inBlossom[w]);

    const ch: number[] = [bb];
    const ca: number[] = [];
    const cb: number[] = [];
    for (let i = pv.length - 1; i >= 0; i--) {
      const x = pv[i];
      ca.push(labelOuter[x]);
      cb.push(labelInner[x]);
      ch.push(x);
    }
    ca.push(v);
    cb.push(w);
    for (const x of pw) {
      ch.push(x);
      ca.push(labelInner[x]);
      cb.push(labelOuter[x]);
    }

    this.children[id] = ch;
    this.cycA[id] = ca;
    this.cycB[id] = cb;
    this.base[id] = this.base[bb];
    this.parent[id] = -1;
    this.z[id] = 0;
    this.label[id] = S_LABEL;
    this.labelOuter[id] = labelOuter[bb];
    this.labelInner[id] = labelInner[bb];

    const leavesOf: number[][] = [];
    for (const c of ch) {
      this.parent[c] = id;
      const lv = this.leaves(c);
      leavesOf.push(lv);
      const wasT = this.label[c] === T_LABEL;
      for (const x of lv) {
        inBlossom[x] = id;
        if (wasT) this.queue.push(x); // former T vertices are now S
      }
    }

    // Least-slack edge from the new blossom to every other S-blossom.
    const touched: number[] = [];
    const consider = (k: number): void => {
      const a = this.eu[k];
      const b = this.ev[k];
      const j = inBlossom[a] === id ? b : a;
      const bj = inBlossom[j];
      if (bj === id || this.label[bj] !== S_LABEL) return;
      const cur = this.bestTo[bj];
      if (cur === -1) {
        this.bestTo[bj] = k;
        touched.push(bj);
      } else if (this.slack(k) < this.slack(cur)) {
        this.bestTo[bj] = k;
      }
    };
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      const list = this.bestList[c];
      if (this.label[c] === T_LABEL || list === null) {
        for (const x of leavesOf[i]) {
          for (let p = this.adjStart[x]; p < this.adjStart[x + 1]; p++) consider(this.adjEdges[p]);
        }
      } else {
        for (const k of list) consider(k);
      }
      if (this.bestEdgeB[c] !== -1) consider(this.bestEdgeB[c]);
      this.bestList[c] = null;
      this.bestEdgeB[c] = -1;
      this.label[c] = FREE; // labels are only meaningful on top-level blossoms
    }
    const newList: number[] = [];
    let best = -1;
    let bestSlack = Infinity;
    for (const bj of touched) {
      const k = this.bestTo[bj];
      this.bestTo[bj] = -1;
      newList.push(k);
      const s = this.slack(k);
      if (s < bestSlack) {
        bestSlack = s;
        best = k;
      }
    }
    this.bestList[id] = newList;
    this.bestEdgeB[id] = best;
  }

  /**
   * Dissolve top-level blossom b.  At the end of a stage (endStage) zero-dual
   * sub-blossoms are dissolved recursively.  Mid-stage, b is a T-blossom whose
   * dual reached zero: the even alternating path through it, from the
   * entry sub-blossom to the base, is relabelled T/S/.../T and the remaining
   * sub-blossoms become free.
   */
  private expand(b: number, endStage: boolean): void {
    const n = this.n;
    const ch = this.children[b]!;
    const ca = this.cycA[b]!;
    const cb = this.cycB[b]!;
    for (const c of ch) {
      this.parent[c] = -1;
      if (c >= n && endStage && this.z[c] <= this.eps) {
        this.expand(c, true);
      } else {
        for (const x of this.leaves(c)) this.inBlossom[x] = c;
      }
    }

    if (!endStage && this.label[b] === T_LABEL) {
      for (const c of ch) {
        this.label[c] = FREE;
        this.labelOuter[c] = -1;
        this.labelInner[c] = -1;
        this.bestList[c] = null;
        this.bestEdgeB[c] = -1;
      }
      const L = ch.length;
      const entry = this.inBlossom[this.labelInner[b]];
      let j = ch.indexOf(entry);
      this.label[entry] = T_LABEL;
      this.labelOuter[entry] = this.labelOuter[b];
      this.labelInner[entry] = this.labelInner[b];
      if (j % 2 === 1) {
        // Forward j -> j+1 -> ... -> L (= 0): even length.
        while (j !== 0) {
          const sChild = ch[j + 1];
          this.assignS(sChild, ca[j], cb[j]);
          const tIdx = (j + 2) % L;
          const tChild = ch[tIdx];
          this.label[tChild] = T_LABEL;
          this.labelOuter[tChild] = ca[j + 1];
          this.labelInner[tChild] = cb[j + 1];
          j = tIdx;
        }
      } else {
        // Backward j -> j-1 -> ... -> 0: even length.
        while (j !== 0) {
          const sChild = ch[j - 1];
          this.assignS(sChild, cb[j - 1], ca[j - 1]);
          const tChild = ch[j - 2];
          this.label[tChild] = T_LABEL;
          this.labelOuter[tChild] = cb[j - 2];
          this.labelInner[tChild] = ca[j - 2];
          j -= 2;
        }
      }
    }

    this.children[b] = null;
    this.cycA[b] = null;
    this.cycB[b] = null;
    this.parent[b] = -1;
    this.base[b] = -1;
    this.label[b] = FREE;
    this.labelOuter[b] = -1;
    this.labelInner[b] = -1;
    this.bestList[b] = null;
    this.bestEdgeB[b] = -1;
    this.z[b] = 0;
    this.freeIds.push(b);
  }

  /** Rematch inside blossom b so that vertex v (in b) becomes its base. */
  private augmentBlossom(b: number, v: number): void {
    const n = this.n;
    let t = v;
    while (this.parent[t] !== b) t = this.parent[t];
    if (t >= n) this.augmentBlossom(t, v);
    const ch = this.children[b]!;
    const ca = this.cycA[b]!;
    const cb = this.cycB[b]!;
    const L = ch.length;
    const i = ch.indexOf(t);
    this.base[b] = v;
    if (i === 0) return; // v's sub-blossom already holds the base: nothing else changes
    const rematch = (e: number): void => {
      const x = ca[e];
      const y = cb[e];
      const cx = ch[e];
      const cy = ch[(e + 1) % L];
      if (cx >= n) this.augmentBlossom(cx, x);
      if (cy >= n) this.augmentBlossom(cy, y);
      this.mate[x] = y;
      this.mate[y] = x;
    };
    if (i % 2 === 1) {
      for (let e = i + 1; e < L; e += 2) rematch(e);
    } else {
      for (let e = i - 2; e >= 0; e -= 2) rematch(e);
    }
    this.children[b] = ch.slice(i).concat(ch.slice(0, i));
    this.cycA[b] = ca.slice(i).concat(ca.slice(0, i));
    this.cycB[b] = cb.slice(i).concat(cb.slice(0, i));
  }

  /** Augment along the path root(v) ~ v - w ~ root(w) through tight edge (v, w). */
  private augment(v: number, w: number): void {
    const n = this.n;
    for (const [s0, p0] of [
      [v, w],
      [w, v],
    ] as const) {
      let s = s0;
      let p = p0;
      for (;;) {
        const bs = this.inBlossom[s];
        if (bs >= n) this.augmentBlossom(bs, s);
        this.mate[s] = p;
        const t = this.labelOuter[bs];
        if (t === -1) break; // reached the exposed root
        const bt = this.inBlossom[t];
        const x = this.labelOuter[bt];
        const y = this.labelInner[bt];
        if (bt >= n) this.augmentBlossom(bt, y);
        this.mate[y] = x;
        s = x;
        p = y;
      }
    }
  }
}
