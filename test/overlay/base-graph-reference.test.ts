/**
 * The Base-(k+1) graph as its authors' code builds it (`overlay/base-graph-reference.ts`):
 * hand-checked small cases (n = 5, k = 1; n = 7, k = 1 and 2), each of the five
 * differences from dflsim's default construction shown on a small case, and the
 * properties both share (exact averaging, at most k peers, the same period).
 *
 * The hand cases were derived from the construction (comments below) and agree with what
 * the authors' `base_graph.py` produces for them; more widely, the same comparison for
 * n = 1..64 with k = 1..4, n = 1..40 with k = 5..7 and n = 216 with k = 7 (377 cases) gave
 * the same edges in every round and weights within 1.2e-16 (146 of these cases have the
 * same edges as dflsim's construction).
 */
import { describe, expect, it } from 'vitest';
import { baseGraphSequence } from '../../src/overlay/base-graph.js';
import { referenceBaseGraphSequence, referenceSimpleBaseGraphSequence } from '../../src/overlay/base-graph-reference.js';
import { distanceFromAverage, mixingMatrix, sequenceProduct, type MixingSequence } from '../../src/overlay/mixing-sequence.js';

/** A round given as cliques (uniform averaging) and pairs [a, b, w] (symmetric weight w; ends keep 1 - their pair weights). */
interface HandRound {
  cliques?: number[][];
  pairs?: [number, number, number][];
}

function handMatrix(n: number, r: HandRound): number[][] {
  const w = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (const c of r.cliques ?? []) for (const i of c) for (const j of c) w[i][j] = 1 / c.length;
  for (const [a, b, x] of r.pairs ?? []) {
    w[a][b] = x;
    w[b][a] = x;
    w[a][a] -= x;
    w[b][b] -= x;
  }
  return w;
}

function expectRounds(seq: MixingSequence, want: HandRound[]): void {
  expect(seq.period).toBe(want.length);
  want.forEach((r, k) => {
    const got = mixingMatrix(seq.round(k), seq.n),
      exp = handMatrix(seq.n, r);
    for (let i = 0; i < seq.n; i++)
      for (let j = 0; j < seq.n; j++) expect(Math.abs(got[i][j] - exp[i][j]), `round ${k} [${i}][${j}]`).toBeLessThan(1e-15);
  });
}

/** Undirected edges {a, b} of round k, as sorted "a-b" strings. */
function edgesOf(seq: MixingSequence, k: number): string[] {
  return [...new Set(seq.round(k).edges.map(([a, b]) => (a < b ? `${a}-${b}` : `${b}-${a}`)))].sort();
}

describe("the authors' Base-(k+1) construction: hand cases", () => {
  it('n = 5, k = 1 (5 = 4 + 1): their step-2 round also averages {0, 1}, left unpaired', () => {
    /*
     * V1 = {0,1,2,3} (one subgroup), V2 = {4}; T1 = 2 (H(4): {0,1},{2,3} then {0,2},{1,3}).
     * Round 2 (step 2): silo 4 takes the last silo of V1's subgroup, 3, weight 4/5; the silos
     * of V1 left unpaired, 0 1 2, average in cliques of k+1 = 2: {0,1} (2 stays alone).
     * Rounds 3-4 (step 3): H(4) on V1 again; V2 = {4} runs H(1), one identity round.
     */
    expectRounds(referenceBaseGraphSequence(5, 1), [
      {
        cliques: [
          [0, 1],
          [2, 3],
        ],
      },
      {
        cliques: [
          [0, 2],
          [1, 3],
        ],
      },
      { cliques: [[0, 1]], pairs: [[4, 3, 4 / 5]] },
      {
        cliques: [
          [0, 1],
          [2, 3],
        ],
      },
      {
        cliques: [
          [0, 2],
          [1, 3],
        ],
      },
    ]);
  });

  it('n = 7, k = 1 (7 = 4 + 2 + 1): V2 repeats its pair in round 1; step 2 pairs from the last group backwards', () => {
    /*
     * V1 = {0..3}, V2 = {4,5}, V3 = {6}; T1 = 2.
     * Round 1: V2's H(2) has one round; the reference runs it again (round 1 mod 1).
     * Round 2 (pull from V1, weight 4/7): V3 first: 6 takes 3; then V2: 4 takes 2, 5 takes 1;
     *   0 is left alone (a single unpaired silo does not average).
     * Round 3 (pull from V2, weight 2/(2+1) = 2/3): 6 takes 5; 4 alone (unpaired); V1 step 3
     *   round 0: {0,1},{2,3}.
     * Round 4: V1 step 3 round 1 {0,2},{1,3}; V2 step 3: {4,5}; V3 step 3: H(1).
     */
    expectRounds(referenceBaseGraphSequence(7, 1), [
      {
        cliques: [
          [0, 1],
          [2, 3],
          [4, 5],
        ],
      },
      {
        cliques: [
          [0, 2],
          [1, 3],
          [4, 5],
        ],
      },
      {
        pairs: [
          [6, 3, 4 / 7],
          [4, 2, 4 / 7],
          [5, 1, 4 / 7],
        ],
      },
      {
        cliques: [
          [0, 1],
          [2, 3],
        ],
        pairs: [[6, 5, 2 / 3]],
      },
      {
        cliques: [
          [0, 2],
          [1, 3],
          [4, 5],
        ],
      },
    ]);
  });

  it('n = 7, k = 2 (7 = 2·3 + 1): the unpaired silos 0, 1, 3 average across subgroups', () => {
    /*
     * V1 = {0..5} with subgroups {0,1,2}, {3,4,5}; V2 = {6}. H(6) with factors 2, 3: pairs
     * {0,1},{2,3},{4,5}, then cliques {0,2,4},{1,3,5}; T1 = 2.
     * Round 2: 6 takes the last of each subgroup, 2 and 5, weight 6/7/2 = 3/7 each (6 keeps
     *   1/7); the unpaired 0, 1, 3, 4 average in cliques of k+1 = 3, in order: {0,1,3}, 4 alone.
     * Round 3: step 3, H(3) on each subgroup: {0,1,2}, {3,4,5}.
     */
    expectRounds(referenceBaseGraphSequence(7, 2), [
      {
        cliques: [
          [0, 1],
          [2, 3],
          [4, 5],
        ],
      },
      {
        cliques: [
          [0, 2, 4],
          [1, 3, 5],
        ],
      },
      {
        cliques: [[0, 1, 3]],
        pairs: [
          [6, 2, 3 / 7],
          [6, 5, 3 / 7],
        ],
      },
      {
        cliques: [
          [0, 1, 2],
          [3, 4, 5],
        ],
      },
    ]);
  });
});

describe("the five differences from dflsim's construction, one small case each", () => {
  it('1. step 1: a group that finishes early repeats its rounds (n = 7, k = 1, round 1: {4,5} again)', () => {
    expect(edgesOf(referenceBaseGraphSequence(7, 1), 1)).toEqual(['0-2', '1-3', '4-5']);
    expect(edgesOf(baseGraphSequence(7, 1), 1)).toEqual(['0-2', '1-3']);
  });

  it("2. step 2: V_s's unpaired silos average among themselves (n = 5, k = 1, round 2: {0,1})", () => {
    expect(edgesOf(referenceBaseGraphSequence(5, 1), 2)).toEqual(['0-1', '3-4']);
    expect(edgesOf(baseGraphSequence(5, 1), 2)).toEqual(['3-4']);
  });

  it('3. step 2 pairs from the last group backwards (n = 7, k = 1, round 2)', () => {
    expect(edgesOf(referenceBaseGraphSequence(7, 1), 2)).toEqual(['1-5', '2-4', '3-6']);
    expect(edgesOf(baseGraphSequence(7, 1), 2)).toEqual(['1-6', '2-5', '3-4']);
  });

  it('4. step 3 keeps cycling after a subgroup finished (n = 11 = 8 + 2 + 1, k = 1, round 6: {8,9} again)', () => {
    // V1 = {0..7} (H(8): 3 rounds), V2 = {8,9}, V3 = {10}; pulls in rounds 3 and 4; V2's
    // step 3 (one round) in round 5; V1's step 3 in rounds 4-6
    const ref = referenceBaseGraphSequence(11, 1),
      own = baseGraphSequence(11, 1);
    expect(ref.period).toBe(7);
    expect(own.period).toBe(7);
    expect(edgesOf(ref, 5)).toContain('8-9');
    expect(edgesOf(own, 5)).toContain('8-9');
    expect(edgesOf(ref, 6)).toContain('8-9');
    expect(edgesOf(own, 6)).not.toContain('8-9');
  });

  it('5. the last group runs step 3 too (n = 5 = 3 + 2, k = 2, round 2: {3,4})', () => {
    expect(edgesOf(referenceBaseGraphSequence(5, 2), 2)).toEqual(['0-1', '0-2', '1-2', '3-4']);
    expect(edgesOf(baseGraphSequence(5, 2), 2)).toEqual(['0-1', '0-2', '1-2']);
  });

  it("the hyper-hypercube's factors: greedy from k+1 down in the reference (n = 216, k = 7: 3·3·3·8, four rounds; dflsim 6·6·6, three)", () => {
    expect(referenceBaseGraphSequence(216, 7).period).toBe(4);
    expect(baseGraphSequence(216, 7).period).toBe(3);
  });
});

describe('properties of the reference construction', () => {
  it("exact averaging (to 1e-12), at most k peers, symmetric rounds, and dflsim's period, for n = 1..40, k = 1..4", () => {
    // measured: max |P_ij - 1/n| = 5.6e-17 over these (n, k)
    let worst = 0;
    const problems: string[] = [];
    for (let k = 1; k <= 4; k++) {
      for (let n = 1; n <= 40; n++) {
        for (const seq of [referenceBaseGraphSequence(n, k), referenceSimpleBaseGraphSequence(n, k)]) {
          worst = Math.max(worst, distanceFromAverage(sequenceProduct(seq, 0, seq.period!)));
          for (let r = 0; r < seq.period!; r++) {
            const peers = Array.from({ length: n }, () => new Set<number>());
            for (const [a, b] of seq.round(r).edges) {
              peers[a].add(b);
              peers[b].add(a);
            }
            if (peers.some((p) => p.size > k)) problems.push(`n = ${n}, k = ${k}, round ${r}: more than k peers`);
            const w = mixingMatrix(seq.round(r), n);
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++)
                if (w[i][j] < 0 || Math.abs(w[i][j] - w[j][i]) > 1e-15) problems.push(`n = ${n}, k = ${k}, round ${r}: W[${i}][${j}]`);
          }
        }
        if (referenceBaseGraphSequence(n, k).period !== baseGraphSequence(n, k).period) problems.push(`n = ${n}, k = ${k}: period differs`);
      }
    }
    expect(problems).toEqual([]);
    expect(worst).toBeLessThan(1e-12);
  });

  it('n = 245, k = 2 (a group of exactly 3^5): eleven rounds of at most two peers, exact averaging', () => {
    // CPython's int(math.log(243, 3)) is 4: the authors' code then splits that group into
    // three subgroups of 81 (ten rounds, one with three peers); exact integers here
    const seq = referenceBaseGraphSequence(245, 2);
    expect(seq.period).toBe(11);
    for (let r = 0; r < 11; r++) {
      const peers = Array.from({ length: 245 }, () => new Set<number>());
      for (const [a, b] of seq.round(r).edges) {
        peers[a].add(b);
        peers[b].add(a);
      }
      expect(Math.max(...peers.map((p) => p.size))).toBeLessThanOrEqual(2);
    }
    expect(distanceFromAverage(sequenceProduct(seq, 0, 11))).toBeLessThan(1e-12);
  });

  it("bad arguments name the function's field", () => {
    expect(() => referenceBaseGraphSequence(0, 1)).toThrow(/referenceBaseGraphSequence\.n/);
    expect(() => referenceBaseGraphSequence(5, 0)).toThrow(/referenceBaseGraphSequence\.k/);
  });
});
