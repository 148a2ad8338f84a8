import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMixing, setNativeMixing } from '../../src/learning/mixing.js';
import { MULTIGRAPH_SELF_WEIGHT } from '../../src/overlay/topologies/multigraph.js';
import { fedAvgMixing, matchaMixing, mixingMatrix, multigraphMixing, staticMixing } from '../../src/overlay/mixing-rules.js';
import { nativeAddon } from '../../src/learning/native-addon.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { buildMst } from '../../src/overlay/mst.js';
import { readOverlayFile } from '../../src/overlay/overlay-file.js';
import { getWorkload, siloTimes, timingParams } from '../../src/timing/workload.js';
import { networkFile, ringOverlayFile } from '../helpers.js';
import { buildMultigraph } from '../../src/multigraph/multigraph.js';

const cg = buildConnectivityGraph(underlayFromGml(readFileSync(networkFile('gaia'), 'utf8'), 'gaia'));
const k = siloTimes(timingParams(getWorkload('femnist')), cg.n);
const ring = readOverlayFile(ringOverlayFile('gaia'), cg);
const mst = buildMst(cg, k);

function rowSums(a: Float64Array[]): number[] {
  return a.map((r) => r.reduce((s, x) => s + x, 0));
}
function colSums(a: Float64Array[]): number[] {
  return a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0)) as unknown as number[];
}

describe('mixing matrices', () => {
  it('RING (A + I)/2 and Metropolis-Hastings on the MST are doubly stochastic with non-negative weights', () => {
    for (const rows of [staticMixing(ring, 'uniform'), staticMixing(mst, 'metropolis')]) {
      const a = mixingMatrix(rows);
      for (const s of rowSums(a)) expect(s).toBeCloseTo(1, 12);
      for (const s of Array.from(colSums(a))) expect(s).toBeCloseTo(1, 12);
      for (const r of a) for (const x of r) expect(x).toBeGreaterThanOrEqual(0);
    }
    const r = mixingMatrix(staticMixing(ring, 'uniform'));
    expect(r[0][0]).toBe(0.5);
  });

  it('uniform weights and FedAvg are row-stochastic; FedAvg weights by shard size', () => {
    for (const s of rowSums(mixingMatrix(staticMixing(mst, 'uniform')))) expect(s).toBeCloseTo(1, 12);
    const f = mixingMatrix(fedAvgMixing([1, 3]));
    expect(Array.from(f[0])).toEqual([0.25, 0.75]);
    expect(Array.from(f[1])).toEqual([0.25, 0.75]);
  });

  it('MATCHA W = I - αL is symmetric and doubly stochastic', () => {
    const a = mixingMatrix(
      matchaMixing(
        4,
        [
          [0, 1],
          [1, 0],
          [2, 3],
          [3, 2],
          [1, 2],
          [2, 1],
        ],
        0.3,
      ),
    );
    for (const s of rowSums(a)) expect(s).toBeCloseTo(1, 12);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(a[i][j]).toBeCloseTo(a[j][i], 12);
    expect(a[1][1]).toBeCloseTo(1 - 0.3 * 2, 12);
  });

  it('on a ring, repeated mixing converges to the average', () => {
    const rows = staticMixing(ring, 'uniform');
    let ws: Float32Array[] = Array.from({ length: 11 }, (_, i) => Float32Array.of(i, -2 * i, 5));
    for (let t = 0; t < 600; t++) ws = applyMixing(rows, ws, []);
    for (const w of ws) {
      expect(w[0]).toBeCloseTo(5, 3);
      expect(w[1]).toBeCloseTo(-10, 3);
      expect(w[2]).toBeCloseTo(5, 5);
    }
  });

  it('multigraph: 0.7 self, 0.3 shared over strong in-edges, isolated silos untouched, stale copies on weak-to-strong edges', () => {
    const mg = buildMultigraph(ring, k, 5);
    const n = 11;
    const pairs = (s: number) => mg.states[s].strongEdges.map((e) => [ring.edges[e].from, ring.edges[e].to] as [number, number]);
    const rows = multigraphMixing(n, pairs(1), pairs(0), MULTIGRAPH_SELF_WEIGHT);
    for (const s of rowSums(mixingMatrix(rows))) expect(s).toBeCloseTo(1, 12);
    const fresh = Array.from({ length: n }, (_, i) => Float32Array.of(100 + i));
    const start = Array.from({ length: n }, (_, i) => Float32Array.of(i));
    const out = applyMixing(rows, fresh, start);
    for (const i of mg.states[1].isolated) expect(out[i]).toBe(fresh[i]);
    // state 1 follows state 0 (all strong): no edge turned strong, nothing is stale
    expect(rows.flat().some((t) => t.stale)).toBe(false);
    // find a state s whose predecessor had an edge weak that is strong in s
    let found = false;
    for (let s = 1; s < mg.states.length && !found; s++) {
      const cur = new Set(mg.states[s].strongEdges);
      const prev = new Set(mg.states[s - 1].strongEdges);
      const e = [...cur].find((x) => !prev.has(x));
      if (e === undefined) continue;
      found = true;
      const { from, to } = ring.edges[e];
      const rs = multigraphMixing(n, pairs(s), pairs(s - 1), MULTIGRAPH_SELF_WEIGHT);
      const term = rs[to].find((t) => t.from === from)!;
      expect(term.stale).toBe(true);
      expect(term.weight).toBeCloseTo(0.3, 12); // a ring silo has one in-neighbour
      expect(rs[to][0]).toEqual({ from: to, weight: 0.7, stale: false });
      const o = applyMixing(rs, fresh, start);
      expect(o[to][0]).toBeCloseTo(0.7 * fresh[to][0] + 0.3 * start[from][0], 4);
      // an edge strong in both rounds uses the fresh model
      const both = [...cur].find((x) => prev.has(x));
      if (both !== undefined) expect(rs[ring.edges[both].to].find((t) => t.from === ring.edges[both].from)!.stale).toBe(false);
    }
    expect(found).toBe(true);
  });
});

// the native loops where the addon is built (test/learning/native.test.ts requires it in CI), and the JS ones
const mixVariants: [string, boolean][] = nativeAddon()
  ? [
      ['native', true],
      ['JS', false],
    ]
  : [['JS', false]];

describe.each(mixVariants)('applyMixing (%s loops)', (_name, native) => {
  beforeAll(() => setNativeMixing(native));
  afterAll(() => setNativeMixing(true));

  /** The plain definition: a float64 sum over the row's terms in order, rounded to float32 once. */
  function reference(
    rows: { from: number; weight: number; stale?: boolean }[][],
    fresh: Float32Array[],
    start: Float32Array[],
  ): Float32Array[] {
    return rows.map((row) => {
      const acc = new Float64Array(fresh[0].length);
      for (const t of row) {
        const src = t.stale ? start[t.from] : fresh[t.from];
        for (let p = 0; p < acc.length; p++) acc[p] += t.weight * src[p];
      }
      return Float32Array.from(acc);
    });
  }

  it('gives the same bits as the plain float64 sum on random rows (1-5 terms, stale terms, signed zeros, negative weights)', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const n = 9,
      len = 777;
    const models = (): Float32Array[] =>
      Array.from({ length: n }, () =>
        Float32Array.from({ length: len }, () => {
          const r = rnd();
          return r < 0.05 ? -0 : r < 0.1 ? 0 : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 8 - 4);
        }),
      );
    for (let trial = 0; trial < 60; trial++) {
      const fresh = models(),
        start = models();
      // row i keeps a term from i so that the identity shortcut (one self term of weight 1) is not taken by chance
      const rows = Array.from({ length: n }, (_, i) =>
        Array.from({ length: 1 + Math.floor(rnd() * 5) }, (_, q) => ({
          from: q === 0 ? i : Math.floor(rnd() * n),
          weight: rnd() < 0.1 ? -0.5 : rnd(),
          stale: rnd() < 0.3,
        })),
      );
      const got = applyMixing(rows, fresh, start),
        want = reference(rows, fresh, start);
      for (let i = 0; i < n; i++)
        expect(Buffer.from(got[i].buffer).equals(Buffer.from(want[i].buffer)), `trial ${trial} row ${i}`).toBe(true);
    }
  });

  it('gives the bits of the plain float64 accumulation for rows of 1 to 7 terms, stale terms and signed zeros included', () => {
    const n = 8;
    const len = 1000;
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vec = () => {
      const a = new Float32Array(len);
      for (let p = 0; p < len; p++) a[p] = p % 97 === 0 ? -0 : rnd() * 10 ** Math.round(rnd() * 6);
      return a;
    };
    const fresh = Array.from({ length: n }, vec);
    const start = Array.from({ length: n }, vec);
    // row i has i terms (row 0: the identity, returned as is); weights of mixed signs
    const rows = Array.from({ length: n }, (_, i) =>
      i === 0
        ? [{ from: 0, weight: 1, stale: false }]
        : Array.from({ length: i }, (_, q) => ({ from: (i + q) % n, weight: q % 2 ? -rnd() : rnd(), stale: q % 3 === 2 })),
    );
    const out = applyMixing(rows, fresh, start);
    expect(out[0]).toBe(fresh[0]);
    for (let i = 1; i < n; i++) {
      const acc = new Float64Array(len);
      for (const t of rows[i]!) for (let p = 0; p < len; p++) acc[p] += t.weight * (t.stale ? start : fresh)[t.from]![p]!;
      const ref = Float32Array.from(acc);
      expect(Array.from(new Uint32Array(out[i]!.buffer)), `row of ${i} terms`).toEqual(Array.from(new Uint32Array(ref.buffer)));
    }
  });
});
