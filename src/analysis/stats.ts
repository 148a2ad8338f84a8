/**
 * Small-sample statistics over seeds: means with Student-t confidence intervals, and paired
 * or Welch t-tests. The t distribution's quantiles and CDF come from stdlib.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** A mean over seeds with its confidence interval. */
export interface Interval {
  /** Number of values. */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for one value. */
  sd: number;
  /** Interval bounds (NaN for one value: no interval). */
  low: number;
  high: number;
  /** Half the interval's width (NaN for one value). */
  halfWidth: number;
  /** Confidence level (0.95). */
  level: number;
}

/** Arithmetic mean (NaN for no values). */
export function mean(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); NaN below two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/**
 * Mean and Student-t confidence interval: mean ± t(1 - (1 - level)/2, n - 1) · sd / √n.
 * With one value the interval is undefined (NaN bounds).
 */
export function meanInterval(xs: readonly number[], level = 0.95): Interval {
  const n = xs.length;
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (n < 2) return { n, mean: m, sd, low: NaN, high: NaN, halfWidth: NaN, level };
  const h = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, low: m - h, high: m + h, halfWidth: h, level };
}

/** A t-test of a mean difference. */
export interface TTest {
  /** Pairs (paired) or the smaller sample (Welch). */
  n: number;
  /** Mean difference and its confidence interval. */
  meanDiff: number;
  low: number;
  high: number;
  /** t statistic and degrees of freedom. */
  t: number;
  df: number;
  /** Two-sided p-value (1 when there is no difference at all, NaN below two values). */
  p: number;
}

function twoSided(t: number, df: number): number {
  if (Number.isNaN(t)) return 1;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
}

/**
 * Paired t-test of differences d_i (e.g. log time of B minus log time of A, seed by seed):
 * t = mean(d) / (sd(d)/√n) on n - 1 degrees of freedom. All-equal differences give p = 0
 * (when not zero) or 1 (when zero).
 */
export function pairedTTest(diffs: readonly number[], level = 0.95): TTest {
  const n = diffs.length;
  const m = mean(diffs);
  if (n < 2) return { n, meanDiff: m, low: NaN, high: NaN, t: NaN, df: 0, p: NaN };
  const sd = sampleSd(diffs);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const t = se > 0 ? m / se : m === 0 ? NaN : m > 0 ? Infinity : -Infinity;
  const h = tQuantile(1 - (1 - level) / 2, df) * se;
  return { n, meanDiff: m, low: m - h, high: m + h, t, df, p: twoSided(t, df) };
}

/**
 * Welch's t-test of mean(b) - mean(a) for unpaired samples (Welch-Satterthwaite degrees of
 * freedom).
 */
export function welchTTest(a: readonly number[], b: readonly number[], level = 0.95): TTest {
  const n = Math.min(a.length, b.length);
  const m = mean(b) - mean(a);
  if (a.length < 2 || b.length < 2) return { n, meanDiff: m, low: NaN, high: NaN, t: NaN, df: 0, p: NaN };
  const va = sampleSd(a) ** 2 / a.length;
  const vb = sampleSd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0)
    return { n, meanDiff: m, low: m, high: m, t: m === 0 ? NaN : Math.sign(m) * Infinity, df: a.length + b.length - 2, p: m === 0 ? 1 : 0 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t = m / se;
  const h = tQuantile(1 - (1 - level) / 2, df) * se;
  return { n, meanDiff: m, low: m - h, high: m + h, t, df, p: twoSided(t, df) };
}
