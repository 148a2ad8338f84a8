/**
 * Verdicts backed by evidence: which topology (or sweep point) reaches a common test level
 * sooner on the simulated clock, said only when the data support it.
 *
 * The rules (stated in every report, see {@link verdictRule}):
 * 1. **Something was learned.** The learned level beats the trivial baseline by `margin`:
 *    regression, a test RMSE at most (1 - margin) x the constant predictor's (predicting the
 *    training mean); classification, a test error at most (1 - margin) x the majority class's.
 *    No run reaching it: no verdict ("nothing learned").
 * 2. **A common target.** The config's `target`, else the best level every run reached when
 *    that beats the learned level, else the learned level itself (then some runs never reach
 *    it: their run's end is a lower bound of their time to it).
 * 3. **A clear difference over seeds.** Conditions are ranked by the geometric mean of their
 *    time to the target; the first is named faster only when it reached the target in every
 *    seed and, against every other condition, a t-test on the logarithm of the time to the
 *    target (paired by seed when both ran the same seeds, else Welch's) gives
 *    p < 1 - confidence. One seed per condition: no test, no verdict.
 *
 * Pure functions of the metrics; renderers only format the result.
 */
import { meanInterval, pairedTTest, welchTTest, type Interval, type TTest } from './stats.js';

/** The task of the runs: what the evaluated value is. */
export type Task = 'regression' | 'classification';

/** One run: a condition (topology or sweep point) at one seed, with its evaluations. */
export interface SeedRun {
  /** What is compared (the seeds of a condition are aggregated). */
  condition: string;
  seed: number;
  /** Evaluations in round order: round (0-based), simulated clock at its end (ms), test RMSE or accuracy. */
  evals: readonly { round: number; simulatedMs: number; value: number }[];
  /** Rounds the run trained. */
  rounds: number;
  /** Simulated clock at the run's end (ms). */
  endMs: number;
}

/** The verdict rules (config field `verdict`). */
export interface VerdictRules {
  /** How far the target must beat the baseline (fraction of the baseline's RMSE or error). */
  margin: number;
  /** Confidence of the intervals; a difference is clear at p < 1 - confidence. */
  confidence: number;
  /** A fixed target level (test RMSE, or accuracy); default: see the file comment. */
  target?: number;
}

/** Defaults of {@link VerdictRules}. */
export const DEFAULT_VERDICT_RULES: Readonly<VerdictRules> = Object.freeze({ margin: 0.05, confidence: 0.95 });

/** A condition's results over its seeds. */
export interface ConditionResult {
  condition: string;
  seeds: number[];
  /** The last evaluation's value, over seeds. */
  final: Interval;
  /** Seeds that reached the target. */
  reached: number;
  /** Time (simulated ms) and rounds to the target, over seeds; null unless every seed reached it. */
  timeToTargetMs: Interval | null;
  roundsToTarget: Interval | null;
  /** Geometric mean of the time to the target (the run's end for seeds that did not reach it). */
  geoMeanTimeMs: number;
}

/** One condition against another: how much sooner the first reaches the target. */
export interface Comparison {
  faster: string;
  slower: string;
  /** Paired by seed, or Welch's test. */
  paired: boolean;
  /** Geometric-mean ratio of the slower's time to the faster's, with its confidence interval. */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  /** Two-sided p-value of the t-test on log time (NaN with one seed). */
  p: number;
  /** Seeds the test used. */
  n: number;
  /** Whether the difference is clear by the rules. */
  clear: boolean;
  /** Seeds in which the slower never reached the target (its run's end used as a lower bound). */
  censored: number;
}

/** The outcome of {@link decideVerdict}. */
export type VerdictOutcome =
  'winner' | 'no-clear-difference' | 'nothing-learned' | 'one-seed' | 'one-condition' | 'no-evaluations' | 'target-not-learned';

/** A verdict with everything a report shows about it. */
export interface Verdict {
  outcome: VerdictOutcome;
  /** The headline: one or two sentences. */
  sentence: string;
  /** The rules in words. */
  rule: string;
  task: Task;
  /** `test RMSE` or `test accuracy`. */
  metric: string;
  /** The baseline (constant predictor's RMSE, majority class's accuracy) and its name. */
  baseline: number;
  baselineName: string;
  /** The level that counts as learned (the baseline beaten by the margin). */
  learnedLevel: number;
  /** The common target, and how it was chosen; null when nothing was learned. */
  target: number | null;
  targetSource: 'config' | 'best level every run reached' | 'learned level' | null;
  conditions: ConditionResult[];
  comparisons: Comparison[];
  /** The condition named faster (outcome `winner`). */
  winner?: string;
  rules: VerdictRules;
}

/** What the verdict needs besides the runs. */
export interface VerdictInput {
  task: Task;
  /** Constant predictor's test RMSE (regression) or majority class's test accuracy (classification). */
  baseline: number;
  runs: readonly SeedRun[];
  rules?: Partial<VerdictRules>;
  /** What a condition is, for sentences (`topology`, `sweep point`). */
  noun?: string;
  /**
   * Regression values are test RMSE over each run's own constant predictor's (runs whose
   * seeds draw other data have other baselines); `baseline` is then 1.
   */
  relative?: boolean;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
const sec = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const pval = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);
const times = (r: number): string => `${r.toFixed(2)}x`;

/** The level a run must reach to have learned anything, by the rules. */
export function learnedLevel(task: Task, baseline: number, margin: number): number {
  return task === 'regression' ? (1 - margin) * baseline : 1 - (1 - margin) * (1 - baseline);
}

/** The rules in words, for reports. */
export function verdictRule(task: Task, rules: VerdictRules, noun = 'topology'): string {
  const base =
    task === 'regression'
      ? `a test RMSE at least ${pct(rules.margin)} below the constant predictor's`
      : `a test error at least ${pct(rules.margin)} below the majority class's`;
  const alpha = 1 - rules.confidence;
  return (
    `Verdict rule: a ${noun} is named faster only when the target level is ${base}, it reached the target in every seed, and against every other ${noun} a t-test over seeds on the logarithm of the time to the target (paired by seed) gives p < ${+alpha.toFixed(4)}. ` +
    `Intervals are ${Math.round(rules.confidence * 100)}% Student-t intervals over seeds; a run that never reached the target counts with its run's end as a lower bound of its time.`
  );
}

/**
 * Decide which condition reaches a common level sooner, by the rules in the file comment.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const rules: VerdictRules = { ...DEFAULT_VERDICT_RULES, ...stripUndefined(input.rules ?? {}) };
  const { task, baseline } = input;
  const noun = input.noun ?? 'topology';
  const regression = task === 'regression';
  const relative = regression && input.relative === true;
  const metric = relative ? "test RMSE relative to the constant predictor's" : regression ? 'test RMSE' : 'test accuracy';
  const baselineName = regression ? 'the constant predictor' : 'the majority class';
  const fmtLevel = (v: number): string => (relative ? `${v.toFixed(3)}x` : regression ? v.toFixed(4) : pct(v));
  const reaches = (v: number, level: number): boolean => (regression ? v <= level : v >= level);
  const better = (a: number, b: number): number => (regression ? Math.min(a, b) : Math.max(a, b));
  const worse = (a: number, b: number): number => (regression ? Math.max(a, b) : Math.min(a, b));
  const learned = learnedLevel(task, baseline, rules.margin);
  const rule = verdictRule(task, rules, noun);
  const base = { rule, task, metric, baseline, baselineName, learnedLevel: learned, rules, comparisons: [] as Comparison[] };

  const runs = input.runs.map((r) => ({ ...r, evals: r.evals.filter((e) => Number.isFinite(e.value)) }));
  const conditions = [...new Set(runs.map((r) => r.condition))];
  const finals = (c: string): ConditionResult => {
    const mine = runs.filter((r) => r.condition === c && r.evals.length);
    return {
      condition: c,
      seeds: mine.map((r) => r.seed),
      final: meanInterval(
        mine.map((r) => r.evals[r.evals.length - 1].value),
        rules.confidence,
      ),
      reached: 0,
      timeToTargetMs: null,
      roundsToTarget: null,
      geoMeanTimeMs: NaN,
    };
  };
  if (!runs.some((r) => r.evals.length)) {
    return {
      ...base,
      outcome: 'no-evaluations',
      sentence: 'No run was evaluated: there is nothing to compare.',
      target: null,
      targetSource: null,
      conditions: conditions.map(finals),
    };
  }
  const bests = runs.filter((r) => r.evals.length).map((r) => r.evals.reduce((b, e) => better(b, e.value), r.evals[0].value));
  const bestOfAll = bests.reduce(better);
  if (!Number.isFinite(baseline) || !reaches(bestOfAll, learned)) {
    const ratio = relative
      ? "of each run's own constant predictor's"
      : regression
        ? `${(bestOfAll / baseline).toFixed(2)}x the constant predictor's ${baseline.toFixed(4)}`
        : `against ${pct(baseline)} for the majority class`;
    return {
      ...base,
      outcome: 'nothing-learned',
      target: null,
      targetSource: null,
      conditions: conditions.map(finals),
      sentence: `No run beat ${baselineName} by ${pct(rules.margin)}: the best ${metric} of any run was ${fmtLevel(bestOfAll)} (${ratio}). The data do not say which ${noun} is faster: train longer, or check the learning rate.`,
    };
  }
  let target: number;
  let targetSource: Verdict['targetSource'];
  if (rules.target !== undefined) {
    if (!reaches(rules.target, learned)) {
      return {
        ...base,
        outcome: 'target-not-learned',
        target: rules.target,
        targetSource: 'config',
        conditions: conditions.map(finals),
        sentence: `The configured target ${metric} ${fmtLevel(rules.target)} does not beat ${baselineName} (${fmtLevel(baseline)}) by ${pct(rules.margin)}: reaching it shows nothing learned, so no ${noun} is named faster.`,
      };
    }
    target = rules.target;
    targetSource = 'config';
  } else {
    const common = bests.reduce(worse);
    if (reaches(common, learned)) {
      target = common;
      targetSource = 'best level every run reached';
    } else {
      target = learned;
      targetSource = 'learned level';
    }
  }

  // time to the target per run: the first evaluation reaching it, else the run's end (a lower bound)
  const hit = runs.map((r) => {
    const first = r.evals.find((e) => reaches(e.value, target));
    return {
      run: r,
      reached: !!first,
      timeMs: first ? first.simulatedMs : Math.max(r.endMs, r.evals[r.evals.length - 1]?.simulatedMs ?? 0),
      rounds: first ? first.round + 1 : r.rounds,
    };
  });
  const results: ConditionResult[] = conditions.map((c) => {
    const mine = hit.filter((h) => h.run.condition === c);
    const all = mine.length > 0 && mine.every((h) => h.reached);
    const logs = mine.map((h) => Math.log(Math.max(h.timeMs, Number.MIN_VALUE)));
    return {
      ...finals(c),
      reached: mine.filter((h) => h.reached).length,
      timeToTargetMs: all
        ? meanInterval(
            mine.map((h) => h.timeMs),
            rules.confidence,
          )
        : null,
      roundsToTarget: all
        ? meanInterval(
            mine.map((h) => h.rounds),
            rules.confidence,
          )
        : null,
      geoMeanTimeMs: Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length),
    };
  });
  const fmtTarget = relative ? `a test RMSE ${fmtLevel(target)} its seed's constant predictor's` : `${metric} ${fmtLevel(target)}`;
  const why =
    targetSource === 'config'
      ? 'the configured target'
      : targetSource === 'learned level'
        ? `${pct(rules.margin)} better than ${baselineName}: the level the rules call learned, which not every run reached`
        : `the best level every run reached, at least ${pct(rules.margin)} better than ${baselineName}`;
  if (conditions.length < 2) {
    const c = results[0];
    const t = c.timeToTargetMs;
    return {
      ...base,
      outcome: 'one-condition',
      target,
      targetSource,
      conditions: results,
      sentence: `One ${noun} only (${c.condition}): nothing to compare. It reached ${fmtTarget} (${why}) in ${c.reached} of ${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}${t ? `, after ${sec(t.mean)} of simulated time${t.n > 1 ? ` (mean; ${Math.round(rules.confidence * 100)}% interval ${sec(t.low)}-${sec(t.high)})` : ''}` : ''}.`,
    };
  }
  // most seeds at the target first (a run that never got there is only bounded below), then sooner
  const ranked = results
    .slice()
    .sort(
      (a, b) =>
        b.reached / b.seeds.length - a.reached / a.seeds.length ||
        a.geoMeanTimeMs - b.geoMeanTimeMs ||
        a.condition.localeCompare(b.condition),
    );
  const lead = ranked[0];
  const logTimes = (c: string): Map<number, number> =>
    new Map(hit.filter((h) => h.run.condition === c).map((h) => [h.run.seed, Math.log(Math.max(h.timeMs, Number.MIN_VALUE))]));
  const comparisons: Comparison[] = ranked.slice(1).map((other) => {
    const a = logTimes(lead.condition),
      b = logTimes(other.condition);
    const common = [...a.keys()].filter((s) => b.has(s));
    const paired = common.length === a.size && common.length === b.size;
    const test: TTest = paired
      ? pairedTTest(
          common.map((s) => b.get(s)! - a.get(s)!),
          rules.confidence,
        )
      : welchTTest([...a.values()], [...b.values()], rules.confidence);
    const censored = hit.filter((h) => h.run.condition === other.condition && !h.reached).length;
    const clear = lead.reached === lead.seeds.length && test.n >= 2 && test.meanDiff > 0 && test.p < 1 - rules.confidence;
    return {
      faster: lead.condition,
      slower: other.condition,
      paired,
      ratio: Math.exp(test.meanDiff),
      ratioLow: Math.exp(test.low),
      ratioHigh: Math.exp(test.high),
      p: test.p,
      n: test.n,
      clear,
      censored,
    };
  });
  const seedsPer = Math.min(...results.map((r) => r.seeds.length));
  const describe = (c: Comparison, withRatio = true): string => {
    const seedsWord = (k: number): string => `${k} seed${k === 1 ? '' : 's'}`;
    if (c.censored && !(c.ratio > 1)) {
      // the other's runs ended before the leader got there: a lower bound that says nothing
      return `${c.slower} (it never reached it in ${seedsWord(c.censored)}, and its runs ended sooner than ${c.faster} reached it: the data cannot compare them)`;
    }
    const ci = Number.isFinite(c.ratioLow) ? `, ${Math.round(rules.confidence * 100)}% CI ${times(c.ratioLow)}-${times(c.ratioHigh)}` : '';
    const cens = c.censored ? `; ${c.slower} never reached it in ${seedsWord(c.censored)}, counted at its run's end` : '';
    return `${withRatio ? `${times(c.ratio)} sooner than ${c.slower}` : c.slower} (${c.paired ? 'paired' : 'Welch'} t-test on log time over ${c.n} seeds, ${pval(c.p)}${ci}${cens})`;
  };
  if (seedsPer < 2) {
    const c = comparisons[0];
    return {
      ...base,
      outcome: 'one-seed',
      target,
      targetSource,
      conditions: results,
      comparisons,
      sentence: `One seed per ${noun}: the data cannot tell a real difference from seed noise, so no ${noun} is named faster. In this seed ${lead.condition} reached ${fmtTarget} (${why}) first, ${times(c.ratio)} sooner than ${c.slower}; run several seeds ("seeds": [1, 2, 3], or --seeds 1,2,3) for a verdict.`,
    };
  }
  if (comparisons.every((c) => c.clear)) {
    const firstTime = lead.timeToTargetMs;
    return {
      ...base,
      outcome: 'winner',
      winner: lead.condition,
      target,
      targetSource,
      conditions: results,
      comparisons,
      sentence: `${lead.condition} reached ${fmtTarget} (${why}) sooner than every other ${noun} over ${seedsPer} seeds${firstTime ? `, after ${sec(firstTime.mean)} of simulated time on average` : ''}: ${comparisons.map((c) => describe(c)).join('; ')}.`,
    };
  }
  if (lead.reached < lead.seeds.length) {
    // the leader missed the target in some seed: its time is then only a lower bound, no ranking holds
    const counts = ranked.map((r) => `${r.condition} ${r.reached} of ${r.seeds.length}`).join(', ');
    return {
      ...base,
      outcome: 'no-clear-difference',
      target,
      targetSource,
      conditions: results,
      comparisons,
      sentence: `No clear winner over ${seedsPer} seeds: no ${noun} reached ${fmtTarget} (${why}) in every seed (${counts}), so the times to reach it cannot be compared. Train longer or set a target every run reaches ("verdict": {"target": ...}).`,
    };
  }
  const unclear = comparisons.filter((c) => !c.clear);
  const clearOnes = comparisons.filter((c) => c.clear);
  return {
    ...base,
    outcome: 'no-clear-difference',
    target,
    targetSource,
    conditions: results,
    comparisons,
    sentence: `No clear winner over ${seedsPer} seeds in the time to reach ${fmtTarget} (${why}): ${unclear.map((c) => (c.censored && !(c.ratio > 1) ? `${lead.condition} against ${describe(c)}` : `${lead.condition} and ${c.slower} do not differ clearly (${lead.condition} ${describe(c)})`)).join('; ')}.${clearOnes.length ? ` ${lead.condition} reached it clearly sooner than ${clearOnes.map((c) => describe(c, false)).join(', ')}.` : ''}`,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
