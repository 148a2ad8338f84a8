/**
 * OU-EquiDyn (Song et al., NeurIPS 2022): the greedy one-peer matching, symmetric and
 * doubly stochastic rounds, seeded determinism independent of query order, and consensus.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { defaultEquidynEta, equidynMatching, equidynSequence } from '../../src/overlay/equidyn.js';
import { distanceFromAverage, mixingMatrix, sequenceProduct } from '../../src/overlay/mixing-sequence.js';
import { createRng } from '../../src/random.js';

describe('OU-EquiDyn matching', () => {
  it('pairs i with i + u in scan order from s when both are free (hand cases)', () => {
    expect(equidynMatching(4, 1, 0)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(equidynMatching(4, 1, 1)).toEqual([
      [1, 2],
      [3, 0],
    ]);
    expect(equidynMatching(6, 3, 4)).toEqual([
      [4, 1],
      [5, 2],
      [0, 3],
    ]);
    // odd n: one silo idle (4)
    expect(equidynMatching(5, 2, 0)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    // the greedy scan can leave more idle: n = 6, u = 2 (cycles of length 3) and even n = 8, u = 3
    expect(equidynMatching(6, 2, 0)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(equidynMatching(8, 3, 0)).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });
});

describe('OU-EquiDyn rounds', () => {
  it('default eta = n / (2(n - 1)): matched pairs average exactly; eta = 1/2 for n = 4: keep 5/8, take 3/8', () => {
    // n = 4: eta = 2/3, peer weight eta (n-1)/n = 1/2, self 1 - eta + eta/n = 1/2
    expect(defaultEquidynEta(4)).toBeCloseTo(2 / 3, 15);
    expect(defaultEquidynEta(17)).toBeCloseTo(0.53125, 15); // the authors' 0.53 on their 17 nodes
    expect(defaultEquidynEta(1)).toBe(1);
    const d = equidynSequence(4, 3).round(0);
    expect(d.edges.length).toBe(4);
    d.weights.forEach((w) => expect(w).toBeCloseTo(0.5, 15));
    d.selfWeights.forEach((w) => expect(w).toBeCloseTo(0.5, 15));
    for (const n of [3, 11, 87]) {
      const r = equidynSequence(n, 5).round(2);
      r.weights.forEach((w) => expect(Math.abs(w - 0.5)).toBeLessThan(1e-15)); // measured: 0
    }
    const r = equidynSequence(4, 3, { eta: 0.5 }).round(0);
    expect(r.edges.length).toBe(4);
    expect(r.weights).toEqual([0.375, 0.375, 0.375, 0.375]);
    expect(r.selfWeights).toEqual([0.625, 0.625, 0.625, 0.625]);
    // eta = 1: 1/n self, (n-1)/n from the peer; n = 2 is then exact averaging in one round
    const two = equidynSequence(2, 9, { eta: 1 }).round(5);
    expect(mixingMatrix(two, 2).map((row) => Array.from(row))).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
  });

  it('symmetric, doubly stochastic and one-peer every round, 200 rounds, n = 2..30', () => {
    const problems: string[] = [];
    let worstSum = 0;
    for (let n = 2; n <= 30; n++) {
      const seq = equidynSequence(n, 1234 + n);
      expect(seq.period).toBeUndefined();
      for (let k = 0; k < 200; k++) {
        const r = seq.round(k);
        const w = mixingMatrix(r, n);
        const degree = new Array<number>(n).fill(0);
        for (const [a, b] of r.edges) {
          degree[a]++;
          degree[b]++;
        }
        // each matched pair lists i->j and j->i: 2 incidences per direction, one peer
        if (degree.some((d) => d !== 0 && d !== 2)) problems.push(`n = ${n}, round ${k}: not a matching`);
        if (n % 2 === 1 && !degree.includes(0)) problems.push(`n = ${n}, round ${k}: no idle silo`);
        for (let i = 0; i < n; i++) {
          let row = 0,
            col = 0;
          for (let j = 0; j < n; j++) {
            if (w[i][j] < 0 || w[i][j] !== w[j][i]) problems.push(`n = ${n}, round ${k}: W[${i}][${j}] = ${w[i][j]}`);
            row += w[i][j];
            col += w[j][i];
          }
          worstSum = Math.max(worstSum, Math.abs(row - 1), Math.abs(col - 1));
        }
      }
    }
    expect(problems).toEqual([]);
    expect(worstSum).toBeLessThan(1e-15); // measured: 0
  });

  it('is deterministic by seed, and round k does not depend on the order rounds are asked in', () => {
    const forward = equidynSequence(17, 42);
    const rounds = Array.from({ length: 50 }, (_, k) => forward.round(k));
    const backward = equidynSequence(17, 42);
    for (let k = 49; k >= 0; k--) expect(backward.round(k)).toEqual(rounds[k]);
    const fresh = equidynSequence(17, 42);
    expect(fresh.round(31)).toEqual(rounds[31]);
    expect(fresh.round(31)).toEqual(rounds[31]); // asking twice changes nothing
    // a different seed gives a different sequence (at least one of 50 rounds differs)
    const other = equidynSequence(17, 43);
    expect(rounds.some((r, k) => JSON.stringify(r) !== JSON.stringify(other.round(k)))).toBe(true);
    // rounds do differ over time (a random, not a static, graph)
    expect(new Set(rounds.map((r) => JSON.stringify(r.edges))).size).toBeGreaterThan(10);
  });

  it('restricted shifts: every edge joins silos u apart', () => {
    const seq = equidynSequence(10, 5, { shifts: [3] });
    for (let k = 0; k < 20; k++) {
      for (const [a, b] of seq.round(k).edges) expect([3, 7]).toContain((b - a + 10) % 10);
    }
  });

  it('consensus: 200 rounds multiply to J within 1e-6 for n = 16', () => {
    // measured (seed 1), eta = 1/2: 1.7e-10 after 50 rounds, 2.8e-17 after 200 rounds
    const seq = equidynSequence(16, 1, { eta: 0.5 });
    expect(distanceFromAverage(sequenceProduct(seq, 0, 50))).toBeLessThan(1e-9);
    const d = distanceFromAverage(sequenceProduct(seq, 0, 200));
    expect(d).toBeLessThan(1e-6);
    expect(d).toBeLessThan(1e-15);
    // the default eta (pairs average exactly): exactly J after 10 rounds here (measured: 0);
    // eta = 1 (the authors' code default): still 0.05 from J after 50 rounds
    expect(distanceFromAverage(sequenceProduct(equidynSequence(16, 1), 0, 10))).toBe(0);
    expect(distanceFromAverage(sequenceProduct(equidynSequence(16, 1, { eta: 1 }), 0, 50))).toBeGreaterThan(0.04);
  });

  it("the default eta minimises every round's consensus error: |Wy|^2 = |y|^2 - (1/2) sum over pairs (y_i - y_j)^2", () => {
    // same seed, same matchings whatever eta; y a zero-mean vector, so (W - J)x = W y
    const rng = createRng(9);
    let worst = 0;
    for (const n of [5, 11, 16]) {
      const seqs = [
        equidynSequence(n, 4),
        equidynSequence(n, 4, { eta: 0.5 }),
        equidynSequence(n, 4, { eta: 1 }),
        equidynSequence(n, 4, { eta: 0.9 * defaultEquidynEta(n) }),
      ];
      for (let k = 0; k < 50; k++) {
        const x = Array.from({ length: n }, () => rng.normal());
        const mean = x.reduce((a, b) => a + b, 0) / n;
        const y = x.map((v) => v - mean);
        const err = seqs.map((seq) => {
          const w = mixingMatrix(seq.round(k), n);
          return w.reduce((sum, row) => sum + row.reduce((a, wij, j) => a + wij * y[j], 0) ** 2, 0);
        });
        const r = seqs[0].round(k);
        expect(seqs.every((q) => JSON.stringify(q.round(k).edges) === JSON.stringify(r.edges))).toBe(true);
        let drop = 0;
        for (let e = 0; e < r.edges.length; e += 2) {
          const [i, j] = r.edges[e];
          drop += (y[i] - y[j]) ** 2;
        }
        const want = y.reduce((a, v) => a + v * v, 0) - drop / 2;
        worst = Math.max(worst, Math.abs(err[0] - want));
        for (const other of err.slice(1)) expect(err[0]).toBeLessThanOrEqual(other + 1e-12);
      }
    }
    expect(worst).toBeLessThan(1e-12); // measured below 1e-14
  });

  it('n = 1 is idle every round; bad options are DflsimInputErrors naming the field', () => {
    expect(equidynSequence(1, 0).round(7)).toEqual({ edges: [], weights: [], selfWeights: [1] });
    const where = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DflsimInputError);
        return (e as DflsimInputError).where;
      }
      return 'no error';
    };
    expect(where(() => equidynSequence(8, 1, { eta: 0 }))).toBe('equidynSequence.eta');
    expect(where(() => equidynSequence(8, 1, { eta: 1.5 }))).toBe('equidynSequence.eta');
    expect(where(() => equidynSequence(8, 1, { eta: Number.NaN }))).toBe('equidynSequence.eta');
    expect(where(() => equidynSequence(8, 1, { shifts: [2, 8] }))).toBe('equidynSequence.shifts[1]');
    expect(where(() => equidynSequence(8, 1, { shifts: [] }))).toBe('equidynSequence.shifts');
    expect(where(() => equidynSequence(0, 1))).toBe('equidynSequence.n');
    expect(where(() => equidynSequence(8, Number.NaN))).toBe('equidynSequence.seed');
    expect(where(() => equidynSequence(8, 1).round(-2))).toBe('round');
  });
});
