/**
 * Analysis of a training experiment's runs: their verdict ({@link decideVerdict}) and the
 * mean curves over seeds with their intervals. Pure functions of the runs' metrics; the
 * report renders the results.
 */
import type { MetricRow } from '../learning/dpasgd.js';
import { meanInterval, pairedTTest, type Interval } from './stats.js';
import { decideVerdict, type SeedRun, type Verdict, type VerdictRules } from './verdict.js';

/** What the analysis reads of a run. */
export interface AnalysedRun {
  /** The compared condition (topology or sweep point without the seed). */
  condition: string;
  seed: number;
  metrics: readonly MetricRow[];
  summary: {
    task?: 'regression' | 'classification';
    constantPredictorRmse: number | null;
    majorityClassAccuracy?: number | null;
    rounds: number;
    simulatedMs: number;
  };
}

/** The evaluated metric of a task. */
export function taskMetric(task: 'regression' | 'classification'): 'testRmse' | 'testAccuracy' {
  return task === 'regression' ? 'testRmse' : 'testAccuracy';
}

/** The task of a set of runs (classification when any run classifies). */
export function runsTask(runs: readonly AnalysedRun[]): 'regression' | 'classification' {
  return runs.some((r) => r.summary.task === 'classification' || r.metrics.some((m) => m.testAccuracy != null))
    ? 'classification'
    : 'regression';
}

/**
 * How runs' metrics compare: their task and metric, each run's baseline, and whether
 * regression runs are compared relative to their own constant predictor (seeds that draw
 * other data give other baselines).
 */
export function runScale(runs: readonly AnalysedRun[]): {
  task: 'regression' | 'classification';
  metric: 'testRmse' | 'testAccuracy';
  baselines: number[];
  relative: boolean;
} {
  const task = runsTask(runs);
  const baselines = runs.map((r) => (task === 'regression' ? r.summary.constantPredictorRmse : r.summary.majorityClassAccuracy) ?? NaN);
  const finite = baselines.filter((b) => Number.isFinite(b));
  const same = finite.length === baselines.length && finite.every((b) => Math.abs(b - finite[0]) <= 1e-12 * Math.abs(finite[0]));
  return { task, metric: taskMetric(task), baselines, relative: task === 'regression' && !same && finite.length === baselines.length };
}

/**
 * The verdict of a training experiment: runs grouped by condition over their seeds.
 * Regression runs whose constant predictors differ (seeds drawing other data) are compared
 * relative to their own; classification runs against the highest majority-class accuracy.
 * Null without runs.
 */
export function trainingVerdict(runs: readonly AnalysedRun[], rules?: Partial<VerdictRules>, noun = 'topology'): Verdict | null {
  if (!runs.length) return null;
  const { task, metric, baselines, relative } = runScale(runs);
  const finite = baselines.filter((b) => Number.isFinite(b));
  const baseline = relative ? 1 : finite.length ? (task === 'regression' ? finite[0] : Math.max(...finite)) : NaN;
  const seedRuns: SeedRun[] = runs.map((r, i) => ({
    condition: r.condition,
    seed: r.seed,
    rounds: r.summary.rounds,
    endMs: r.summary.simulatedMs,
    evals: r.metrics
      .filter((m) => m[metric] != null && Number.isFinite(m[metric] as number))
      .map((m) => ({
        round: m.round,
        simulatedMs: m.simulatedMs,
        value: relative ? (m[metric] as number) / baselines[i] : (m[metric] as number),
      })),
  }));
  return decideVerdict({ task, baseline, runs: seedRuns, rules, noun, relative });
}

/** One point of a mean curve: the mean over the seeds that have it, and its interval. */
export interface BandPoint {
  condition: string;
  /** Round (1-based) or simulated seconds, as asked. */
  x: number;
  mean: number;
  /** Interval bounds (equal to the mean with one seed). */
  low: number;
  high: number;
  /** Seeds averaged. */
  n: number;
}

/**
 * Mean curves over seeds, by condition: the k-th evaluation of every seed averaged (value and
 * position: its round, or its simulated time in seconds), with a Student-t interval of the
 * value. Seeds evaluate at the same rounds (same config), so the rounds agree; their
 * simulated times may differ slightly when the clock depends on the seed.
 */
export function meanCurves(
  runs: readonly AnalysedRun[],
  metric: 'testRmse' | 'testLoss' | 'testAccuracy',
  axis: 'round' | 'simulatedS',
  level = 0.95,
): BandPoint[] {
  const out: BandPoint[] = [];
  const conditions = [...new Set(runs.map((r) => r.condition))];
  for (const c of conditions) {
    const series = runs
      .filter((r) => r.condition === c)
      .map((r) => r.metrics.filter((m) => m[metric] != null && Number.isFinite(m[metric] as number)));
    const len = Math.max(0, ...series.map((s) => s.length));
    for (let k = 0; k < len; k++) {
      const rows = series.filter((s) => s.length > k).map((s) => s[k]);
      const values = rows.map((m) => m[metric] as number);
      const i = meanInterval(values, level);
      const xs = rows.map((m) => (axis === 'round' ? m.round + 1 : m.simulatedMs / 1000));
      const x = xs.reduce((a, b) => a + b, 0) / xs.length;
      out.push({
        condition: c,
        x,
        mean: i.mean,
        low: Number.isFinite(i.low) ? i.low : i.mean,
        high: Number.isFinite(i.high) ? i.high : i.mean,
        n: values.length,
      });
    }
  }
  return out;
}

/** One condition's metric at the equal budgets of {@link equalBudgets}, over its seeds. */
export interface EqualBudgetRow {
  condition: string;
  seeds: number;
  /** The metric after the common rounds. */
  atRounds: Interval;
  /** The metric at the common simulated time, over the seeds evaluated by then. */
  atTime: Interval;
  /** Seeds with an evaluation at or before the common time (a slow topology's first may come later). */
  evaluatedByTime: number;
}

/** The runs compared at equal rounds and at equal simulated time (the papers' two views). */
export interface EqualBudgets {
  metric: 'testRmse' | 'testAccuracy';
  /** Regression over seeds with other constant predictors: values are each run's RMSE over its own constant predictor's. */
  relative: boolean;
  /** The common round index: the last evaluated round every run reached (0-based, as metrics.csv). */
  round: number;
  /** The common simulated time: the last evaluation time every run reached (ms). */
  simulatedMs: number;
  rows: EqualBudgetRow[];
}

/**
 * Every condition's metric at the budget every run reached, in rounds and in simulated time:
 * a run's value at round R is its last evaluation at a round <= R, where R is the smallest of
 * the runs' last evaluated rounds; likewise at time T, the smallest of their last evaluation
 * times (regression runs whose constant predictors differ are taken relative to their own, as
 * the verdict takes them; a run first evaluated after T has no value there, and is left out of that mean). Mean
 * and 95% interval over each condition's seeds, conditions in first-seen order.
 * Null without runs, or when a run has no evaluation.
 */
export function equalBudgets(runs: readonly AnalysedRun[]): EqualBudgets | null {
  const v = budgetValues(runs);
  if (!v) return null;
  const order: string[] = [];
  const by = new Map<string, { r: number[]; t: number[] }>();
  runs.forEach((run, i) => {
    let g = by.get(run.condition);
    if (!g) {
      by.set(run.condition, (g = { r: [], t: [] }));
      order.push(run.condition);
    }
    g.r.push(v.atRound[i]);
    g.t.push(v.atTime[i]);
  });
  return {
    metric: v.metric,
    relative: v.relative,
    round: v.round,
    simulatedMs: v.simulatedMs,
    rows: order.map((c) => {
      const g = by.get(c)!;
      const t = g.t.filter((x) => Number.isFinite(x));
      return { condition: c, seeds: g.r.length, atRounds: meanInterval(g.r), atTime: meanInterval(t), evaluatedByTime: t.length };
    }),
  };
}

/**
 * Each run's metric at the common round and the common simulated time of {@link equalBudgets}
 * (NaN where a run was first evaluated after the common time). Null without runs, or when a
 * run has no evaluation.
 */
function budgetValues(runs: readonly AnalysedRun[]): {
  metric: 'testRmse' | 'testAccuracy';
  relative: boolean;
  round: number;
  simulatedMs: number;
  atRound: number[];
  atTime: number[];
} | null {
  if (!runs.length) return null;
  const { metric, baselines, relative } = runScale(runs);
  const evals = runs.map((r) => r.metrics.filter((m) => m[metric] != null && Number.isFinite(m[metric] as number)));
  if (evals.some((e) => e.length === 0)) return null;
  const round = Math.min(...evals.map((e) => Math.max(...e.map((m) => m.round))));
  const simulatedMs = Math.min(...evals.map((e) => Math.max(...e.map((m) => m.simulatedMs))));
  const lastBy = (e: readonly MetricRow[], ok: (m: MetricRow) => boolean): number => {
    let best: MetricRow | undefined;
    for (const m of e) if (ok(m) && (!best || m.round > best.round)) best = m;
    return best ? (best[metric] as number) : NaN;
  };
  const scale = (i: number): number => (relative ? baselines[i] : 1);
  return {
    metric,
    relative,
    round,
    simulatedMs,
    atRound: evals.map((e, i) => lastBy(e, (m) => m.round <= round) / scale(i)),
    atTime: evals.map((e, i) => lastBy(e, (m) => m.simulatedMs <= simulatedMs) / scale(i)),
  };
}

/** One condition against the reference at a budget: the seed-paired difference (condition minus reference). */
export interface PairedDifference {
  /** Seeds both ran (and, at equal time, both had evaluated by then). */
  seeds: number;
  /** Mean difference and its confidence interval (NaN bounds below two seeds). */
  meanDiff: number;
  low: number;
  high: number;
  /** Two-sided p-value of the paired t-test (NaN below two seeds). */
  p: number;
}

/** A condition against the reference at equal rounds and at equal simulated time. */
export interface DifferenceRow {
  condition: string;
  atRounds: PairedDifference;
  atTime: PairedDifference;
}

/** Every condition against one reference condition at the budgets of {@link equalBudgets}. */
export interface Differences {
  metric: 'testRmse' | 'testAccuracy';
  relative: boolean;
  reference: string;
  round: number;
  simulatedMs: number;
  rows: DifferenceRow[];
}

/**
 * The seed-paired differences from a reference condition (default the first; reports pass
 * RING's when it ran) at equal rounds and equal simulated time: for each other condition, its metric
 * minus the reference's in the same seed, with a paired t interval over the seeds both ran.
 * Null when no seed ran two conditions, or without evaluations.
 */
export function pairedDifferences(runs: readonly AnalysedRun[], reference?: string, level = 0.95): Differences | null {
  const v = budgetValues(runs);
  if (!v) return null;
  const conditions = [...new Set(runs.map((r) => r.condition))];
  const ref = reference ?? conditions[0]!;
  if (!conditions.includes(ref)) return null;
  const valueOf = (values: number[], condition: string): Map<number, number> =>
    new Map(
      runs.flatMap((r, i) => (r.condition === condition && Number.isFinite(values[i]) ? [[r.seed, values[i]] as [number, number]] : [])),
    );
  const paired = (values: number[], condition: string): PairedDifference => {
    const a = valueOf(values, condition);
    const b = valueOf(values, ref);
    const diffs = [...a.keys()].filter((s) => b.has(s)).map((s) => a.get(s)! - b.get(s)!);
    const t = pairedTTest(diffs, level);
    return { seeds: diffs.length, meanDiff: t.meanDiff, low: t.low, high: t.high, p: t.p };
  };
  const rows = conditions
    .filter((c) => c !== ref)
    .map((c) => ({ condition: c, atRounds: paired(v.atRound, c), atTime: paired(v.atTime, c) }))
    .filter((r) => r.atRounds.seeds > 0);
  if (!rows.length) return null;
  return { metric: v.metric, relative: v.relative, reference: ref, round: v.round, simulatedMs: v.simulatedMs, rows };
}

/** Every condition against the reference at several rounds: does a gap close as training goes on? */
export interface DifferencesOverRounds {
  metric: 'testRmse' | 'testAccuracy';
  relative: boolean;
  reference: string;
  /** The rounds compared (0-based, as metrics.csv): evaluated in every run. */
  rounds: number[];
  rows: { condition: string; at: PairedDifference[] }[];
}

/** The fractions of a run at which {@link pairedDifferencesOverRounds} compares, by default. */
export const GAP_FRACTIONS: readonly number[] = [0.025, 0.05, 0.1, 0.2, 0.5, 1];

/**
 * The seed-paired difference from the reference condition at several rounds evaluated in
 * every run: for each fraction of the last such round, the evaluated round nearest to it
 * (duplicates dropped). Null with fewer than two conditions, or no round every run evaluated.
 */
export function pairedDifferencesOverRounds(
  runs: readonly AnalysedRun[],
  reference?: string,
  fractions: readonly number[] = GAP_FRACTIONS,
  level = 0.95,
): DifferencesOverRounds | null {
  if (!runs.length) return null;
  const { metric, baselines, relative } = runScale(runs);
  const conditions = [...new Set(runs.map((r) => r.condition))];
  const ref = reference ?? conditions[0]!;
  if (conditions.length < 2 || !conditions.includes(ref)) return null;
  const values = runs.map((r, i) => {
    const m = new Map<number, number>();
    for (const row of r.metrics) {
      const x = row[metric];
      if (x != null && Number.isFinite(x)) m.set(row.round, (x as number) / (relative ? baselines[i]! : 1));
    }
    return m;
  });
  const common = [...values[0]!.keys()].filter((k) => values.every((m) => m.has(k))).sort((a, b) => a - b);
  if (!common.length) return null;
  const last = common[common.length - 1]!;
  const rounds = [
    ...new Set(
      fractions.map((f) => common.reduce((best, k) => (Math.abs(k + 1 - f * (last + 1)) < Math.abs(best + 1 - f * (last + 1)) ? k : best))),
    ),
  ].sort((a, b) => a - b);
  const at = (condition: string, round: number): PairedDifference => {
    const bySeed = (c: string) =>
      new Map(runs.flatMap((r, i) => (r.condition === c ? [[r.seed, values[i]!.get(round)!] as [number, number]] : [])));
    const a = bySeed(condition);
    const b = bySeed(ref);
    const diffs = [...a.keys()].filter((s) => b.has(s)).map((s) => a.get(s)! - b.get(s)!);
    const t = pairedTTest(diffs, level);
    return { seeds: diffs.length, meanDiff: t.meanDiff, low: t.low, high: t.high, p: t.p };
  };
  const rows = conditions
    .filter((c) => c !== ref)
    .map((c) => ({ condition: c, at: rounds.map((k) => at(c, k)) }))
    .filter((r) => r.at.some((x) => x.seeds > 0));
  return rows.length ? { metric, relative, reference: ref, rounds, rows } : null;
}
