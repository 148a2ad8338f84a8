import { describe, expect, it } from 'vitest';
import { mean, meanInterval, pairedTTest, sampleSd, welchTTest } from '../../src/analysis/stats.js';

describe('statistics over seeds', () => {
  it('mean and sample standard deviation of a hand-checked sample', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    // sum of squares 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 14);
    expect(Number.isNaN(sampleSd([7]))).toBe(true);
  });

  it('Student-t interval: t(0.975, 2) = 4.302653 (tables), so [1, 2, 3] gives 2 ± 4.302653/√3', () => {
    const i = meanInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.halfWidth).toBeCloseTo(4.302653 / Math.sqrt(3), 5);
    expect(i.low).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
    // one value: no interval
    const one = meanInterval([5]);
    expect(one.mean).toBe(5);
    expect(Number.isNaN(one.low) && Number.isNaN(one.halfWidth)).toBe(true);
  });

  it('paired t-test of differences [1, 2, 3]: t = 2√3, df 2, p = 0.0742 (closed form of the t CDF for 2 degrees of freedom)', () => {
    const t = pairedTTest([1, 2, 3]);
    expect(t.t).toBeCloseTo(2 * Math.sqrt(3), 12);
    expect(t.df).toBe(2);
    // df = 2: F(t) = 1/2 + t / (2 √(2 + t²)), so p = 1 - t/√(2 + t²)
    expect(t.p).toBeCloseTo(1 - t.t / Math.sqrt(2 + t.t * t.t), 10);
    expect(t.p).toBeCloseTo(0.0742, 4);
  });

  it('equal differences: p = 0 unless they are all zero (p = 1)', () => {
    expect(pairedTTest([0.5, 0.5, 0.5]).p).toBe(0);
    expect(pairedTTest([0, 0, 0]).p).toBe(1);
    expect(Number.isNaN(pairedTTest([1]).p)).toBe(true);
  });

  it('Welch: a shift far beyond the spread is clear, overlapping samples are not', () => {
    expect(welchTTest([1, 1.1, 0.9], [2, 2.1, 1.9]).p).toBeLessThan(0.001);
    expect(welchTTest([1, 2, 3], [1.5, 2.5, 2]).p).toBeGreaterThan(0.5);
  });
});
