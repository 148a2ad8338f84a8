/**
 * The report's input/output layer: read a results directory written by `dflsim run`
 * (validating it), render `report.md` and `report.html`, and write both atomically
 * (temporary file, then rename) into the directory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic } from '../io/files.js';
import { sweepLabelPairs } from '../experiment/config.js';
import type { CycleTimeReport } from '../experiment/cycle-times.js';
import type { RunSummary } from '../experiment/runner.js';
import type { TopologyDrawing } from '../experiment/topology-file.js';
import type { MetricRow } from '../learning/dpasgd.js';
import { renderHtml } from './html.js';
import { renderMarkdown, reportVerdict, type ReportCycleTimes, type ReportData, type ReportRun } from './markdown.js';
import { reportPlots } from './plots.js';

/** Where {@link writeReport} wrote. */
export interface ReportPaths {
  markdownPath: string;
  htmlPath: string;
  /** For a training comparison: which run first reached a common test RMSE, and when (one sentence). */
  headline?: string;
}

const NOT_RESULTS = 'not a dflsim results directory (no summary.json); create one with "dflsim run <config> --out <dir>"';

function readJson<T>(file: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DflsimInputError(file, `cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DflsimInputError(file, `invalid JSON: ${(e as Error).message}`);
  }
}

function readJsonIfExists<T>(file: string): T | null {
  return existsSync(file) ? readJson<T>(file) : null;
}

/**
 * Parse a run's `metrics.csv` (empty cells are null).
 * @param file for error messages
 */
export function parseMetricsCsv(text: string, file: string): MetricRow[] {
  // RFC 4180 (csv-parse): quoted fields may hold commas and newlines; each record knows its line
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    throw new DflsimInputError(file, `line ${err.lines ?? 1}: not valid CSV: ${err.message ?? String(e)}`);
  }
  if (!records.length) return [];
  const header = records[0].record.map((h) => h.trim());
  for (const c of ['round', 'simulatedMs', 'testRmse']) {
    if (!header.includes(c)) throw new DflsimInputError(file, `line 1: missing column "${c}"`);
  }
  return records.slice(1).map(({ record: f, info }, k) => {
    const row: Record<string, number | null> = {};
    header.forEach((h, i) => {
      const v = (f[i] ?? '').trim();
      if (v === '') {
        row[h] = null;
        return;
      }
      const x = Number(v);
      if (!Number.isFinite(x)) throw new DflsimInputError(file, `line ${info.lines}: column "${h}" is not a number: "${v}"`);
      row[h] = x;
    });
    return {
      round: row.round ?? k,
      simulatedMs: row.simulatedMs ?? 0,
      wallMs: row.wallMs ?? 0,
      trainLoss: row.trainLoss ?? NaN,
      testLoss: row.testLoss ?? null,
      testRmse: row.testRmse ?? null,
      consensus: row.consensus ?? null,
      siloTestRmse: row.siloTestRmse ?? null,
      isolated: row.isolated ?? 0,
      down: row.down ?? 0,
      testAccuracy: row.testAccuracy ?? null,
      siloTestAccuracy: row.siloTestAccuracy ?? null,
      ...(row.keptOwn != null ? { keptOwn: row.keptOwn } : {}),
    };
  });
}

function isRunSummary(x: unknown): x is RunSummary {
  const o = x as Partial<RunSummary> | null;
  return !!o && typeof o === 'object' && typeof o.topology === 'string' && typeof o.rounds === 'number' && 'constantPredictorRmse' in o;
}

/**
 * What a run compares: `lin-sweep/topology=ring,seed=2` -> `ring`; `lin-sweep/lr=0.1` ->
 * `lr=0.1`; no sweep (or only seeds) -> the topology.
 */
export function runCondition(s: Pick<RunSummary, 'name' | 'topology'>, experiment: string): string {
  const point = s.name.startsWith(`${experiment}/`) ? s.name.slice(experiment.length + 1) : '';
  const parts = point.split(',').filter((p) => p && !/^seed=/.test(p));
  if (!parts.length) return s.topology;
  const rest = parts.join(',');
  const m = /^topology=([^,]+)$/.exec(rest);
  return m ? m[1] : rest;
}

function readRun(dir: string, summary: RunSummary, experiment: string): ReportRun {
  const metricsFile = path.join(dir, 'metrics.csv');
  const metrics = existsSync(metricsFile)
    ? parseMetricsCsv(readFileSync(metricsFile, 'utf8'), metricsFile)
    : summary.final
      ? [summary.final]
      : [];
  const condition = runCondition(summary, experiment);
  const seeded = /(^|,)seed=/.test(summary.name.slice(experiment.length + 1));
  return {
    label: seeded ? `${condition} (seed ${summary.seed})` : condition,
    condition,
    seed: summary.seed,
    summary,
    metrics,
    config: readJsonIfExists<Record<string, unknown>>(path.join(dir, 'config.resolved.json')),
    drawing: readJsonIfExists<TopologyDrawing>(path.join(dir, 'topology.json')),
    dir,
  };
}

/** Find a run's folder: the basename of its recorded `outDir`, else the subfolder whose summary names it. */
function runDir(dir: string, s: RunSummary): string {
  const byName = path.join(dir, path.basename(s.outDir ?? ''));
  if (s.outDir && existsSync(path.join(byName, 'summary.json'))) return byName;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const f = path.join(dir, e.name, 'summary.json');
    if (existsSync(f) && readJson<RunSummary>(f).name === s.name) return path.join(dir, e.name);
  }
  return byName;
}

function sweepAxesOf(labels: string[]): string[] {
  return [...new Set(labels.flatMap((l) => [...sweepLabelPairs(l).keys()]))];
}

/**
 * A sweep still running or stopped (no `summary.json` at its top yet): its finished runs,
 * those in subfolders whose `summary.json` is a completed run of one experiment, with the
 * runs started but not finished named. Null when there is no finished run.
 */
function partialSweep(resultsDir: string): ReportData | null {
  const finished: { dir: string; summary: RunSummary }[] = [];
  const unfinished: string[] = [];
  for (const e of readdirSync(resultsDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory()) continue;
    const dir = path.join(resultsDir, e.name);
    const f = path.join(dir, 'summary.json');
    const s = existsSync(f) ? readJson<unknown>(f) : null;
    if (isRunSummary(s) && s.completed && s.name.includes('/')) finished.push({ dir, summary: s });
    else if (existsSync(path.join(dir, 'config.resolved.json'))) unfinished.push(e.name);
  }
  if (!finished.length) return null;
  const name = finished[0].summary.name.slice(0, finished[0].summary.name.indexOf('/'));
  const mine = finished.filter((f) => f.summary.name.startsWith(`${name}/`));
  // the folders' order (by name): the sweep's own order is known only once its summary is written
  const runs = mine.map((f) => readRun(f.dir, f.summary, name));
  const labels = runs.map((r) => r.summary.name.slice(name.length + 1));
  return {
    kind: 'train',
    name,
    version: String(runs[0].summary.version ?? ''),
    config: runs[0].config ?? {},
    sweepAxes: sweepAxesOf(labels).filter((a) => a !== 'seed'),
    cycleTimes: [],
    runs,
    drawings: [],
    partial: { unfinished },
  };
}

/** What a report may set beside the results (`dflsim report --target`). */
export interface ReportOptions {
  /**
   * The level every condition is timed to (`verdict.target`): a test accuracy in (0, 1] or a
   * test RMSE, instead of the config's or the default (the best level every run reached).
   */
  target?: number;
}

/**
 * The results with the report's options applied (the verdict's target).
 * @throws DflsimInputError naming `--target` for a level the runs cannot be timed to
 */
export function withReportOptions(data: ReportData, options: ReportOptions): ReportData {
  if (options.target === undefined) return data;
  const t = options.target;
  const classification = data.runs.some((r) => r.summary.task === 'classification');
  if (!Number.isFinite(t) || t <= 0 || (classification && t > 1))
    throw new DflsimInputError(
      '--target',
      `expected ${classification ? 'a test accuracy in (0, 1], e.g. 0.9' : 'a positive test RMSE'}, got ${String(t)}`,
    );
  if (data.kind !== 'train') throw new DflsimInputError('--target', 'a cycle-time experiment has no training to time to a target');
  const verdict = (data.config.verdict && typeof data.config.verdict === 'object' ? data.config.verdict : {}) as Record<string, unknown>;
  return { ...data, config: { ...data.config, verdict: { ...verdict, target: t } } };
}

/**
 * Read and validate a results directory.
 * @throws DflsimInputError naming the directory (missing, not a directory, not results) or the bad file
 */
export function readResults(resultsDir: string): ReportData {
  if (!existsSync(resultsDir)) throw new DflsimInputError(resultsDir, 'results directory not found');
  if (!statSync(resultsDir).isDirectory())
    throw new DflsimInputError(resultsDir, 'not a directory (give the results directory written by "dflsim run")');
  const summaryFile = path.join(resultsDir, 'summary.json');
  if (!existsSync(summaryFile)) {
    const partial = partialSweep(resultsDir);
    if (partial) return partial;
    throw new DflsimInputError(resultsDir, NOT_RESULTS);
  }
  const summary = readJson<Record<string, unknown>>(summaryFile);
  const config = readJsonIfExists<Record<string, unknown>>(path.join(resultsDir, 'config.resolved.json'));
  const drawings = readJsonIfExists<{ network: string; drawings: TopologyDrawing[] }[]>(path.join(resultsDir, 'topologies.json')) ?? [];
  if (!Array.isArray(drawings))
    throw new DflsimInputError(path.join(resultsDir, 'topologies.json'), 'expected a list of networks with drawings');

  if (summary.kind === 'cycle-times') {
    const reports = summary.reports as ReportCycleTimes[] | undefined;
    if (!Array.isArray(reports) || reports.some((r) => !r?.report || !Array.isArray(r.report.results)))
      throw new DflsimInputError(summaryFile, 'field "reports": expected a list of {label, report}');
    const labels = [...new Set(reports.map((r) => r.label))];
    return {
      kind: 'cycle-times',
      name: String(summary.name ?? config?.name ?? path.basename(resultsDir)),
      version: String(summary.version ?? config?.version ?? ''),
      config: config ?? {},
      sweepAxes:
        config?.sweep && typeof config.sweep === 'object' ? Object.keys(config.sweep) : labels.length > 1 ? sweepAxesOf(labels) : [],
      cycleTimes: reports,
      runs: [],
      drawings,
    };
  }

  let runs: ReportRun[];
  let name: string;
  const unfinished: string[] = [];
  if (summary.kind === 'train') {
    if (!Array.isArray(summary.runs) || !summary.runs.every(isRunSummary))
      throw new DflsimInputError(summaryFile, 'field "runs": expected a list of run summaries');
    name = String(summary.name ?? path.basename(resultsDir));
    const experiment = name;
    // a sweep stopped part-way lists its interrupted runs too: they are named, not analysed
    const all = summary.runs as RunSummary[];
    runs = all.filter((s) => s.completed !== false).map((s) => readRun(runDir(resultsDir, s), s, experiment));
    for (const s of all.filter((x) => x.completed === false)) unfinished.push(s.name.slice(experiment.length + 1) || s.name);
    // points a run with --only left without a finished run
    if (Array.isArray(summary.notRun))
      for (const l of summary.notRun) if (typeof l === 'string' && !unfinished.includes(l)) unfinished.push(l);
  } else if (isRunSummary(summary)) {
    name = summary.name;
    runs = [readRun(resultsDir, summary, name)];
  } else {
    throw new DflsimInputError(summaryFile, 'not a dflsim results summary (expected "kind": "train" or "cycle-times", or a run summary)');
  }
  const ctFile = path.join(resultsDir, 'cycle-times.json');
  // a list of {label, report} (one per timing point of the sweep), or one report (older results)
  const ct = readJsonIfExists<CycleTimeReport | { label: string; report: CycleTimeReport }[]>(ctFile);
  const cycleTimes: ReportCycleTimes[] = !ct
    ? []
    : Array.isArray(ct)
      ? ct.map((c) => ({ label: String(c?.label ?? 'run'), report: c?.report }))
      : [{ label: 'run', report: ct }];
  if (cycleTimes.some((c) => !c.report || !Array.isArray(c.report.results)))
    throw new DflsimInputError(ctFile, 'field "results": expected a list');
  const labels = runs.map((r) => (r.summary.name.startsWith(`${name}/`) ? r.summary.name.slice(name.length + 1) : ''));
  return {
    kind: 'train',
    name,
    version: String(summary.version ?? runs[0]?.summary.version ?? ''),
    config: config ?? runs[0]?.config ?? {},
    sweepAxes: sweepAxesOf(labels.filter(Boolean)).filter((a) => a !== 'seed'),
    cycleTimes,
    runs,
    drawings,
    ...(unfinished.length ? { partial: { unfinished } } : {}),
  };
}

/**
 * Write `report.md` and `report.html` into a results directory.
 * Everything is read and rendered before anything is written; each file is written
 * atomically.
 * @param resultsDir a directory written by `dflsim run <config> --out <dir>`
 * @returns the paths written
 */
export async function writeReport(resultsDir: string, options: ReportOptions = {}): Promise<ReportPaths> {
  const data = withReportOptions(readResults(resultsDir), options);
  const markdown = renderMarkdown(data);
  const plots = await reportPlots(data);
  const html = renderHtml(data, plots, {
    footer: `Generated by dflsim ${data.version} from the results in ${path.basename(path.resolve(resultsDir))}/ (report.md has the same tables).`,
  });
  const markdownPath = path.join(resultsDir, 'report.md');
  const htmlPath = path.join(resultsDir, 'report.html');
  writeFileAtomic(markdownPath, markdown);
  writeFileAtomic(htmlPath, html);
  const headline = data.kind === 'train' ? reportVerdict(data)?.sentence : undefined;
  return { markdownPath, htmlPath, ...(headline ? { headline } : {}) };
}
