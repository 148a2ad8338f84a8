/**
 * `dflsim report <results-dir> --publish <dir>`: the small, committable part of a results
 * directory. The report's tables (`report.md`), each plot as its own SVG, the runs and their
 * evaluations as CSV, the per-condition summary (means and 95% intervals at equal rounds, at
 * equal simulated time, time to the common target, differences from the reference) as CSV
 * and JSON, and each run's metrics digest, by which a re-run is checked bit for bit. Never
 * checkpoints. Everything is rendered before anything is written; only these files are
 * written (atomically), nothing is deleted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DflsimInputError } from '../errors.js';
import { writeFileAtomic } from '../io/files.js';
import { sweepLabelPairs } from '../experiment/config.js';
import { equalBudgets, pairedDifferences, pairedDifferencesOverRounds, type Differences, type EqualBudgets } from '../analysis/training.js';
import { mean, pairedTTest, type Interval, type TTest } from '../analysis/stats.js';
import type { Verdict } from '../analysis/verdict.js';
import { configSummary, referenceCondition, renderMarkdown, reportVerdict, type ReportData, type ReportRun } from './markdown.js';
import { reportPlots } from './plots.js';
import { readResults, withReportOptions, type ReportOptions } from './write.js';

/** What {@link publishResults} wrote. */
export interface PublishedFiles {
  dir: string;
  files: string[];
}

/**
 * The digest of a run's `metrics.csv` without its wall-clock column (the third, `wallMs`):
 * SHA-256 of the text `cut -d, -f1,2,4- metrics.csv` prints, so a shell can check it with
 * `cut -d, -f1,2,4- metrics.csv | sha256sum`. Every other column is a function of the run's
 * config and seed, so a re-run gives the same digest.
 */
export function metricsDigest(text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const cut = lines.map((l) => {
    const f = l.split(',');
    return f.length < 3 ? f.join(',') : [...f.slice(0, 2), ...f.slice(3)].join(',');
  });
  return createHash('sha256')
    .update(cut.map((l) => l + '\n').join(''))
    .digest('hex');
}

/** A run's sweep point as `axis -> value` pairs (`topology -> ring`). */
function pointOf(run: ReportRun, experiment: string): Map<string, string> {
  return sweepLabelPairs(run.summary.name.startsWith(`${experiment}/`) ? run.summary.name.slice(experiment.length + 1) : '');
}

const num = (x: number | null | undefined): number | '' => (x === null || x === undefined || !Number.isFinite(x) ? '' : x);

function intervalCells(i: Interval | null | undefined, scale = 1): (number | '')[] {
  return i ? [num(i.mean * scale), num(i.low * scale), num(i.high * scale)] : ['', '', ''];
}

/** The published per-condition summary (also `summary.json`'s `conditions`). */
export interface ConditionSummary {
  condition: string;
  seeds: number;
  cycleTimeMs: number | null;
  /** Mean rounds run and simulated seconds over the seeds. */
  roundsMean: number;
  simulatedSMean: number;
  final: Interval | null;
  atRounds: Interval | null;
  atTime: Interval | null;
  reached: number | null;
  timeToTargetS: Interval | null;
  roundsToTarget: Interval | null;
}

function conditionSummaries(data: ReportData, verdict: Verdict | null, budgets: EqualBudgets | null): ConditionSummary[] {
  const order = [...new Set(data.runs.map((r) => r.condition))];
  const scaleInterval = (i: Interval | null | undefined, k: number): Interval | null =>
    i ? { ...i, mean: i.mean * k, sd: i.sd * k, low: i.low * k, high: i.high * k, halfWidth: i.halfWidth * k } : null;
  return order.map((c) => {
    const runs = data.runs.filter((r) => r.condition === c);
    const v = verdict?.conditions.find((x) => x.condition === c);
    const b = budgets?.rows.find((x) => x.condition === c);
    const cts = runs.map((r) => r.summary.cycleTimeMs).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return {
      condition: c,
      seeds: runs.length,
      cycleTimeMs: cts.length ? mean(cts) : null,
      roundsMean: mean(runs.map((r) => r.summary.rounds)),
      simulatedSMean: mean(runs.map((r) => r.summary.simulatedMs / 1000)),
      final: v?.final ?? null,
      atRounds: b?.atRounds ?? null,
      atTime: b && b.evaluatedByTime > 0 ? b.atTime : null,
      reached: v ? v.reached : null,
      timeToTargetS: scaleInterval(v?.timeToTargetMs, 1 / 1000),
      roundsToTarget: v?.roundsToTarget ?? null,
    };
  });
}

function summaryCsv(
  conditions: ConditionSummary[],
  budgets: EqualBudgets | null,
  diffs: Differences | null,
  verdict: Verdict | null,
): string {
  const metric = budgets?.metric ?? (verdict?.task === 'classification' ? 'testAccuracy' : 'testRmse');
  const m = budgets?.relative ? `${metric}Relative` : metric;
  const headers = [
    'condition',
    'seeds',
    'cycleTimeMs',
    'roundsMean',
    'simulatedSMean',
    `final_${m}_mean`,
    `final_${m}_low95`,
    `final_${m}_high95`,
    'equalRounds',
    `atRounds_${m}_mean`,
    `atRounds_${m}_low95`,
    `atRounds_${m}_high95`,
    'equalSimulatedS',
    `atTime_${m}_mean`,
    `atTime_${m}_low95`,
    `atTime_${m}_high95`,
    'target',
    'reachedTarget',
    'timeToTargetS_mean',
    'timeToTargetS_low95',
    'timeToTargetS_high95',
    'roundsToTarget_mean',
    'roundsToTarget_low95',
    'roundsToTarget_high95',
    'reference',
    'atRounds_diff_mean',
    'atRounds_diff_low95',
    'atRounds_diff_high95',
    'atRounds_diff_p',
    'atTime_diff_mean',
    'atTime_diff_low95',
    'atTime_diff_high95',
    'atTime_diff_p',
  ];
  const rows = conditions.map((c) => {
    const d = diffs?.rows.find((r) => r.condition === c.condition);
    const dc = (x: { meanDiff: number; low: number; high: number; p: number } | undefined) =>
      x ? [num(x.meanDiff), num(x.low), num(x.high), num(x.p)] : ['', '', '', ''];
    return [
      c.condition,
      c.seeds,
      num(c.cycleTimeMs),
      num(c.roundsMean),
      num(c.simulatedSMean),
      ...intervalCells(c.final),
      budgets ? budgets.round + 1 : '',
      ...intervalCells(c.atRounds),
      budgets ? budgets.simulatedMs / 1000 : '',
      ...intervalCells(c.atTime),
      num(verdict?.target),
      c.reached ?? '',
      ...intervalCells(c.timeToTargetS),
      ...intervalCells(c.roundsToTarget),
      diffs ? diffs.reference : '',
      ...(c.condition === diffs?.reference ? ['', '', '', '', '', '', '', ''] : [...dc(d?.atRounds), ...dc(d?.atTime)]),
    ];
  });
  return stringify(rows, { header: true, columns: headers });
}

function runsCsv(data: ReportData, digests: (string | null)[]): string {
  const axes = data.sweepAxes;
  const rows = data.runs.map((r, i) => {
    const point = pointOf(r, data.name);
    return [
      r.condition,
      ...axes.map((a) => point.get(a) ?? ''),
      r.seed,
      r.summary.rounds,
      r.summary.simulatedMs,
      num(r.summary.cycleTimeMs),
      num(r.summary.final?.testAccuracy),
      num(r.summary.final?.testRmse),
      num(r.summary.final?.testLoss),
      num(r.summary.majorityClassAccuracy),
      num(r.summary.constantPredictorRmse),
      r.summary.wallMs / 1000,
      r.summary.backend.kernels ?? r.summary.backend.backend,
      digests[i] ?? '',
    ];
  });
  return stringify(rows, {
    header: true,
    columns: [
      'condition',
      ...axes,
      'seed',
      'rounds',
      'simulatedMs',
      'cycleTimeMs',
      'finalTestAccuracy',
      'finalTestRmse',
      'finalTestLoss',
      'majorityClassAccuracy',
      'constantPredictorRmse',
      'wallS',
      'kernels',
      'metricsSha256',
    ],
  });
}

/** Every evaluated round of every run (numbers as `metrics.csv` has them). */
function evaluationsCsv(data: ReportData): string {
  const rows = data.runs.flatMap((r) =>
    r.metrics
      .filter((m) => m.testRmse != null || m.testAccuracy != null)
      .map((m) => [r.condition, r.seed, m.round, m.simulatedMs, num(m.trainLoss), num(m.testLoss), num(m.testAccuracy), num(m.testRmse)]),
  );
  return stringify(rows, {
    header: true,
    columns: ['condition', 'seed', 'round', 'simulatedMs', 'trainLoss', 'testLoss', 'testAccuracy', 'testRmse'],
  });
}

/**
 * Write the committable part of a results directory into `outDir` (created if missing):
 * `report.md`, one SVG per plot, `runs.csv` (each run's outcome, wall time and metrics
 * digest), `evaluations.csv`, `summary.csv` and `summary.json`.
 * @throws DflsimInputError for a results directory that is not one, or an `outDir` that is a file
 */
export async function publishResults(resultsDir: string, outDir: string, options: ReportOptions = {}): Promise<PublishedFiles> {
  const data = withReportOptions(readResults(resultsDir), options);
  if (existsSync(outDir) && !statSync(outDir).isDirectory())
    throw new DflsimInputError(outDir, 'is a file, not a directory: give a folder to publish into');
  if (path.resolve(outDir) === path.resolve(resultsDir))
    throw new DflsimInputError(outDir, 'is the results directory itself: publish into another folder (e.g. docs/results/<name>)');
  // the training curves and cycle times; the drawings of topologies and states stay in report.html
  const plots = (await reportPlots(data)).filter((p) => p.id.startsWith('training-') || p.id === 'cycle-times');
  const files = new Map<string, string>();
  let md = renderMarkdown(data).replace(/Plots are in report\.html beside this file\.\n$/, '');
  if (plots.length)
    md += `## Plots\n\nThe drawings of the topologies and the multigraph's states are in report.html beside the full results.\n\n${plots.map((p) => `![${p.caption}](${p.id}.svg)\n\n${p.caption}\n`).join('\n')}`;
  files.set('report.md', md);
  for (const p of plots) files.set(`${p.id}.svg`, p.svg);
  if (data.kind === 'train') {
    const verdict = reportVerdict(data);
    const budgets = data.runs.length > 1 ? equalBudgets(data.runs) : null;
    const diffs = data.runs.length > 1 ? pairedDifferences(data.runs, referenceCondition(data)) : null;
    const conditions = conditionSummaries(data, verdict, budgets);
    const digests = data.runs.map((r) => {
      const f = r.dir ? path.join(r.dir, 'metrics.csv') : null;
      return f && existsSync(f) ? metricsDigest(readFileSync(f, 'utf8')) : null;
    });
    files.set('runs.csv', runsCsv(data, digests));
    files.set('evaluations.csv', evaluationsCsv(data));
    files.set('summary.csv', summaryCsv(conditions, budgets, diffs, verdict));
    files.set(
      'summary.json',
      JSON.stringify(
        {
          experiment: data.name,
          version: data.version,
          simulated: Object.fromEntries(configSummary(data)),
          verdict: verdict
            ? {
                outcome: verdict.outcome,
                sentence: verdict.sentence,
                rule: verdict.rule,
                target: verdict.target,
                comparisons: verdict.comparisons,
              }
            : null,
          equalBudgets: budgets,
          differences: diffs,
          differencesOverRounds: data.runs.length > 1 ? pairedDifferencesOverRounds(data.runs, referenceCondition(data)) : null,
          conditions,
          runs: data.runs.map((r, i) => ({ condition: r.condition, seed: r.seed, rounds: r.summary.rounds, metricsSha256: digests[i] })),
        },
        (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
        2,
      ) + '\n',
    );
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) writeFileAtomic(path.join(outDir, name), text);
  return { dir: outDir, files: [...files.keys()] };
}

/** What {@link comparePublished} reads of one published condition: its runs' evaluations by seed. */
export interface PublishedCondition {
  /** `docs/results/<name>` and the condition (`ring`, `tMax=1`). */
  label: string;
  /** Per seed: the run's baseline (constant predictor's RMSE; null for classification) and its evaluations in round order. */
  seeds: Map<number, { baseline: number | null; evals: { round: number; value: number }[] }>;
  metric: 'testRmse' | 'testAccuracy';
}

/**
 * One condition of a published bundle (`runs.csv` and `evaluations.csv` written by
 * {@link publishResults}).
 * @throws DflsimInputError naming the file, or the condition when the bundle has no run of it
 */
export function readPublishedCondition(dir: string, condition: string): PublishedCondition {
  const read = (name: string): Record<string, string>[] => {
    const f = path.join(dir, name);
    if (!existsSync(f)) throw new DflsimInputError(f, 'not found: give a folder written by "dflsim report <results> --publish <folder>"');
    return parse(readFileSync(f, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  };
  const runs = read('runs.csv').filter((r) => r.condition === condition);
  if (!runs.length) {
    const all = [...new Set(read('runs.csv').map((r) => r.condition))];
    throw new DflsimInputError(dir, `no run of "${condition}" (its conditions: ${all.join(', ')})`);
  }
  const classification = runs.every((r) => r.finalTestAccuracy !== '');
  const metric = classification ? 'testAccuracy' : 'testRmse';
  const evals = read('evaluations.csv').filter((e) => e.condition === condition);
  const seeds = new Map<number, { baseline: number | null; evals: { round: number; value: number }[] }>();
  for (const r of runs) {
    const seed = Number(r.seed);
    const mine = evals
      .filter((e) => Number(e.seed) === seed && e[metric] !== '')
      .map((e) => ({ round: Number(e.round), value: Number(e[metric]) }))
      .sort((a, b) => a.round - b.round);
    seeds.set(seed, { baseline: classification ? null : Number(r.constantPredictorRmse), evals: mine });
  }
  return { label: `${path.basename(path.resolve(dir))} ${condition}`, seeds, metric };
}

/** Two published conditions compared seed by seed (see {@link comparePublished}). */
export interface PublishedComparison {
  metric: 'testAccuracy' | 'testRmse relative to the constant predictor';
  /** The last round both evaluated in every paired seed (0-based). */
  round: number;
  seeds: number[];
  /** Per seed: the metric at `round`, and the mean change between successive evaluations in the second half. */
  a: { final: number[]; roughness: number[] };
  b: { final: number[]; roughness: number[] };
  /** b minus a, paired by seed. */
  finalDiff: TTest;
  roughnessDiff: TTest;
}

/**
 * Compare two published conditions over the seeds both ran (the same seed draws the same
 * data when the experiments share their data fields): the metric at the last round both
 * evaluated (regression runs relative to their own constant predictor), and the roughness of
 * the curve, the mean absolute change between successive evaluations over the second half of
 * those rounds (the lower, the steadier), each as b minus a with a paired t interval.
 * @throws DflsimInputError when the two share no seed or measure different things
 */
export function comparePublished(a: PublishedCondition, b: PublishedCondition, level = 0.95): PublishedComparison {
  if (a.metric !== b.metric) throw new DflsimInputError(b.label, `measures ${b.metric}, ${a.label} ${a.metric}: nothing to compare`);
  const seeds = [...a.seeds.keys()].filter((s) => b.seeds.has(s)).sort((x, y) => x - y);
  if (!seeds.length) throw new DflsimInputError(b.label, `shares no seed with ${a.label}`);
  const last = (c: PublishedCondition, s: number) => c.seeds.get(s)!.evals.at(-1)?.round ?? -1;
  const round = Math.min(...seeds.flatMap((s) => [last(a, s), last(b, s)]));
  const side = (c: PublishedCondition) => {
    const final: number[] = [];
    const roughness: number[] = [];
    for (const s of seeds) {
      const { baseline, evals } = c.seeds.get(s)!;
      const scale = c.metric === 'testRmse' ? baseline! : 1;
      const within = evals.filter((e) => e.round <= round);
      final.push(within.at(-1)!.value / scale);
      const half = within.filter((e) => e.round >= round / 2).map((e) => e.value / scale);
      let sum = 0;
      for (let i = 1; i < half.length; i++) sum += Math.abs(half[i]! - half[i - 1]!);
      roughness.push(half.length > 1 ? sum / (half.length - 1) : NaN);
    }
    return { final, roughness };
  };
  const sa = side(a);
  const sb = side(b);
  return {
    metric: a.metric === 'testRmse' ? 'testRmse relative to the constant predictor' : 'testAccuracy',
    round,
    seeds,
    a: sa,
    b: sb,
    finalDiff: pairedTTest(
      sb.final.map((v, i) => v - sa.final[i]!),
      level,
    ),
    roughnessDiff: pairedTTest(
      sb.roughness.map((v, i) => v - sa.roughness[i]!),
      level,
    ),
  };
}
