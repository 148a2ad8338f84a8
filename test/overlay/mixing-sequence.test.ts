/**
 * The shared weighted-round helpers: dense matrices, products (first round acts first),
 * relabelling positions onto silos, and input errors.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import {
  distanceFromAverage,
  matrixProduct,
  mixingMatrix,
  periodicSequence,
  relabel,
  sequenceProduct,
  type MixingSequence,
  type WeightedRound,
} from '../../src/overlay/mixing-sequence.js';

const rows = (m: Float64Array[]): number[][] => m.map((r) => Array.from(r));

describe('mixingMatrix and products', () => {
  it('puts W[to][from] and the self weights on the diagonal (hand case)', () => {
    const r: WeightedRound = {
      edges: [
        [0, 1],
        [2, 1],
        [1, 0],
      ],
      weights: [0.25, 0.25, 0.5],
      selfWeights: [0.5, 0.5, 1],
    };
    expect(rows(mixingMatrix(r, 3))).toEqual([
      [0.5, 0.5, 0],
      [0.25, 0.5, 0.25],
      [0, 0, 1],
    ]);
  });

  it('multiplies 2 x 2 matrices (hand case)', () => {
    const a = [Float64Array.of(1, 2), Float64Array.of(3, 4)];
    const b = [Float64Array.of(5, 6), Float64Array.of(7, 8)];
    expect(rows(matrixProduct(a, b))).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  it('sequenceProduct applies round 0 first: W(1) W(0)', () => {
    // Round 0: silo 1 copies silo 0. Round 1: silo 2 copies silo 1. Together silo 2 ends with x0.
    const r0: WeightedRound = { edges: [[0, 1]], weights: [1], selfWeights: [1, 0, 1] };
    const r1: WeightedRound = { edges: [[1, 2]], weights: [1], selfWeights: [1, 1, 0] };
    const seq = periodicSequence(3, [r0, r1]);
    expect(rows(sequenceProduct(seq, 0, 2))).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    // The other order (round 1 then round 0 again, starting at k = 1): silo 2 gets the old x1.
    expect(rows(sequenceProduct(seq, 1, 2))).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(rows(sequenceProduct(seq, 5, 0))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });

  it('distanceFromAverage is max |M_ij - 1/n|', () => {
    expect(distanceFromAverage([Float64Array.of(0.5, 0.5), Float64Array.of(0.5, 0.5)])).toBe(0);
    expect(distanceFromAverage([Float64Array.of(1, 0), Float64Array.of(0.25, 0.75)])).toBe(0.5);
  });

  it('periodicSequence repeats, copies what it returns, and rejects bad round indices', () => {
    const r0: WeightedRound = { edges: [[0, 1]], weights: [0.5], selfWeights: [1, 0.5] };
    const seq = periodicSequence(2, [r0, { edges: [], weights: [], selfWeights: [1, 1] }]);
    expect(seq.period).toBe(2);
    expect(seq.round(4)).toEqual(r0);
    const got = seq.round(0);
    got.edges[0][0] = 1;
    got.weights[0] = 9;
    got.selfWeights[0] = 9;
    r0.weights[0] = 7; // the input was copied at construction too
    expect(seq.round(0)).toEqual({ edges: [[0, 1]], weights: [0.5], selfWeights: [1, 0.5] });
    expect(() => seq.round(-1)).toThrow(DflsimInputError);
    expect(() => seq.round(1.5)).toThrow(/round index/);
  });

  it('rejects malformed rounds with DflsimInputError naming the field', () => {
    const bad: WeightedRound = { edges: [[0, 3]], weights: [1], selfWeights: [1, 1, 1] };
    try {
      mixingMatrix(bad, 3);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DflsimInputError);
      expect((e as DflsimInputError).where).toBe('mixingMatrix.edges[0]');
    }
    expect(() => mixingMatrix({ edges: [], weights: [], selfWeights: [1] }, 2)).toThrow(/selfWeights/);
  });
});

describe('relabel', () => {
  // Positions 0..3 carry: 0 -> 1 (weight 0.5), 1 -> 2 (weight 0.25); self weights 1, 0.5, 0.75, 1.
  const onPositions: MixingSequence = {
    n: 4,
    period: 1,
    round: () => ({
      edges: [
        [0, 1],
        [1, 2],
      ],
      weights: [0.5, 0.25],
      selfWeights: [1, 0.5, 0.75, 1],
    }),
  };
  const order = [2, 0, 3, 1]; // position p holds silo order[p]

  it('maps position edges and self weights onto silos (4-silo hand case)', () => {
    const seq = relabel(onPositions, order);
    expect(seq.n).toBe(4);
    expect(seq.period).toBe(1);
    // position edge 0->1 is silo 2 -> silo 0; 1->2 is silo 0 -> silo 3.
    expect(seq.round(0)).toEqual({
      edges: [
        [2, 0],
        [0, 3],
      ],
      weights: [0.5, 0.25],
      selfWeights: [0.5, 1, 1, 0.75],
    });
    // W_silo[order[p]][order[q]] = W_position[p][q]
    const wp = mixingMatrix(onPositions.round(0), 4);
    const ws = mixingMatrix(seq.round(0), 4);
    for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) expect(ws[order[p]][order[q]]).toBe(wp[p][q]);
  });

  it('rejects an order that is not a permutation', () => {
    expect(() => relabel(onPositions, [0, 1, 2])).toThrow(DflsimInputError);
    try {
      relabel(onPositions, [0, 1, 1, 3]);
      expect.unreachable();
    } catch (e) {
      expect((e as DflsimInputError).where).toBe('relabel.order[2]');
    }
    expect(() => relabel(onPositions, [0, 1, 2, 4])).toThrow(/outside 0..3/);
  });
});
