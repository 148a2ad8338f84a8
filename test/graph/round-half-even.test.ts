/** The multigraph's multiplicities round halves to even (as Python's round does). */
import { describe, expect, it } from 'vitest';
import { edgeMultiplicities, roundHalfEven } from '../../src/multigraph/multigraph.js';

describe('roundHalfEven', () => {
  it('hand cases: halves go to the even neighbour, everything else to the nearest', () => {
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(2.4999)).toBe(2);
    expect(roundHalfEven(2.5001)).toBe(3);
    expect(roundHalfEven(-0.5)).toBe(0);
    expect(roundHalfEven(-1.5)).toBe(-2);
    expect(roundHalfEven(4)).toBe(4);
  });

  it('multiplicities min(t, round(d1 / dmin)), at least 1: d1 = 10, 15, 25, 35, 100 ms with t = 5', () => {
    // ratios 1, 1.5, 2.5, 3.5, 10 -> 1, 2, 2, 4, min(5, 10)
    expect(Array.from(edgeMultiplicities([10, 15, 25, 35, 100], 5))).toEqual([1, 2, 2, 4, 5]);
    expect(Array.from(edgeMultiplicities([10, 15, 25, 35, 100], 1))).toEqual([1, 1, 1, 1, 1]);
  });
});
