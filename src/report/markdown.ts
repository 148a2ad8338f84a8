/**
 * `report.md`: a results directory summarised as Markdown (title, configuration, the
 * cycle-time table best first with the ratio to RING, the training summary, notes on the
 * multigraph's isolated silos). Also home of the report's data model ({@link ReportData})
 * and of the table rows the HTML report shares.
 */
import type { ReportCycleTimes } from '../experiment/experiment.js';
import { TOUR_TOPOLOGIES } from '../experiment/published.js';
import { isReferenceTopology, referenceCycleTime } from '../overlay/catalogue.js';
import type { RunSummary } from '../experiment/runner.js';
import type { TopologyDrawing } from '../experiment/topology-file.js';
import type { MetricRow } from '../learning/dpasgd.js';
import {
  equalBudgets,
  pairedDifferences,
  pairedDifferencesOverRounds,
  trainingVerdict,
  type PairedDifference,
} from '../analysis/training.js';
import type { Interval } from '../analysis/stats.js';
import { DEFAULT_VERDICT_RULES, type Verdict, type VerdictRules } from '../analysis/verdict.js';

/** One training run of a results directory. */
export interface ReportRun {
  /** Short label: the condition, with its seed when the experiment ran several (`ring (seed 2)`). */
  label: string;
  /** What the run compares: the sweep point without the seed (`lr=0.01`), or the topology when the sweep is over topologies. */
  condition: string;
  /** The run's seed. */
  seed: number;
  summary: RunSummary;
  /** Every round's metrics (eval columns null on rounds without evaluation). */
  metrics: MetricRow[];
  /** The run's `config.resolved.json`, if present. */
  config: Record<string, unknown> | null;
  /** The run's `topology.json`, if present. */
  drawing: TopologyDrawing | null;
  /** The run's folder, when read from a results directory. */
  dir?: string;
}

/** One cycle-time comparison of the report: a network at a sweep point, as the experiment recorded it. */
export type { ReportCycleTimes };

/** Everything a report shows, read from a results directory (see `readResults` in `write.ts`). */
export interface ReportData {
  kind: 'train' | 'cycle-times';
  /** Experiment name. */
  name: string;
  version: string;
  /** Resolved configuration (the top level's, or the first run's for a training sweep). */
  config: Record<string, unknown>;
  /** Sweep axes (`tMax`, `topology`, ...); empty without a sweep. */
  sweepAxes: string[];
  cycleTimes: ReportCycleTimes[];
  runs: ReportRun[];
  /** Drawings of the classic topologies and the multigraph, per network. */
  drawings: { network: string; drawings: TopologyDrawing[] }[];
  /** A sweep still running or stopped: only its finished runs are here; these were started but have not finished. */
  partial?: { unfinished: string[] };
}

/** The line a report of a sweep still running or stopped opens with. */
export function partialNote(data: Pick<ReportData, 'partial' | 'runs'>): string | null {
  if (!data.partial) return null;
  const u = data.partial.unfinished;
  return `Partial results: the sweep has not finished. ${data.runs.length} finished run${data.runs.length === 1 ? ' is' : 's are'} reported${u.length ? `; not finished: ${u.join('; ')}` : ''}. Runs not yet started may not be listed, and the cycle-time tables may come only when the sweep ends.`;
}

/** A table: header and rows of already formatted cells. */
export interface ReportTable {
  /** Caption (network and sweep point). */
  title: string;
  headers: string[];
  rows: string[][];
  /** Column alignment: true for right-aligned (numeric) columns. */
  numeric: boolean[];
}

function num(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits);
}

/** Format a ratio as `0.29x`. */
export function ratio(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : `${x.toFixed(2)}x`;
}

/**
 * Cycle-time tables: one per network and sweep point, topologies best (shortest cycle
 * time) first, with the ratio to RING's cycle time when RING was timed.
 */
export function cycleTimeTables(data: ReportData): ReportTable[] {
  return data.cycleTimes.map(({ label, report }) => {
    const ring = referenceCycleTime(report.results)?.cycleTimeMs;
    const sorted = [...report.results].sort((a, b) => a.cycleTimeMs - b.cycleTimeMs);
    // on the event clock, each cycle time says how it was obtained (exact periodic regime or an estimate)
    const how = report.clock !== undefined;
    const headers = [
      'rank',
      'topology',
      'cycle time (ms)',
      ...(how ? ['how (event clock)'] : []),
      ...(ring ? ['vs RING'] : []),
      'overlay edges',
    ];
    return {
      title: `${report.network} (${report.silos} silos, ${report.workload.name})${label === 'run' ? '' : `, ${label}`}${how ? `, clock: ${report.clock}` : ''}`,
      headers,
      numeric: [true, false, true, ...(how ? [false] : []), ...(ring ? [true] : []), true],
      rows: sorted.map((r, i) => [
        String(i + 1),
        r.topology,
        num(r.cycleTimeMs, 1),
        ...(how ? [typeof r.details?.cycleTime === 'string' ? r.details.cycleTime : ''] : []),
        ...(ring ? [ratio(r.cycleTimeMs / ring)] : []),
        String(r.overlayEdges),
      ]),
    };
  });
}

/**
 * The published table beside dflsim's figures: per network a row of the published cycle
 * times, a row timed on the config's overlay file for that network (RING and the
 * multigraph on that tour; e.g. the reference implementation's tour), and a row on
 * dflsim's own RING tour. Topologies other than RING and the multigraph do not depend on
 * the tour, so their two dflsim cells are the same figure. Null without a published table.
 */
export function publishedSideBySide(reports: readonly ReportCycleTimes[]): ReportTable | null {
  const withPub = reports.filter((r) => r.published);
  if (!withPub.length) return null;
  const cols = Object.keys(withPub[0].published!.cycleTimeMs);
  const labels = new Set(withPub.map((r) => r.label));
  const sweep = labels.size > 1;
  const rows: string[][] = [];
  for (const r of withPub) {
    const value = (t: string): string => num(r.report.results.find((x) => x.topology === t)?.cycleTimeMs, 2);
    const lead = [r.report.network, ...(sweep ? [r.label] : [])];
    rows.push([...lead, 'published', ...cols.map((t) => num(r.published!.cycleTimeMs[t], r.published!.digits))]);
    if (r.overlayFile)
      rows.push([...lead, `dflsim, tour of ${r.overlayFile.split(/[\\/]/).pop()}`, ...cols.map((t) => value(TOUR_TOPOLOGIES[t] ?? t))]);
    rows.push([...lead, 'dflsim, own RING tour', ...cols.map((t) => value(t))]);
  }
  return {
    title: `${withPub[0].published!.source}, beside dflsim (ms per round)`,
    headers: ['network', ...(sweep ? ['sweep'] : []), 'row', ...cols],
    rows,
    numeric: [false, ...(sweep ? [false] : []), false, ...cols.map(() => true)],
  };
}

/** For a sweep: one table per network, rows the sweep points, columns the topologies' cycle times (ms). */
export function cycleTimeSweepTables(data: ReportData): ReportTable[] {
  if (data.sweepAxes.length === 0 || data.kind !== 'cycle-times') return [];
  const networks = [...new Set(data.cycleTimes.map((c) => c.report.network))];
  return networks.map((network) => {
    const points = data.cycleTimes.filter((c) => c.report.network === network);
    const topologies = [...new Set(points.flatMap((p) => p.report.results.map((r) => r.topology)))];
    return {
      title: `${network}: cycle time (ms) against ${data.sweepAxes.join(', ')}`,
      headers: [data.sweepAxes.join(', '), ...topologies],
      numeric: [false, ...topologies.map(() => true)],
      rows: points.map((p) => [
        sweepValue(p.label),
        ...topologies.map((t) => num(p.report.results.find((r) => r.topology === t)?.cycleTimeMs, 1)),
      ]),
    };
  });
}

/** `tMax=3` -> `3`; `a=1,b=2` stays as it is. */
export function sweepValue(label: string): string {
  const m = /^[^=,]+=([^,]*)$/.exec(label);
  return m ? m[1] : label;
}

/** Whether a report's runs are classification runs (characters: accuracy instead of RMSE). */
export function isClassification(data: Pick<ReportData, 'runs'>): boolean {
  return data.runs.some((r) => r.summary.task === 'classification' || r.metrics.some((m) => m.testAccuracy != null));
}

/** The cycle time of a run's topology (ms per round): its summary's, else its drawing's. */
function runCycleTimeMs(r: ReportRun): number | undefined {
  return r.summary.cycleTimeMs ?? r.drawing?.cycleTimeMs ?? undefined;
}

/** Mean isolated silos per round of a run: its summary's, else from its metrics. */
function runMeanIsolated(r: ReportRun): number | undefined {
  if (r.summary.meanIsolated !== undefined) return r.summary.meanIsolated;
  return r.metrics.length ? r.metrics.reduce((a, m) => a + m.isolated, 0) / r.metrics.length : undefined;
}

/** Mean silos per round that kept their own model (no strong in-edge): the summary's, else from the metrics. */
function runMeanKeptOwn(r: ReportRun): number | undefined {
  if (r.summary.meanKeptOwn !== undefined) return r.summary.meanKeptOwn;
  const rows = r.metrics.filter((m) => m.keptOwn != null);
  return rows.length ? rows.reduce((a, m) => a + (m.keptOwn ?? 0), 0) / rows.length : undefined;
}

/** Format a fraction as a percentage with one decimal (`73.4%`). */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : `${(100 * x).toFixed(1)}%`;
}

/**
 * The classification summary (the multigraph paper's Tables 4 and 5): one row per run with
 * its rounds, simulated time, cycle time, isolated silos per round and final test accuracy
 * of the averaged model (and the mean of the silos' own models when they were evaluated).
 */
export function accuracyTable(data: ReportData): ReportTable | null {
  if (data.runs.length === 0 || !isClassification(data)) return null;
  const byTopology = data.runs.every((r) => r.condition === r.summary.topology);
  const silos = data.runs.some((r) => r.summary.final?.siloTestAccuracy != null);
  const seeds = hasSeeds(data);
  return {
    title: 'training runs (classification)',
    headers: [
      ...(byTopology ? [] : ['run']),
      'topology',
      ...(seeds ? ['seed'] : []),
      'rounds',
      'simulated time (s)',
      'cycle time (ms)',
      'isolated silos per round',
      'kept own model per round',
      'test accuracy',
      ...(silos ? ["silo models' mean accuracy"] : []),
      'wall time (s)',
    ],
    numeric: [
      ...(byTopology ? [] : [false]),
      false,
      ...(seeds ? [true] : []),
      true,
      true,
      true,
      true,
      true,
      true,
      ...(silos ? [true] : []),
      true,
    ],
    rows: data.runs.map((r) => {
      const s = r.summary;
      return [
        ...(byTopology ? [] : [r.condition]),
        s.topology,
        ...(seeds ? [String(r.seed)] : []),
        s.completed ? String(s.rounds) : `${(s.final?.round ?? -1) + 1} of ${s.rounds}`,
        num(s.simulatedMs / 1000, 1),
        num(runCycleTimeMs(r), 1),
        num(runMeanIsolated(r), 2),
        num(runMeanKeptOwn(r), 2),
        percent(s.testAccuracy ?? s.final?.testAccuracy),
        ...(silos ? [percent(s.final?.siloTestAccuracy)] : []),
        num(s.wallMs / 1000, 1),
      ];
    }),
  };
}

/** The training summary: one row per run. */
export function trainingTable(data: ReportData): ReportTable | null {
  if (data.runs.length === 0) return null;
  if (isClassification(data)) return accuracyTable(data);
  const byTopology = data.runs.every((r) => r.condition === r.summary.topology);
  const seeds = hasSeeds(data);
  return {
    title: 'training runs',
    headers: [
      ...(byTopology ? [] : ['run']),
      'topology',
      ...(seeds ? ['seed'] : []),
      'rounds',
      'simulated time (s)',
      'final test RMSE',
      'vs constant predictor',
      'wall time (s)',
    ],
    numeric: [...(byTopology ? [] : [false]), false, ...(seeds ? [true] : []), true, true, true, true, true],
    rows: data.runs.map(({ condition, seed, summary: s }) => [
      ...(byTopology ? [] : [condition]),
      s.topology,
      ...(seeds ? [String(seed)] : []),
      s.completed ? String(s.rounds) : `${(s.final?.round ?? -1) + 1} of ${s.rounds}`,
      num(s.simulatedMs / 1000, 3),
      num(s.final?.testRmse, 4),
      ratio(s.rmseRatioToConstant),
      num(s.wallMs / 1000, 1),
    ]),
  };
}

/** The simulated-time budget of a training experiment's config (ms), if it has one. */
export function budgetOf(data: ReportData): number | undefined {
  const b = data.config.simulatedBudgetMs;
  return typeof b === 'number' && b > 0 ? b : undefined;
}

/** Whether a report's runs ran several seeds per condition. */
export function hasSeeds(data: Pick<ReportData, 'runs'>): boolean {
  const per = new Map<string, number>();
  for (const r of data.runs) per.set(r.condition, (per.get(r.condition) ?? 0) + 1);
  return [...per.values()].some((n) => n > 1);
}

/** The verdict rules of a report's config (`verdict`), with their defaults. */
export function verdictRules(data: Pick<ReportData, 'config'>): VerdictRules {
  const v = (data.config.verdict ?? {}) as Partial<VerdictRules>;
  return {
    margin: typeof v.margin === 'number' ? v.margin : DEFAULT_VERDICT_RULES.margin,
    confidence: typeof v.confidence === 'number' ? v.confidence : DEFAULT_VERDICT_RULES.confidence,
    ...(typeof v.target === 'number' ? { target: v.target } : {}),
  };
}

/** What the runs compare, for sentences: topologies, or sweep points when more than the topology varies. */
export function conditionNoun(data: Pick<ReportData, 'sweepAxes'>): string {
  return data.sweepAxes.every((a) => a === 'topology') ? 'topology' : 'sweep point';
}

/** The verdict of a training report (null without runs): which condition reaches a common level sooner, by the rules. */
export function reportVerdict(data: ReportData): Verdict | null {
  if (data.kind !== 'train' || !data.runs.length) return null;
  return trainingVerdict(data.runs, verdictRules(data), conditionNoun(data));
}

/** `0.2345 ± 0.0123`, or the mean alone for one value. */
export function meanPm(i: Interval | null | undefined, digits: number, scale = 1): string {
  if (!i || !Number.isFinite(i.mean)) return '';
  const m = (i.mean * scale).toFixed(digits);
  return Number.isFinite(i.halfWidth) ? `${m} ± ${(i.halfWidth * scale).toFixed(digits)}` : m;
}

/**
 * The runs aggregated over seeds, one row per condition: seeds, final metric, time and rounds
 * to the verdict's target, each as mean ± the half-width of its interval. Null without a
 * verdict target or with one seed per condition and one condition.
 */
export function aggregateTable(data: ReportData, verdict: Verdict | null = reportVerdict(data)): ReportTable | null {
  if (!verdict || !data.runs.length || !hasSeeds(data)) return null;
  const classification = verdict.task === 'classification';
  const level = Math.round(verdict.rules.confidence * 100);
  const target = verdict.target;
  const targetText =
    target === null
      ? ''
      : verdict.metric.includes('relative')
        ? ` ${target.toFixed(3)}x`
        : classification
          ? ` ${percent(target)}`
          : ` ${target.toFixed(4)}`;
  return {
    title: `over seeds: mean ± ${level}% interval (Student t)`,
    headers: [
      conditionNoun(data),
      'seeds',
      classification
        ? 'final test accuracy (%)'
        : verdict.metric.includes('relative')
          ? "final test RMSE / constant predictor's"
          : 'final test RMSE',
      ...(target !== null ? [`reached${targetText}`, `time to${targetText} (s)`, `rounds to${targetText}`] : []),
    ],
    numeric: [false, true, true, ...(target !== null ? [true, true, true] : [])],
    rows: verdict.conditions.map((c) => [
      c.condition,
      String(c.seeds.length),
      classification ? meanPm(c.final, 1, 100) : meanPm(c.final, verdict.metric.includes('relative') ? 3 : 4),
      ...(target !== null
        ? [
            `${c.reached} of ${c.seeds.length}`,
            c.timeToTargetMs ? meanPm(c.timeToTargetMs, 3, 1 / 1000) : '',
            c.roundsToTarget ? meanPm(c.roundsToTarget, 1) : '',
          ]
        : []),
    ]),
  };
}

/**
 * The conditions at equal rounds and at equal simulated time ({@link equalBudgets}): mean ±
 * the half-width of the 95% interval over seeds. Null with one run or without evaluations.
 */
export function equalBudgetTable(data: ReportData): ReportTable | null {
  if (data.runs.length < 2) return null;
  const e = equalBudgets(data.runs);
  if (!e) return null;
  const classification = e.metric === 'testAccuracy';
  const what = classification ? 'test accuracy (%)' : e.relative ? "test RMSE / constant predictor's" : 'test RMSE';
  const cell = (i: Interval) => (classification ? meanPm(i, 1, 100) : meanPm(i, e.relative ? 3 : 4));
  return {
    title: `at equal rounds and at equal simulated time: mean ± 95% interval over seeds (each run's last evaluation within the budget every run reached)`,
    headers: [
      conditionNoun(data),
      'seeds',
      `${what} after ${e.round + 1} rounds`,
      `${what} at ${(e.simulatedMs / 1000).toFixed(3)} s simulated`,
    ],
    numeric: [false, true, true, true],
    rows: e.rows.map((r) => [
      r.condition,
      String(r.seeds),
      cell(r.atRounds),
      r.evaluatedByTime === 0
        ? 'not evaluated by then'
        : `${cell(r.atTime)}${r.evaluatedByTime < r.seeds ? ` (${r.evaluatedByTime} of ${r.seeds} seeds evaluated by then)` : ''}`,
    ]),
  };
}

/** The condition others are compared with: the reference topology (RING) when it ran, else the first. */
export function referenceCondition(data: Pick<ReportData, 'runs'>): string | undefined {
  const conditions = [...new Set(data.runs.map((r) => r.condition))];
  return conditions.find((c) => isReferenceTopology(c)) ?? conditions[0];
}

/**
 * Every condition against a reference (RING when it ran, else the first) at equal rounds and
 * equal simulated time, paired by seed ({@link pairedDifferences}): the mean difference, its
 * 95% interval and the paired t-test's p. "the data do not decide" when the interval holds 0.
 * Null below two seeds per condition.
 */
export function differenceTable(data: ReportData): ReportTable | null {
  if (!hasSeeds(data)) return null;
  const d = pairedDifferences(data.runs, referenceCondition(data));
  if (!d || d.rows.every((r) => r.atRounds.seeds < 2)) return null;
  const cell = differenceCell(d);
  return {
    title: `minus ${d.reference}, paired by seed: mean difference [95% interval] (${differenceUnit(d)})`,
    headers: [conditionNoun(data), 'seeds', `after ${d.round + 1} rounds`, `at ${(d.simulatedMs / 1000).toFixed(3)} s simulated`],
    numeric: [false, true, true, true],
    rows: d.rows.map((r) => [r.condition, String(r.atRounds.seeds), cell(r.atRounds), cell(r.atTime)]),
  };
}

/** What a difference table measures, in words (`test accuracy, points`). */
function differenceUnit(d: { metric: 'testRmse' | 'testAccuracy'; relative: boolean }): string {
  if (d.metric === 'testAccuracy') return 'test accuracy, points';
  return d.relative ? "test RMSE / constant predictor's" : 'test RMSE';
}

/** A paired difference as `-0.7 [-1.3, -0.0], p = 0.048`, and whether the data decide it. */
function differenceCell(d: { metric: 'testRmse' | 'testAccuracy'; relative: boolean }): (x: PairedDifference) => string {
  const classification = d.metric === 'testAccuracy';
  const scale = classification ? 100 : 1;
  const digits = classification ? 1 : d.relative ? 3 : 4;
  const f = (x: number): string => (x * scale >= 0 ? '+' : '') + (x * scale).toFixed(digits);
  return (x) => {
    if (x.seeds < 2) return x.seeds ? `${f(x.meanDiff)} (1 seed)` : '';
    if (x.meanDiff === 0 && x.low === 0 && x.high === 0) return '0 in every seed (the same results)';
    const decided = x.low > 0 || x.high < 0;
    return `${f(x.meanDiff)} [${f(x.low)}, ${f(x.high)}], p ${x.p < 0.001 ? '< 0.001' : `= ${x.p.toFixed(3)}`}${decided ? '' : ': the data do not decide'}`;
  };
}

/**
 * Every condition against the reference at several rounds ({@link pairedDifferencesOverRounds}):
 * whether a gap at equal rounds closes as training goes on. Null below two seeds per condition.
 */
export function gapOverRoundsTable(data: ReportData): ReportTable | null {
  if (!hasSeeds(data)) return null;
  const d = pairedDifferencesOverRounds(data.runs, referenceCondition(data));
  if (!d || d.rounds.length < 2 || d.rows.every((r) => r.at.every((x) => x.seeds < 2))) return null;
  const cell = differenceCell(d);
  return {
    title: `minus ${d.reference} as training goes on, paired by seed: mean difference [95% interval] (${differenceUnit(d)})`,
    headers: [conditionNoun(data), ...d.rounds.map((k) => `round ${k + 1}`)],
    numeric: [false, ...d.rounds.map(() => true)],
    rows: d.rows.map((r) => [r.condition, ...r.at.map(cell)]),
  };
}

/** A workload as `name (M bits, T ms per local step)`, or the preset's name. */
export function describeWorkload(w: unknown): string {
  if (typeof w === 'string') return w;
  if (!w || typeof w !== 'object') return '';
  const o = w as { name?: string; modelSizeBits?: number; computeMs?: number };
  const parts = [
    o.modelSizeBits !== undefined ? `${o.modelSizeBits.toLocaleString('en-US')} bits` : '',
    o.computeMs !== undefined ? `${o.computeMs} ms per local step` : '',
  ].filter(Boolean);
  return `${o.name ?? 'custom'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Configuration summary as label/value pairs. */
export function configSummary(data: ReportData): [string, string][] {
  const c = data.config;
  const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const networks = Array.isArray(c.networks) ? (c.networks as unknown[]).map(str) : [str(c.network)];
  const networkNames = [...new Set([...data.cycleTimes.map((x) => x.report.network), ...data.runs.map((r) => r.summary.network)])];
  const out: [string, string][] = [
    ['experiment', data.name],
    ['kind', data.kind === 'train' ? 'training' : 'cycle times'],
    ['network', networkNames.length ? networkNames.join(', ') : networks.join(', ')],
    ['workload', describeWorkload(c.workload)],
  ];
  if (data.sweepAxes.length)
    out.push([
      'sweep',
      data.sweepAxes
        .map(
          (a) =>
            `${a}: ${str((c.sweep as Record<string, unknown> | undefined)?.[a] ?? [...new Set(data.runs.map((r) => str(r.config?.[a])))].join(', '))}`,
        )
        .join('; '),
    ]);
  if (data.kind === 'train') {
    const first = data.runs[0];
    const model = first?.summary.model;
    if (model) out.push(['model', `${model.name} (${model.params} parameters)`]);
    if (c.dataset) out.push(['dataset', str((c.dataset as { kind?: unknown }).kind ?? c.dataset)]);
    out.push(['silos', String(first?.summary.silos ?? '')]);
    const backends = [
      ...new Set(
        data.runs.map(
          (r) =>
            `${r.summary.backend.backend}, ${r.summary.backend.threads} thread${r.summary.backend.threads === 1 ? '' : 's'}${r.summary.backend.kernels ? `, ${r.summary.backend.kernels} kernels` : ''}`,
        ),
      ),
    ];
    out.push(['backend', backends.join('; ')]);
  }
  const seeds = [...new Set(data.runs.length ? data.runs.map((r) => String(r.summary.seed)) : [str(c.seed)])];
  out.push([seeds.length > 1 ? 'seeds' : 'seed', seeds.join(', ')]);
  out.push(...simulationRows(data));
  out.push(['access links', c.accessGbps === undefined ? '' : `${str(c.accessGbps)} Gbit/s`]);
  if (c.tMax !== undefined && !data.sweepAxes.includes('tMax')) out.push(['multigraph t', str(c.tMax)]);
  if (data.kind === 'train' && data.runs.length > 1) {
    const r = verdictRules(data);
    out.push([
      'verdict rules',
      `target ${r.target !== undefined ? String(r.target) : 'the best level every run reached'}; learned = ${Math.round(r.margin * 1000) / 10}% better than the baseline; clear at p < ${+(1 - r.confidence).toFixed(4)} over seeds`,
    ]);
  }
  out.push(['dflsim version', data.version]);
  return out.filter(([, v]) => v !== '');
}

/** Stragglers of a config in words. */
export function describeStragglers(x: unknown): string {
  if (!x || typeof x !== 'object') return 'none';
  const s = x as { model?: string; sigma?: number; p?: number; slowdown?: number; silos?: string[] };
  const who = s.silos?.length ? ` on ${s.silos.join(', ')}` : ' on every silo';
  if (s.model === 'lognormal') return `lognormal compute multiplier per silo and round (sigma ${s.sigma})${who}`;
  if (s.model === 'two-point') return `a silo is ${s.slowdown}x slower in a round with probability ${s.p}${who}`;
  return JSON.stringify(x);
}

/** Failures of a config in words. */
export function describeFailures(x: unknown): string {
  if (!x || typeof x !== 'object') return 'none';
  const f = x as {
    silos?: { silo: string; fromRound: number; toRound: number }[];
    links?: { between: [string, string]; fromRound: number; toRound: number }[];
    rate?: { perRound: number; meanDownRounds: number };
  };
  const parts: string[] = [];
  for (const d of f.silos ?? []) parts.push(`${d.silo} down in rounds ${d.fromRound + 1}-${d.toRound + 1}`);
  for (const d of f.links ?? []) parts.push(`link ${d.between[0]}-${d.between[1]} down in rounds ${d.fromRound + 1}-${d.toRound + 1}`);
  if (f.rate)
    parts.push(`every silo goes down with probability ${f.rate.perRound} per round, for ${f.rate.meanDownRounds} rounds on average`);
  return parts.length ? parts.join('; ') : 'none';
}

/** The silo profile of a config in words. */
export function describeProfile(x: unknown): string {
  if (x === undefined || x === null) return "none: every silo has the workload's compute time and the access-link capacities";
  if (typeof x === 'string') return `file ${x.split(/[\\/]/).pop()}`;
  return `generated (seeded): ${JSON.stringify(x)}`;
}

/** The clock of a config in words (`max-plus (exact)`, `event-driven, fair sharing`). */
export function describeConfigClock(c: Record<string, unknown>): string {
  if (c.clock !== 'events') return "max-plus (exact; the papers' model)";
  return `event-driven, ${c.sharing === 'fair' ? 'fair (max-min) sharing of the access links' : 'fixed sharing (access links divided by degree)'}`;
}

/**
 * What was simulated, as configuration rows: the clock, stragglers, failures, silo profile,
 * link capacities; for training, the model size and step time with their sources, the
 * time budget and the evaluation period.
 */
export function simulationRows(data: ReportData): [string, string][] {
  const c = data.config;
  const rows: [string, string][] = [['clock', describeConfigClock(c)]];
  if (c.clock === 'events') {
    rows.push(['stragglers', describeStragglers(c.stragglers)]);
    rows.push(['failures', describeFailures(c.failures)]);
  }
  rows.push(['silo profile', describeProfile(c.siloProfile)]);
  rows.push(['link capacities', c.linkCapacities === 'gml' ? "from the GML (each path's bottleneck link)" : "ignored (the papers' model)"]);
  if (data.kind === 'train') {
    const sims = data.runs.map((r) => r.summary.simulated).filter((x): x is NonNullable<typeof x> => !!x);
    const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
    if (sims.length) {
      rows.push([
        'model size on the links',
        uniq(sims.map((x) => `${x.modelSizeBits.toLocaleString('en-US')} bits (${x.modelSizeSource})`)).join('; '),
      ]);
      rows.push(['compute per local step', uniq(sims.map((x) => `${x.computeMs} ms (${x.computeMsSource})`)).join('; ')]);
      const every = uniq(sims.map((x) => x.evalEvery)).sort((a, b) => a - b);
      const auto = data.config.evalEvery === undefined ? ' (the default: about 20 evaluations per run)' : '';
      rows.push([
        'evaluation',
        `every ${every.join(' or ')} round${every.length === 1 && every[0] === 1 ? '' : 's'}${every.length > 1 ? ' by run' : ''}, and the last${auto}`,
      ]);
    }
    const budget = budgetOf(data);
    if (budget !== undefined)
      rows.push(['simulated-time budget', `${num(budget / 1000, 3)} s: each run trains the rounds that end within it`]);
  }
  return rows;
}

/** The two per-round counts of silos that do not mix with fresh models, defined once for reports and docs. */
export const ISOLATION_DEFINITIONS =
  "Isolated silos per round: silos with no strong edge in either direction (all their edges are weak: the multigraph paper's count). Kept own model per round: silos with no strong in-edge, whose model that round mixes with nobody's (on a directed overlay a silo can send strongly and still keep its own model); this is the count that matters for mixing.";

/** Isolated silos of one multigraph drawing: how many states isolate each silo. */
export interface IsolationNote {
  network: string;
  topology: string;
  states: number;
  statesWithIsolated: number;
  /** Silo name and number of states in which it is isolated, most often first. */
  silos: { name: string; states: number }[];
}

/** Notes on the multigraph's isolated silos, from the drawings. */
export function isolationNotes(data: ReportData): IsolationNote[] {
  const notes: IsolationNote[] = [];
  for (const { network, drawings } of data.drawings) {
    for (const d of drawings) {
      if (!d.states?.length) continue;
      const counts = new Map<number, number>();
      for (const s of d.states) for (const i of s.isolated) counts.set(i, (counts.get(i) ?? 0) + 1);
      notes.push({
        network,
        topology: d.topology,
        states: d.states.length,
        statesWithIsolated: d.states.filter((s) => s.isolated.length > 0).length,
        silos: [...counts.entries()]
          .sort((a, b) => b[1] - a[1] || a[0] - b[0])
          .map(([i, n]) => ({ name: d.silos[i]?.label ?? d.silos[i]?.name ?? String(i), states: n })),
      });
    }
  }
  return notes;
}

/** One sentence per isolation note. */
export function isolationSentences(data: ReportData): string[] {
  const lines = isolationNotes(data).map((n) => {
    const head = `${n.topology} on ${n.network}: ${n.states} graph state${n.states === 1 ? '' : 's'}, ${n.statesWithIsolated} with isolated silos`;
    if (!n.silos.length) return `${head}; no silo is ever isolated.`;
    const shown = n.silos
      .slice(0, 10)
      .map((s) => `${s.name} (${s.states}/${n.states})`)
      .join(', ');
    return `${head}; isolated: ${shown}${n.silos.length > 10 ? `, and ${n.silos.length - 10} more` : ''}.`;
  });
  // one sentence per condition and outcome (seeds with the same counts are one sentence)
  const said = new Map<string, number[]>();
  for (const r of data.runs) {
    const rows = r.metrics;
    if (!rows.length || !rows.some((m) => m.isolated > 0 || (m.keptOwn ?? 0) > 0)) continue;
    const rounds = rows.filter((m) => m.isolated > 0).length;
    const mean = rows.reduce((s, m) => s + m.isolated, 0) / rows.length;
    const kept = rows.some((m) => m.keptOwn != null)
      ? `; ${(rows.reduce((s, m) => s + (m.keptOwn ?? 0), 0) / rows.length).toFixed(2)} silos per round kept their own model`
      : '';
    const text = `silos were isolated in ${rounds} of ${rows.length} rounds (${mean.toFixed(2)} silos per round on average)${kept}.`;
    const key = `${r.condition}\u0000${text}`;
    said.set(key, [...(said.get(key) ?? []), r.seed]);
  }
  const seeded = hasSeeds(data);
  for (const [key, seeds] of said) {
    const [condition, text] = key.split('\u0000');
    lines.push(
      `training run${seeds.length > 1 ? 's' : ''} ${condition}${seeded ? ` (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')})` : ''}: ${text}`,
    );
  }
  return lines;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The silo profile of each network whose drawings carry one: compute per local step and access capacities, slowest first. */
export function profileTables(data: ReportData): ReportTable[] {
  const out: ReportTable[] = [];
  const seen = new Set<string>();
  const groups = [
    ...data.drawings,
    ...data.runs.filter((r) => r.drawing).map((r) => ({ network: r.drawing!.network, drawings: [r.drawing!] })),
  ];
  for (const g of groups) {
    const d = g.drawings.find((x) => x.profile);
    if (!d || seen.has(g.network)) continue;
    seen.add(g.network);
    const p = d.profile!;
    const order = d.silos.map((_, i) => i).sort((a, b) => p.computeMs[b] - p.computeMs[a] || p.uploadGbps[a] - p.uploadGbps[b] || a - b);
    out.push({
      title: `Silo profile on ${g.network} (slowest first)`,
      headers: ['silo', 'compute per step (ms)', 'upload (Gbit/s)', 'download (Gbit/s)'],
      numeric: [false, true, true, true],
      rows: order.map((i) => [
        d.silos[i].label ?? d.silos[i].name,
        num(p.computeMs[i], 2),
        num(p.uploadGbps[i], 2),
        num(p.downloadGbps[i], 2),
      ]),
    });
  }
  return out;
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(t: Pick<ReportTable, 'headers' | 'rows' | 'numeric'>): string {
  const line = (cells: string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(t.headers), `|${t.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`, ...t.rows.map(line)].join('\n') + '\n';
}

/** The sentences under the training tables: the baseline, what the columns mean, what the clock was. */
export function trainingNote(data: ReportData): string {
  const clock = `Simulated time on the ${describeConfigClock(data.config)} clock.`;
  if (isClassification(data)) return `${classificationNote(data)} ${clock}`;
  const cs = [
    ...new Set(
      data.runs.map((r) => r.summary.constantPredictorRmse).filter((c): c is number => c !== null && c !== undefined && Number.isFinite(c)),
    ),
  ];
  const base =
    cs.length === 1
      ? `Constant-predictor test RMSE (predicting the training mean): ${num(cs[0], 4)}.`
      : cs.length
        ? `Constant-predictor test RMSE (predicting the training mean; each seed draws its own data): ${cs.map((c) => num(c, 4)).join(', ')}.`
        : '';
  const budget = budgetOf(data);
  const equal =
    budget !== undefined
      ? ` Equal simulated time: every run trained the rounds that end within ${num(budget / 1000, 3)} s, so faster topologies trained more rounds.`
      : '';
  return `${base} "vs constant predictor" is the final test RMSE over it (below 1x beats it). ${clock}${equal}`;
}

/** The sentence under the classification table: the majority-class baseline and what the columns mean. */
export function classificationNote(data: ReportData): string {
  const maj = data.runs.find((r) => r.summary.majorityClassAccuracy != null)?.summary.majorityClassAccuracy;
  const budget = budgetOf(data);
  const equal =
    budget !== undefined
      ? ` Equal simulated time: every run trained the rounds that end within the budget of ${num(budget / 1000, 3)} s and was evaluated at its last, so faster topologies trained more rounds.`
      : data.runs.length > 1
        ? ' Equal rounds: every run trained the same number of rounds.'
        : '';
  return `Test accuracy of the averaged model on the held-out images of every writer${maj != null ? `; always answering the most frequent training class scores ${percent(maj)}, chance is 1/62 = 1.6%` : ''}. Cycle time: the topology's on the run's network and workload, over the run's rounds. ${ISOLATION_DEFINITIONS}${equal}`;
}

/** What the cycle-time tables show: which topologies, on which clock and workload. */
export function cycleTimeNote(data: ReportData): string {
  const which =
    data.kind === 'train'
      ? "The topologies trained here (baselines without a cycle time left out), timed on the runs' network, workload and clock"
      : 'Every topology of the config';
  const ring = data.cycleTimes.some((c) => referenceCycleTime(c.report.results)) ? '; "vs RING" is the cycle time over RING\'s' : '';
  const clocks = [...new Set(data.cycleTimes.map((c) => c.report.clock).filter((x): x is string => !!x))];
  const each = data.cycleTimes.flatMap((c) =>
    c.report.results.map((r) => r.details?.cycleTime).filter((x): x is string => typeof x === 'string'),
  );
  // the forms of estimate once each; the intervals themselves are in the tables, per topology
  const how = [...new Set(each.map((h) => h.replace(/, 95% CI ±[0-9.eE+-]+ ms/, ', with a 95% interval')))];
  const intervals = each.some((h) => /95% CI ±/.test(h)) ? "; each topology's interval is in the table" : '';
  return `${which}: milliseconds per round, best first${ring}. Clock: ${clocks.length ? clocks.join('; ') : describeConfigClock(data.config)}${how.length ? ` (cycle time: ${how.join('; ')}${intervals})` : ''}.`;
}

/** Render `report.md`. */
export function renderMarkdown(data: ReportData): string {
  const parts: string[] = [`# ${data.name}: results\n`];
  const partial = partialNote(data);
  if (partial) parts.push(`**${partial}**\n`);
  parts.push('## Configuration\n');
  parts.push(markdownTable({ headers: ['setting', 'value'], numeric: [false, false], rows: configSummary(data) }));
  const training = trainingTable(data);
  if (training) {
    parts.push('## Training\n');
    const verdict = reportVerdict(data);
    if (verdict && data.runs.length > 1) parts.push(`**${verdict.sentence}**\n`, `${verdict.rule}\n`);
    const agg = aggregateTable(data, verdict);
    if (agg) parts.push(`### Runs ${agg.title}\n`, markdownTable(agg));
    const equal = equalBudgetTable(data);
    if (equal) parts.push(`### Runs ${equal.title}\n`, markdownTable(equal));
    const diff = differenceTable(data);
    if (diff) parts.push(`### Each ${conditionNoun(data)} ${diff.title}\n`, markdownTable(diff));
    const gap = gapOverRoundsTable(data);
    if (gap) parts.push(`### Each ${conditionNoun(data)} ${gap.title}\n`, markdownTable(gap));
    if (agg || equal) parts.push('### Every run\n');
    parts.push(markdownTable(training));
    parts.push(trainingNote(data) + '\n');
  }
  const profiles = profileTables(data);
  if (profiles.length) {
    parts.push('## Silo profile\n');
    for (const t of profiles) parts.push(`### ${t.title}\n`, markdownTable(t));
  }
  parts.push('## Cycle time\n');
  const side = publishedSideBySide(data.cycleTimes);
  if (side) {
    parts.push(`### ${side.title}\n`);
    parts.push(
      'Rows per network: the published figures; dflsim on the overlay file given for the network (RING and the multigraph on that tour; STAR, MATCHA, MATCHA(+), MST and δ-MBST do not depend on the tour); dflsim on its own RING tour (Christofides, 2-opt, Or-opt).\n',
    );
    parts.push(markdownTable(side));
  }
  parts.push(`${cycleTimeNote(data)}\n`);
  for (const t of cycleTimeSweepTables(data)) parts.push(`### ${t.title}\n`, markdownTable(t));
  for (const t of cycleTimeTables(data)) parts.push(`### ${t.title}\n`, markdownTable(t));
  const notes = isolationSentences(data);
  if (notes.length) {
    parts.push('## Isolated silos (multigraph)\n');
    parts.push(
      `A silo is isolated in a graph state when all its edges are weak: it aggregates without waiting for its neighbours that round. ${ISOLATION_DEFINITIONS}\n`,
    );
    parts.push(notes.map((n) => `- ${n}`).join('\n') + '\n');
  }
  parts.push('Plots are in report.html beside this file.\n');
  return parts.join('\n');
}
