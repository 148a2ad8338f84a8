/**
 * The Base-(k+1) graph (Takezawa et al., NeurIPS 2023): finite-time exact averaging for
 * every n and k, at most k peers per silo per round, hand-written small cases.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { baseGraphSequence, hyperHypercubeSequence, simpleBaseGraphSequence } from '../../src/overlay/base-graph.js';
import { distanceFromAverage, mixingMatrix, sequenceProduct, type MixingSequence } from '../../src/overlay/mixing-sequence.js';

const matrices = (seq: MixingSequence): number[][][] =>
  Array.from({ length: seq.period! }, (_, k) => mixingMatrix(seq.round(k), seq.n).map((r) => Array.from(r)));

function expectMatrices(got: number[][][], want: number[][][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((m, k) => m.forEach((row, i) => row.forEach((x, j) => expect(x, `round ${k} [${i}][${j}]`).toBeCloseTo(want[k][i][j], 15))));
}

/** Distinct neighbours (in and out) of each silo in round k. */
function peerCounts(seq: MixingSequence, k: number): number[] {
  const peers = Array.from({ length: seq.n }, () => new Set<number>());
  for (const [a, b] of seq.round(k).edges) {
    peers[a].add(b);
    peers[b].add(a);
  }
  return peers.map((s) => s.size);
}

describe('Base-(k+1) graph: exact finite-time consensus', () => {
  it('one period multiplies to (1/n) 11^T for n = 2..40, k = 1..4 (to 1e-12)', () => {
    // measured: max |P_ij - 1/n| = 5.6e-17 over all these (n, k), for both sequences
    let worst = 0;
    for (let k = 1; k <= 4; k++) {
      for (let n = 2; n <= 40; n++) {
        for (const seq of [baseGraphSequence(n, k), simpleBaseGraphSequence(n, k)]) {
          const d = distanceFromAverage(sequenceProduct(seq, 0, seq.period!));
          expect(d, `n = ${n}, k = ${k}`).toBeLessThan(1e-12);
          worst = Math.max(worst, d);
        }
      }
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it('every round: at most k distinct peers per silo, rows and columns sum to 1, entries >= 0, symmetric', () => {
    const problems: string[] = [];
    let worstSum = 0;
    for (let k = 1; k <= 4; k++) {
      for (let n = 1; n <= 40; n++) {
        const seq = baseGraphSequence(n, k);
        for (let r = 0; r < seq.period!; r++) {
          expect(Math.max(...peerCounts(seq, r)), `n = ${n}, k = ${k}, round ${r}`).toBeLessThanOrEqual(k);
          const w = mixingMatrix(seq.round(r), n);
          for (let i = 0; i < n; i++) {
            let row = 0,
              col = 0;
            for (let j = 0; j < n; j++) {
              if (w[i][j] < 0 || w[i][j] !== w[j][i]) problems.push(`n = ${n}, k = ${k}, round ${r}: W[${i}][${j}] = ${w[i][j]}`);
              row += w[i][j];
              col += w[j][i];
            }
            worstSum = Math.max(worstSum, Math.abs(row - 1), Math.abs(col - 1));
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(worstSum).toBeLessThan(1e-15); // measured: 0
  });

  it('period lengths for k = 1, n = 2..16 (hand-checked against the construction)', () => {
    // e.g. n = 5 = 4 + 1: H(4) 2 rounds, 1 pull round, H(4) 2 rounds = 5;
    // n = 10 = 2 * 5: simple(5) then H(2) = 6 beats simple(10) = 8 + 2: 3 + 1 + 3 = 7;
    // n = 12 = 4 * 3: simple(3) + H(4) = 3 + 2 = 5.
    const periods = Array.from({ length: 15 }, (_, i) => baseGraphSequence(i + 2, 1).period);
    expect(periods).toEqual([1, 3, 2, 5, 4, 5, 3, 7, 6, 7, 5, 7, 6, 7, 4]);
    expect(baseGraphSequence(1, 3).period).toBe(1);
    expect(baseGraphSequence(1, 3).round(0)).toEqual({ edges: [], weights: [], selfWeights: [1] });
  });
});

describe('Base-(k+1) graph: hand cases', () => {
  const h = 0.5,
    t = 1 / 3,
    tt = 2 / 3;

  it('n = 3, k = 1 (3 = 2 + 1): pair, pull with weight 2/3, pair', () => {
    expectMatrices(matrices(baseGraphSequence(3, 1)), [
      [
        [h, h, 0],
        [h, h, 0],
        [0, 0, 1],
      ],
      [
        [1, 0, 0],
        [0, t, tt],
        [0, tt, t],
      ],
      [
        [h, h, 0],
        [h, h, 0],
        [0, 0, 1],
      ],
    ]);
  });

  it('n = 4, k = 1: the hypercube {0,1},{2,3} then {0,2},{1,3}', () => {
    expectMatrices(matrices(baseGraphSequence(4, 1)), [
      [
        [h, h, 0, 0],
        [h, h, 0, 0],
        [0, 0, h, h],
        [0, 0, h, h],
      ],
      [
        [h, 0, h, 0],
        [0, h, 0, h],
        [h, 0, h, 0],
        [0, h, 0, h],
      ],
    ]);
  });

  it('n = 6, k = 1: Base-2 on the blocks {0,1,2}, {3,4,5}, then pairs {j, j+3}', () => {
    const z = [0, 0, 0];
    const block3 = (m: number[][]): number[][] => [...m.map((r) => [...r, ...z]), ...m.map((r) => [...z, ...r])];
    const pair01 = [
      [h, h, 0],
      [h, h, 0],
      [0, 0, 1],
    ];
    const pull = [
      [1, 0, 0],
      [0, t, tt],
      [0, tt, t],
    ];
    const across = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i % 3 === j % 3 ? h : 0)));
    expectMatrices(matrices(baseGraphSequence(6, 1)), [block3(pair01), block3(pull), block3(pair01), across]);
    // the simple Base-2 graph on 6 = 4 + 2 is one round longer
    expect(simpleBaseGraphSequence(6, 1).period).toBe(5);
  });

  it('n = 5, k = 2 (5 = 3 + 2 in base 3): clique of 3 and pair, pull, clique of 3', () => {
    // V1 = {0,1,2} (one subgroup), V2 = {3,4}; pull weight 3/5; silos 3, 4 pair with 2, 1.
    const c = 1 / 3,
      p = 3 / 5,
      q = 2 / 5;
    expectMatrices(matrices(baseGraphSequence(5, 2)), [
      [
        [c, c, c, 0, 0],
        [c, c, c, 0, 0],
        [c, c, c, 0, 0],
        [0, 0, 0, h, h],
        [0, 0, 0, h, h],
      ],
      [
        [1, 0, 0, 0, 0],
        [0, q, 0, 0, p],
        [0, 0, q, p, 0],
        [0, 0, p, q, 0],
        [0, p, 0, 0, q],
      ],
      [
        [c, c, c, 0, 0],
        [c, c, c, 0, 0],
        [c, c, c, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
      ],
    ]);
  });

  it('the hyper-hypercube uses the fewest factors in [2, k+1]: 12 with k = 3 is 3 x 4', () => {
    const seq = hyperHypercubeSequence(12, 3);
    expect(seq.period).toBe(2);
    expect(peerCounts(seq, 0)).toEqual(new Array(12).fill(2)); // cliques {0,1,2}, {3,4,5}, ...
    expect(peerCounts(seq, 1)).toEqual(new Array(12).fill(3)); // cliques {0,3,6,9}, ...
    expect(distanceFromAverage(sequenceProduct(seq, 0, 2))).toBeLessThan(1e-15);
  });
});

describe('Base-(k+1) graph: input errors', () => {
  it('rejects n < 1, k < 1 and non-integers, naming the argument', () => {
    try {
      baseGraphSequence(5, 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DflsimInputError);
      expect((e as DflsimInputError).where).toBe('baseGraphSequence.k');
    }
    expect(() => baseGraphSequence(0, 1)).toThrow(DflsimInputError);
    expect(() => baseGraphSequence(4.5, 1)).toThrow(/baseGraphSequence\.n/);
    expect(() => hyperHypercubeSequence(7, 2)).toThrow(/prime factor larger than k \+ 1 = 3/);
  });
});
