/**
 * OU-EquiDyn (Song et al., NeurIPS 2022): the greedy one-peer matching, symmetric and
 * doubly stochastic rounds, seeded determinism independent of query order, and consensus.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { DEFAULT_EQUIDYN_OPTIONS, equidynMatching, equidynSequence } from '../../src/overlay/equidyn.js';
import { distanceFromAverage, mixingMatrix, sequenceProduct } from '../../src/overlay/mixing-sequence.js';

describe('OU-EquiDyn matching', () => {
  it('pairs i with i + u in scan order from s when both are free (hand cases)', () => {
    expect(equidynMatching(4, 1, 0)).toEqual([[0, 1], [2, 3]]);
    expect(equidynMatching(4, 1, 1)).toEqual([[1, 2], [3, 0]]);
    expect(equidynMatching(6, 3, 4)).toEqual([[4, 1], [5, 2], [0, 3]]);
    // odd n: one silo idle (4)
    expect(equidynMatching(5, 2, 0)).toEqual([[0, 2], [1, 3]]);
    // the greedy scan can leave more idle: n = 6, u = 2 (cycles of length 3) and even n = 8, u = 3
    expect(equidynMatching(6, 2, 0)).toEqual([[0, 2], [1, 3]]);
    expect(equidynMatching(8, 3, 0)).toEqual([[0, 3], [1, 4], [2, 5]]);
  });
});

describe('OU-EquiDyn rounds', () => {
  it('weights for n = 4, eta = 1/2: matched silos keep 5/8 and take 3/8', () => {
    expect(DEFAULT_EQUIDYN_OPTIONS.eta).toBe(0.5);
    const r = equidynSequence(4, 3).round(0);
    expect(r.edges.length).toBe(4);
    expect(r.weights).toEqual([0.375, 0.375, 0.375, 0.375]);
    expect(r.selfWeights).toEqual([0.625, 0.625, 0.625, 0.625]);
    // eta = 1: 1/n self, (n-1)/n from the peer; n = 2 is then exact averaging in one round
    const two = equidynSequence(2, 9, { eta: 1 }).round(5);
    expect(mixingMatrix(two, 2).map((row) => Array.from(row))).toEqual([[0.5, 0.5], [0.5, 0.5]]);
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
        for (const [a, b] of r.edges) { degree[a]++; degree[b]++; }
        // each matched pair lists i->j and j->i: 2 incidences per direction, one peer
        if (degree.some((d) => d !== 0 && d !== 2)) problems.push(`n = ${n}, round ${k}: not a matching`);
        if (n % 2 === 1 && !degree.includes(0)) problems.push(`n = ${n}, round ${k}: no idle silo`);
        for (let i = 0; i < n; i++) {
          let row = 0, col = 0;
          for (let j = 0; j < n; j++) {
            if (w[i][j] < 0 || w[i][j] !== w[j][i]) problems.push(`n = ${n}, round ${k}: W[${i}][${j}] = ${w[i][j]}`);
            row += w[i][j]; col += w[j][i];
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
    // measured (seed 1): 1.7e-10 after 50 rounds, 2.8e-17 after 200 rounds
    const seq = equidynSequence(16, 1);
    expect(distanceFromAverage(sequenceProduct(seq, 0, 50))).toBeLessThan(1e-9);
    const d = distanceFromAverage(sequenceProduct(seq, 0, 200));
    expect(d).toBeLessThan(1e-6);
    expect(d).toBeLessThan(1e-15);
  });

  it('n = 1 is idle every round; bad options are DflsimInputErrors naming the field', () => {
    expect(equidynSequence(1, 0).round(7)).toEqual({ edges: [], weights: [], selfWeights: [1] });
    const where = (f: () => unknown): string => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(DflsimInputError); return (e as DflsimInputError).where; }
      return 'no error';
    };
    expect(where(() => equidynSequence(8, 1, { eta: 0 }))).toBe('equidynSequence.eta');
    expect(where(() => equidynSequence(8, 1, { eta: 1.5 }))).toBe('equidynSequence.eta');
    expect(where(() => equidynSequence(8, 1, { shifts: [2, 8] }))).toBe('equidynSequence.shifts[1]');
    expect(where(() => equidynSequence(8, 1, { shifts: [] }))).toBe('equidynSequence.shifts');
    expect(where(() => equidynSequence(0, 1))).toBe('equidynSequence.n');
    expect(where(() => equidynSequence(8, Number.NaN))).toBe('equidynSequence.seed');
    expect(where(() => equidynSequence(8, 1).round(-2))).toBe('round');
  });
});
