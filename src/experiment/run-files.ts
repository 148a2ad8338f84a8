/**
 * A run's files: the metrics and silo-times CSVs, the config hash that ties results and
 * checkpoints to their config, and a finished run's summary.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { MetricRow } from '../learning/dpasgd.js';
import type { TopologyPlan } from '../overlay/topology.js';
import { planEventClock, type ClockChoice } from '../timing/clock.js';
import { type TrainConfig } from './config.js';

import type { RunSummary } from './run-types.js';

/** Columns of `metrics.csv`. */
export const METRIC_COLUMNS = [
  'round',
  'simulatedMs',
  'wallMs',
  'trainLoss',
  'testLoss',
  'testRmse',
  'consensus',
  'siloTestRmse',
  'isolated',
  'down',
  'testAccuracy',
  'siloTestAccuracy',
  'keptOwn',
] as const;

/** Hash of the fields that determine a run's results (so a resume cannot mix configs). */
export function configHash(cfg: TrainConfig): string {
  const {
    checkpointEvery: _c,
    backend: _b,
    threads: _t,
    workers: _w,
    description: _d,
    $schema: _s,
    distributeSilos: _ds,
    siloGroups: _g,
    queue: _q,
    ...rest
  } = cfg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/**
 * `silo-times.csv`: per silo, the simulated time it spent computing, sending its model and
 * waiting over the rounds run: the event clock's breakdown over the plan's transfers, on
 * the run's event clock, or with fixed sharing on a max-plus run (the per-silo max-plus
 * recursion to rounding; for the multigraph its physical per-silo clock rather than the
 * paper's sum of τk that times its rounds, see `timing/clock.ts`).
 */
export function siloTimesCsv(plan: TopologyPlan, clock: ClockChoice, rounds: number, silos: readonly string[]): string {
  const header = ['silo', 'computeMs', 'sendMs', 'waitMs'];
  if (rounds < 1 || plan.n !== silos.length) return stringify([], { header: true, columns: header });
  const t = planEventClock(plan, clock.clock === 'events' ? clock : { seed: clock.seed }).totals(rounds - 1);
  return stringify(
    silos.map((s, j) => [s, t.computeMs[j], t.sendMs[j], t.waitMs[j]]),
    { header: true, columns: header },
  );
}

/** Render metrics as CSV (empty cells where a round had no evaluation). */
export function metricsCsv(rows: readonly MetricRow[]): string {
  return stringify(
    rows.map((r) => METRIC_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? '' : r[c]))),
    { header: true, columns: [...METRIC_COLUMNS] },
  );
}

/** The config hash recorded in a results directory's `config.resolved.json`, if any. */
export function resultsConfigHash(dir: string): string | undefined {
  try {
    const h = (JSON.parse(readFileSync(path.join(dir, 'config.resolved.json'), 'utf8')) as { configHash?: unknown }).configHash;
    return typeof h === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The summary of a finished run in `dir` written by this config (same config hash), or
 * undefined: a re-run with --resume returns it instead of training again.
 */
export function finishedRunSummary(dir: string, hash: string): RunSummary | undefined {
  try {
    if (!['metrics.csv', 'topology.json'].every((f) => existsSync(path.join(dir, f)))) return undefined;
    const resolved = JSON.parse(readFileSync(path.join(dir, 'config.resolved.json'), 'utf8')) as { configHash?: string };
    if (resolved.configHash !== hash) return undefined;
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    return summary.completed ? summary : undefined;
  } catch {
    return undefined;
  }
}
