import { describe, expect, it } from 'vitest';
import {
  maxWeightMatching,
  maxWeightMatchingWithDuals,
  minWeightPerfectMatching,
  type WeightedMatchingCertificate,
} from '../../src/graph/blossom.js';

type Edge = [number, number, number];

/** Small deterministic PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function randomGraph(rng: () => number, n: number, density: number, weight: () => number): Edge[] {
  const edges: Edge[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (rng() < density) edges.push(rng() < 0.5 ? [i, j, weight()] : [j, i, weight()]);
    }
  }
  // Shuffle edge order so that the input order is not always sorted.
  for (let i = edges.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [edges[i], edges[j]] = [edges[j], edges[i]];
  }
  return edges;
}

/** Checks mate is a valid matching of the graph; returns [cardinality, total weight]. */
function checkMatching(n: number, edges: Edge[], mate: Int32Array): [number, number] {
  expect(mate.length).toBe(n);
  const w = new Map<number, number>();
  for (const [a, b, x] of edges) {
    const key = Math.min(a, b) * n + Math.max(a, b);
    w.set(key, Math.max(w.get(key) ?? -Infinity, x));
  }
  let card = 0;
  let total = 0;
  const problems: string[] = [];
  for (let v = 0; v < n; v++) {
    const p = mate[v];
    if (p === -1) continue;
    if (!(p >= 0 && p < n) || p === v || mate[p] !== v) {
      problems.push(`mate[${v}] = ${p} is not a symmetric partner`);
    } else if (v < p) {
      const x = w.get(v * n + p);
      if (x === undefined) problems.push(`matched pair (${v}, ${p}) is not an edge`);
      else {
        card++;
        total += x;
      }
    }
  }
  expect(problems).toEqual([]);
  return [card, total];
}

/**
 * Independent check of the LP duality certificate (Edmonds' matching
 * polytope): dual feasibility, complementary slackness, laminar full odd
 * blossoms.  Passing proves the matching optimal (heaviest of its
 * cardinality under maxCardinality) up to `tol`.
 */
function checkCertificate(n: number, edges: Edge[], cert: WeightedMatchingCertificate, maxCardinality: boolean, exact: boolean): void {
  const { mate, vertexDual: y, blossoms } = cert;
  const maxAbs = edges.reduce((s, e) => Math.max(s, Math.abs(e[2])), 0);
  const tol = exact ? 0 : 1e-9 * (1 + maxAbs);
  const problems: string[] = [];
  expect(y.length).toBe(n);
  const member = blossoms.map((b) => {
    const inB = new Uint8Array(n);
    for (const v of b.vertices) inB[v] = 1;
    return inB;
  });
  for (let p = 0; p < blossoms.length; p++) {
    const vs = blossoms[p].vertices;
    if (vs.length < 3 || vs.length % 2 === 0 || new Set(vs).size !== vs.length) problems.push(`blossom ${p} not odd`);
    if (blossoms[p].dual < -tol) problems.push(`blossom ${p} dual ${blossoms[p].dual} < 0`);
    let inside = 0;
    for (const v of vs) if (mate[v] >= 0 && member[p][mate[v]]) inside++;
    if (inside !== vs.length - 1) problems.push(`blossom ${p} not full`);
    for (let q = p + 1; q < blossoms.length; q++) {
      const common = vs.filter((v) => member[q][v]).length;
      if (common !== 0 && common !== vs.length && common !== blossoms[q].vertices.length) {
        problems.push(`blossoms ${p}, ${q} not laminar`);
      }
    }
  }
  const zsum = (a: number, b: number): number => {
    let z = 0;
    for (let p = 0; p < blossoms.length; p++) if (member[p][a] && member[p][b]) z += blossoms[p].dual;
    return z;
  };
  for (const [a, b, w] of edges) {
    const slack = y[a] + y[b] + zsum(a, b) - w;
    if (slack < -tol) problems.push(`edge (${a}, ${b}) slack ${slack} < 0`);
    if (mate[a] === b && Math.abs(slack) > tol) problems.push(`matched edge (${a}, ${b}) slack ${slack} != 0`);
  }
  const minY = n > 0 ? Math.min(...y) : 0;
  for (let v = 0; v < n; v++) {
    if (!maxCardinality && y[v] < -tol) problems.push(`y[${v}] = ${y[v]} < 0`);
    if (mate[v] === -1) {
      if (!maxCardinality && Math.abs(y[v]) > tol) problems.push(`exposed ${v} has y = ${y[v]}`);
      if (maxCardinality && y[v] > minY + tol) problems.push(`exposed ${v} has non-minimal y`);
    }
  }
  expect(problems).toEqual([]);
}

/**
 * Exhaustive optimum over all matchings by a DP over vertex subsets: for the
 * lowest vertex of the subset, either leave it exposed or match it to each
 * neighbour in the subset.  Returns [cardinality, weight] of the best
 * matching (lexicographically (card, weight) when maxCardinality).
 */
function bruteMax(n: number, edges: Edge[], maxCardinality: boolean): [number, number] {
  const W: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  for (const [a, b, x] of edges) {
    if (Number.isNaN(W[a][b]) || x > W[a][b]) {
      W[a][b] = x;
      W[b][a] = x;
    }
  }
  const size = 1 << n;
  const card = new Int32Array(size);
  const wt = new Float64Array(size);
  const better = (c: number, x: number, c0: number, x0: number): boolean => (maxCardinality ? c > c0 || (c === c0 && x > x0) : x > x0);
  for (let mask = 1; mask < size; mask++) {
    const i = 31 - Math.clz32(mask & -mask);
    const rest = mask & ~(1 << i);
    let bc = card[rest];
    let bw = wt[rest];
    for (let j = i + 1; j < n; j++) {
      if (!(rest & (1 << j)) || Number.isNaN(W[i][j])) continue;
      const r2 = rest & ~(1 << j);
      const c = card[r2] + 1;
      const x = wt[r2] + W[i][j];
      if (better(c, x, bc, bw)) {
        bc = c;
        bw = x;
      }
    }
    card[mask] = bc;
    wt[mask] = bw;
  }
  return [card[size - 1], wt[size - 1]];
}

/** Plain recursive enumeration of every matching (used to cross-check bruteMax on small graphs). */
function enumerateAll(n: number, edges: Edge[], maxCardinality: boolean): [number, number] {
  let best: [number, number] = [0, 0];
  const used = new Uint8Array(n);
  const rec = (k: number, c: number, x: number): void => {
    if (k === edges.length) {
      if (maxCardinality ? c > best[0] || (c === best[0] && x > best[1]) : x > best[1]) best = [c, x];
      return;
    }
    rec(k + 1, c, x);
    const [a, b, w] = edges[k];
    if (!used[a] && !used[b]) {
      used[a] = used[b] = 1;
      rec(k + 1, c + 1, x + w);
      used[a] = used[b] = 0;
    }
  };
  rec(0, 0, 0);
  return best;
}

/** Exhaustive minimum perfect matching weight on a complete graph (DP over subsets). */
function bruteMinPerfect(n: number, w: (a: number, b: number) => number): number {
  const memo = new Map<number, number>();
  const rec = (mask: number): number => {
    if (mask === 0) return 0;
    const got = memo.get(mask);
    if (got !== undefined) return got;
    const i = 31 - Math.clz32(mask & -mask);
    const rest = mask & ~(1 << i);
    let best = Infinity;
    for (let j = i + 1; j < n; j++) {
      if (rest & (1 << j)) best = Math.min(best, w(i, j) + rec(rest & ~(1 << j)));
    }
    memo.set(mask, best);
    return best;
  };
  return rec((1 << n) - 1);
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b));

function compareWithBrute(n: number, edges: Edge[], exact: boolean): void {
  for (const maxCardinality of [false, true]) {
    const cert = maxWeightMatchingWithDuals(n, edges, { maxCardinality });
    expect(Array.from(maxWeightMatching(n, edges, { maxCardinality }))).toEqual(Array.from(cert.mate));
    const [c, x] = checkMatching(n, edges, cert.mate);
    checkCertificate(n, edges, cert, maxCardinality, exact);
    const [bc, bx] = bruteMax(n, edges, maxCardinality);
    const ctx = JSON.stringify({ n, edges, maxCardinality, got: [c, x], want: [bc, bx] });
    if (maxCardinality) expect(c, ctx).toBe(bc);
    if (exact) expect(x, ctx).toBe(bx);
    else expect(close(x, bx), ctx).toBe(true);
  }
}

describe('maxWeightMatching: hand-checked cases', () => {
  it('empty graphs', () => {
    expect(Array.from(maxWeightMatching(0, []))).toEqual([]);
    expect(Array.from(maxWeightMatching(4, []))).toEqual([-1, -1, -1, -1]);
    expect(Array.from(maxWeightMatching(3, [[1, 1, 5]]))).toEqual([-1, -1, -1]);
  });

  it('single edge, and negative edges only matched under maxCardinality', () => {
    expect(Array.from(maxWeightMatching(2, [[0, 1, 2.5]]))).toEqual([1, 0]);
    expect(Array.from(maxWeightMatching(2, [[0, 1, -1]]))).toEqual([-1, -1]);
    expect(Array.from(maxWeightMatching(2, [[0, 1, 0]]))).toEqual([-1, -1]);
    expect(Array.from(maxWeightMatching(2, [[0, 1, -1]], { maxCardinality: true }))).toEqual([1, 0]);
  });

  it('path 0-1-2-3: heavy middle edge vs. maximum cardinality', () => {
    const edges: Edge[] = [
      [0, 1, 1],
      [1, 2, 3],
      [2, 3, 1],
    ];
    expect(Array.from(maxWeightMatching(4, edges))).toEqual([-1, 2, 1, -1]);
    expect(Array.from(maxWeightMatching(4, edges, { maxCardinality: true }))).toEqual([1, 0, 3, 2]);
  });

  it('triangle plus pendant forces a blossom', () => {
    // Triangle 0-1-2 with a pendant 3 on vertex 2.  The heaviest edge 1-2 is
    // matched first; the only better matching uses {0-1, 2-3}, which is
    // found through the odd cycle 0-1-2 shrunk into a blossom.
    const edges: Edge[] = [
      [0, 1, 6],
      [1, 2, 7],
      [0, 2, 5],
      [2, 3, 4],
    ];
    expect(Array.from(maxWeightMatching(4, edges))).toEqual([1, 0, 3, 2]);
    const real: Edge[] = [
      [0, 1, 6.1],
      [1, 2, 7.3],
      [0, 2, 5.2],
      [2, 3, 1.1],
    ];
    expect(Array.from(maxWeightMatching(4, real))).toEqual([-1, 2, 1, -1]); // 7.3 > 6.1 + 1.1
    expect(Array.from(maxWeightMatching(4, real, { maxCardinality: true }))).toEqual([1, 0, 3, 2]);
  });

  it('two triangles joined by an edge (blossom augmentation through the base)', () => {
    const edges: Edge[] = [
      [0, 1, 10],
      [1, 2, 10],
      [0, 2, 10],
      [3, 4, 10],
      [4, 5, 10],
      [3, 5, 10],
      [2, 3, 1],
    ];
    const mate = maxWeightMatching(6, edges);
    expect(checkMatching(6, edges, mate)).toEqual([3, 21]);
    expect(mate[2]).toBe(3);
  });

  it('rejects malformed input', () => {
    expect(() => maxWeightMatching(-1, [])).toThrow();
    expect(() => maxWeightMatching(2, [[0, 2, 1]])).toThrow(/endpoint/);
    expect(() => maxWeightMatching(2, [[0, 1, NaN]])).toThrow(/non-finite/);
  });
});

describe('maxWeightMatching vs. exhaustive search', () => {
  it('the subset DP agrees with plain enumeration of all matchings', () => {
    const rng = mulberry32(7);
    for (let t = 0; t < 60; t++) {
      const n = randInt(rng, 0, 8);
      const edges = randomGraph(rng, n, rng(), () => randInt(rng, -3, 6));
      // Without maxCardinality only the weight is determined (ties in cardinality).
      expect(bruteMax(n, edges, false)[1]).toBe(enumerateAll(n, edges, false)[1]);
      expect(bruteMax(n, edges, true)).toEqual(enumerateAll(n, edges, true));
    }
  });

  it('random real weights (300 graphs, n <= 12)', () => {
    const rng = mulberry32(12345);
    for (let t = 0; t < 300; t++) {
      const n = randInt(rng, 0, 12);
      const edges = randomGraph(rng, n, 0.1 + 0.9 * rng(), () => rng() * 100);
      compareWithBrute(n, edges, false);
    }
  });

  it('integer weights with many ties (300 graphs, exact totals)', () => {
    const rng = mulberry32(777);
    for (let t = 0; t < 300; t++) {
      const n = randInt(rng, 1, 12);
      const hi = randInt(rng, 1, 4);
      const edges = randomGraph(rng, n, 0.1 + 0.9 * rng(), () => randInt(rng, 1, hi));
      compareWithBrute(n, edges, true);
    }
  });

  it('mixed-sign weights (250 graphs, real and integer)', () => {
    const rng = mulberry32(4242);
    for (let t = 0; t < 250; t++) {
      const n = randInt(rng, 1, 11);
      const integer = t % 2 === 0;
      const edges = randomGraph(rng, n, 0.1 + 0.9 * rng(), () => (integer ? randInt(rng, -5, 5) : (rng() - 0.5) * 20));
      compareWithBrute(n, edges, integer);
    }
  });

  it('tie-heavy real weights whose sums round differently (250 graphs)', () => {
    const rng = mulberry32(99);
    const values = [0.1, 0.2, 0.3, 0.6, 0.7, 1.1, 0.1 + 0.2];
    for (let t = 0; t < 250; t++) {
      const n = randInt(rng, 2, 12);
      const edges = randomGraph(rng, n, 0.2 + 0.8 * rng(), () => values[randInt(rng, 0, values.length - 1)]);
      compareWithBrute(n, edges, false);
    }
  });

  it('weights of widely different magnitudes (100 graphs)', () => {
    const rng = mulberry32(31337);
    for (let t = 0; t < 100; t++) {
      const n = randInt(rng, 2, 10);
      const edges = randomGraph(rng, n, 0.3 + 0.7 * rng(), () => 10 ** randInt(rng, -3, 6) * rng());
      compareWithBrute(n, edges, false);
    }
  });
});

describe('maxWeightMatching: medium and larger graphs', () => {
  it('n = 13..16 (90 graphs)', () => {
    const rng = mulberry32(1316);
    const values = [0.1, 0.2, 0.3, 0.6, 0.7, 1.1, 0.1 + 0.2];
    for (let t = 0; t < 90; t++) {
      const n = randInt(rng, 13, 16);
      const kind = t % 3;
      const edges = randomGraph(rng, n, 0.15 + 0.85 * rng(), () =>
        kind === 0 ? rng() * 100 : kind === 1 ? randInt(rng, 1, 3) : values[randInt(rng, 0, values.length - 1)],
      );
      compareWithBrute(n, edges, kind === 1);
    }
  });

  it('larger max-weight instances (300 graphs, n = 16..40, plus 6 with n = 60..120): valid, dual-certified and order-invariant', () => {
    // Nested blossoms, and augmentations entering them through non-base
    // vertices, are much more frequent at this size than for n <= 12.  The
    // optimum must not depend on vertex labels or edge order.
    const rng = mulberry32(5150);
    const values = [0.1, 0.2, 0.3, 0.6, 0.7, 1.1, 0.1 + 0.2];
    for (let t = 0; t < 306; t++) {
      const n = t < 300 ? randInt(rng, 16, 40) : randInt(rng, 60, 120);
      const kind = t % 3;
      const density = t < 300 ? 0.1 + 0.9 * rng() : 0.05 + 0.2 * rng();
      const edges = randomGraph(rng, n, density, () =>
        kind === 0 ? rng() * 100 : kind === 1 ? randInt(rng, 1, 3) : values[randInt(rng, 0, values.length - 1)],
      );
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const edges2: Edge[] = edges.map(([a, b, x]) => [perm[a], perm[b], x]);
      edges2.reverse();
      for (const maxCardinality of [false, true]) {
        const cert1 = maxWeightMatchingWithDuals(n, edges, { maxCardinality });
        const cert2 = maxWeightMatchingWithDuals(n, edges2, { maxCardinality });
        checkCertificate(n, edges, cert1, maxCardinality, kind === 1);
        checkCertificate(n, edges2, cert2, maxCardinality, kind === 1);
        const [c1, x1] = checkMatching(n, edges, cert1.mate);
        const [c2, x2] = checkMatching(n, edges2, cert2.mate);
        const ctx = JSON.stringify({ t, n, maxCardinality, x1, x2 });
        if (maxCardinality) expect(c1, ctx).toBe(c2);
        if (kind === 1) expect(x1, ctx).toBe(x2);
        else expect(close(x1, x2), ctx).toBe(true);
      }
    }
  });
});

describe('minWeightPerfectMatching', () => {
  function checkPerfect(vertices: number[], pairs: Array<[number, number]>): void {
    expect(pairs.length).toBe(vertices.length / 2);
    const seen = new Set<number>();
    for (const [a, b] of pairs) {
      expect(seen.has(a) || seen.has(b)).toBe(false);
      seen.add(a);
      seen.add(b);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([...vertices].sort((x, y) => x - y));
  }

  it('trivial inputs and odd count', () => {
    expect(minWeightPerfectMatching([], () => 1)).toEqual([]);
    expect(minWeightPerfectMatching([7, 3], () => 1)).toEqual([[7, 3]]);
    expect(() => minWeightPerfectMatching([1, 2, 3], () => 1)).toThrow(/even number/);
    expect(() => minWeightPerfectMatching([1, 2], () => Infinity)).toThrow(/finite/);
  });

  it('square: pairs the two short sides', () => {
    // Unit-by-3 rectangle corners 0:(0,0) 1:(3,0) 2:(3,1) 3:(0,1).
    const p = [
      [0, 0],
      [3, 0],
      [3, 1],
      [0, 1],
    ];
    const d = (a: number, b: number): number => Math.hypot(p[a][0] - p[b][0], p[a][1] - p[b][1]);
    const pairs = minWeightPerfectMatching([0, 1, 2, 3], d).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
    pairs.sort((x, y) => x[0] - y[0]);
    expect(pairs).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('random complete graphs vs. exhaustive search (real, integer and lattice-distance weights)', () => {
    const rng = mulberry32(2024);
    let cases = 0;
    for (let t = 0; t < 300; t++) {
      const n = 2 * randInt(rng, 1, 6);
      const kind = t % 3;
      let w: (a: number, b: number) => number;
      if (kind === 0) {
        const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i][j] = m[j][i] = rng() * 1000;
        w = (a, b) => m[a][b];
      } else if (kind === 1) {
        const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i][j] = m[j][i] = randInt(rng, 0, 3);
        w = (a, b) => m[a][b];
      } else {
        // Points on a small integer lattice: Euclidean distances with many exact ties.
        const pts = Array.from({ length: n }, () => [randInt(rng, 0, 3), randInt(rng, 0, 3)]);
        w = (a, b) => Math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]);
      }
      // Use arbitrary (shuffled, offset) vertex ids to exercise the id mapping.
      const ids = Array.from({ length: n }, (_, i) => 100 + 3 * i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [ids[i], ids[j]] = [ids[j], ids[i]];
      }
      const local = (id: number): number => (id - 100) / 3;
      const pairs = minWeightPerfectMatching(ids, (a, b) => w(local(a), local(b)));
      checkPerfect(ids, pairs);
      const total = pairs.reduce((s, [a, b]) => s + w(local(a), local(b)), 0);
      const want = bruteMinPerfect(n, w);
      if (kind === 1) expect(total).toBe(want);
      else expect(close(total, want), JSON.stringify({ n, total, want })).toBe(true);
      cases++;
    }
    expect(cases).toBe(300);
  });

  it('90-vertex complete graphs: perfect, 2-opt optimal, dual-certified, label-permutation invariant', () => {
    const rng = mulberry32(90);
    const n = 90;
    const pts = Array.from({ length: n }, () => [rng() * 1000, rng() * 1000]);
    const euclid = (a: number, b: number): number => Math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]);
    const rand = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rand[i][j] = rand[j][i] = rng() * 100;
    const randW = (a: number, b: number): number => rand[a][b];

    for (const w of [euclid, randW]) {
      const vertices = Array.from({ length: n }, (_, i) => i);
      const pairs = minWeightPerfectMatching(vertices, w);
      checkPerfect(vertices, pairs);
      const total = pairs.reduce((s, [a, b]) => s + w(a, b), 0);

      // No exchange of partners between two matched pairs improves the weight.
      for (let p = 0; p < pairs.length; p++) {
        for (let q = p + 1; q < pairs.length; q++) {
          const [a, b] = pairs[p];
          const [c, d] = pairs[q];
          const cur = w(a, b) + w(c, d);
          expect(cur).toBeLessThanOrEqual(w(a, c) + w(b, d) + 1e-9);
          expect(cur).toBeLessThanOrEqual(w(a, d) + w(b, c) + 1e-9);
        }
      }

      // Greedy (cheapest available edge first) can never beat the optimum.
      const all: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) all.push([i, j]);
      all.sort((x, y) => w(x[0], x[1]) - w(y[0], y[1]));
      const used = new Uint8Array(n);
      let greedy = 0;
      for (const [i, j] of all) {
        if (!used[i] && !used[j]) {
          used[i] = used[j] = 1;
          greedy += w(i, j);
        }
      }
      expect(total).toBeLessThanOrEqual(greedy + 1e-9);

      // LP certificate of optimality at scale (same algorithm, negated weights).
      const negEdges: Edge[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) negEdges.push([i, j, -w(i, j)]);
      const cert = maxWeightMatchingWithDuals(n, negEdges, { maxCardinality: true });
      checkCertificate(n, negEdges, cert, true, false);
      const [card, negTotal] = checkMatching(n, negEdges, cert.mate);
      expect(card).toBe(n / 2);
      expect(close(-negTotal, total), `${-negTotal} vs ${total}`).toBe(true);

      // Optimal value is independent of vertex order.
      const perm = vertices.slice();
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const pairs2 = minWeightPerfectMatching(perm, w);
      checkPerfect(vertices, pairs2);
      const total2 = pairs2.reduce((s, [a, b]) => s + w(a, b), 0);
      expect(close(total, total2), `${total} vs ${total2}`).toBe(true);
    }
  });
});
