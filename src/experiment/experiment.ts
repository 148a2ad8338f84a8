/**
 * Running a whole experiment config: its sweep expanded into runs, each run into its own
 * subdirectory (or the results directory itself when there is one run), and a summary of
 * all runs at the top.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DflsimInputError, expectObject, expectString } from '../errors.js';
import { PUBLISHED, TOUR_TOPOLOGIES } from './published.js';
import { writeFileAtomic } from '../io/files.js';
import { packageVersion } from '../project-root.js';
import { checkResumable, readCheckpoint } from './checkpoint.js';
import { LOCK_FILE, lockOutDir } from './out-lock.js';
import { checkQueueUrl } from './queue/url.js';
import { DEFAULT_QUEUE_PREFIX, type QueueTarget } from './queue/names.js';
import {
  configWorkload,
  expandSweep,
  sweepLabelPairs,
  expandTrainRuns,
  loadConfig,
  type ConfigOverride,
  resolveConfigPath,
  type CycleTimeConfig,
  type TrainConfig,
  type TrainTiming,
} from './config.js';
import {
  defaultTopologies,
  prepareContext,
  requestedTopologies,
  timeTopologies,
  networkWarnings,
  type CycleTimeReport,
  type CycleTimeRequest,
} from './cycle-times.js';
import { describeTopology, drawnTopologies, type TopologyDrawing } from './topology-file.js';
import {
  clockAndProfile,
  configHash,
  finishedRunSummary,
  resolveTrainTiming,
  runTraining,
  trainContextRequest,
  trainedTopology,
  trainingSchedule,
  type RunSummary,
} from './runner.js';
import { loadUnderlay } from '../network/load.js';
import type { Underlay } from '../network/underlay.js';
import { linkCapacityCoverage } from '../network/connectivity.js';
import { getTopologyValue } from '../overlay/catalogue.js';

/** Options of {@link runExperiment}. */
export interface ExperimentOptions {
  /** The results directory (created if missing; refused when not empty, unless `resume` or `force`). */
  outDir: string;
  /** Continue the runs' checkpoints in `outDir` (as `dflsim run --resume`). */
  resume?: boolean;
  /** Replace results already in `outDir` (as `dflsim run --force`). */
  force?: boolean;
  /** Asked after every round: `true` checkpoints the running run and stops (what Ctrl-C does in the CLI). */
  shouldStop?: () => boolean;
  /** Worker threads training silos in parallel (overrides the config's `workers`). */
  workers?: number;
  /** Receives notices (one line each: defaults applied, runs skipped, warnings). */
  log?: (line: string) => void;
  /** Progress: a label (what is running), done of total, and a detail (the run or network). */
  onProgress?: (label: string, done: number, total: number, detail: string) => void;
  /** Run a training sweep's runs over the Redis queue at this URL (`redis://` or `rediss://`). */
  queue?: string;
  /** Where the queue URL came from, for errors (default `--queue`). */
  queueWhere?: string;
  /** Key prefix of the queue (`--queue-prefix`, `DFLSIM_QUEUE_PREFIX`); default the config's `queuePrefix`, then `dflsim`. */
  queuePrefix?: string;
  /** The queue's shared secret (`DFLSIM_QUEUE_SECRET`, `--queue-secret-file`): jobs signed, results verified. */
  queueSecret?: Buffer;
  /** Child processes running a sweep's runs in parallel on this machine (no queue); default 1. */
  parallelRuns?: number;
  /** Command-line overrides of config fields (`--clock`, `--sharing`, `--silo-profile`, `--link-capacities`, `--seeds`). */
  overrides?: ConfigOverride[];
  /** Keep finished runs' checkpoints (default: a finished run keeps what its report and a re-run need). */
  keepCheckpoints?: boolean;
  /**
   * Run only the sweep points matching every `axis=value` pair (`--only topology=ring,seed=1`);
   * the other points' finished runs in `outDir` stay in its summary.
   */
  only?: Record<string, string>;
}

/**
 * One cycle-time comparison of an experiment: a network at a sweep point (`run` when there
 * is no sweep), as `summary.json` records it and a report shows it.
 */
export interface ReportCycleTimes {
  label: string;
  report: CycleTimeReport;
  /** The overlay file timed as `overlay` (e.g. the reference implementation's RING tour). */
  overlayFile?: string;
  /** The published row for this network, when the config names a published table. */
  published?: { table: string; source: string; digits: number; cycleTimeMs: Record<string, number> };
}

/** What an experiment produced (`report/console-summary.ts` prints it as `dflsim run` does). */
export interface ExperimentResult {
  kind: 'train' | 'cycle-times';
  outDir: string;
  interrupted: boolean;
  /** The config's sweep points (a training experiment's runs, seeds included); 1 without a sweep. */
  sweepPoints: number;
  /**
   * The cycle-time comparisons: a cycle-time experiment's networks at every sweep point
   * (with the published row when the config names a table); a training experiment's trained
   * topologies at each timing point of its sweep.
   */
  comparisons: ReportCycleTimes[];
  runs?: RunSummary[];
  cycleTimes?: CycleTimeReport[];
}

/** A sweep point's directory name: its label (`topology=ring,seed=2`), other characters as `_`. */
function safeLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_.=+,-]+/g, '_');
}

/** Rows of a cycle-time CSV: one per network, sweep point and topology. */
export function cycleTimeRows(reports: { label: string; report: CycleTimeReport }[]): (string | number)[][] {
  return reports.flatMap(({ label, report }) =>
    report.results.map((r) => [
      report.network,
      label,
      r.topology,
      r.cycleTimeMs,
      r.overlayEdges,
      report.workload.name,
      report.workload.modelSizeBits,
      report.workload.computeMs,
      report.workload.localUpdates,
      report.workload.uploadGbps,
      r.criticalCircuit.join(' > '),
      typeof r.details?.cycleTime === 'string' ? r.details.cycleTime : '',
    ]),
  );
}

/** Columns of `cycle-times.csv` (`cycleTimeEstimate`: how the cycle time was taken, when the topology or the clock says). */
export const CYCLE_TIME_COLUMNS = [
  'network',
  'sweep',
  'topology',
  'cycleTimeMs',
  'overlayEdges',
  'workload',
  'modelSizeBits',
  'computeMs',
  'localUpdates',
  'accessGbps',
  'criticalCircuit',
  'cycleTimeEstimate',
];

/** Whether a topology (a name the config schema accepted) needs the config's overlay file. */
const needsOverlay = (name: string): boolean => getTopologyValue(name).needs.overlayFile === true;
/** Whether a topology needs the config's schedule file. */
const needsSchedule = (name: string): boolean => getTopologyValue(name).needs.scheduleFile === true;

/**
 * Check that a results directory can be created: it is not a file, and no part of its
 * path is a file.
 * @param where what to name in the error (e.g. `--out`; default the directory)
 */
export function checkOutDir(dir: string, where = dir): void {
  let p = path.resolve(dir);
  for (;;) {
    if (existsSync(p)) {
      if (statSync(p).isDirectory()) return;
      const what = p === path.resolve(dir) ? `${dir} is a file, not a directory` : `${dir} cannot be created: ${p} is a file`;
      throw new DflsimInputError(where, `${what} (give a results directory)`);
    }
    const up = path.dirname(p);
    if (up === p) return;
    p = up;
  }
}

/** The underlays of a config's networks, each checked (a bad one names its field). */
function configUnderlays(
  networks: readonly string[],
  file: string,
  field: (i: number) => string,
  cfg: Pick<TrainConfig, 'missingCoordinates' | 'silos' | 'component'>,
): Underlay[] {
  return networks.map((n, i) =>
    loadUnderlay(resolveConfigPath(n, file), `${file}: ${field(i)}`, {
      missingCoordinates: cfg.missingCoordinates,
      ...(cfg.silos !== undefined ? { silos: cfg.silos, silosField: `${file}: silos` } : {}),
      component: cfg.component,
      componentField: `${file}: component`,
    }),
  );
}

/** Log each network's warnings once (a component dropped; links without a capacity when capacities are read). */
function logNetworkWarnings(
  underlays: readonly Underlay[],
  cfg: Pick<TrainConfig, 'linkCapacities' | 'coreGbps'>,
  log: ((line: string) => void) | undefined,
): void {
  if (!log) return;
  for (const u of underlays) {
    const cg = cfg.linkCapacities === 'gml' ? { capacityCoverage: linkCapacityCoverage(u) } : {};
    for (const w of networkWarnings(u, cg, cfg.coreGbps)) log(`warning: ${w}`);
  }
}

async function runCycleTimes(cfg: CycleTimeConfig, file: string, opts: ExperimentOptions): Promise<ExperimentResult> {
  checkOutDir(opts.outDir);
  const combos = expandSweep(cfg);
  const underlays = configUnderlays(cfg.networks, file, (i) => `networks[${i}]`, cfg);
  logNetworkWarnings(underlays, cfg, opts.log);
  const reports: ReportCycleTimes[] = [];
  const total = combos.length * cfg.networks.length;
  const published = cfg.published ? PUBLISHED[cfg.published] : undefined;
  let done = 0;
  const drawings: NetworkDrawings[] = [];
  // compute everything first: bad input fails before anything is written
  for (const [ci, { label, config }] of combos.entries()) {
    for (const net of cfg.networks) {
      const c = config as Omit<CycleTimeConfig, 'sweep'> & { localUpdates: number };
      // a per-network overlay (e.g. the reference RING tour) is timed as "overlay", and its
      // multigraph as "multigraph-overlay" beside dflsim's own "multigraph-ring"
      const netOverlay = cfg.networkOverlays?.[net];
      const overlay = netOverlay ?? c.overlay;
      const topologies = (c.topologies ?? defaultTopologies()).slice();
      if (netOverlay) {
        // the multigraph on the reference tour is timed beside the multigraph on dflsim's own
        // (the plain overlay is added with the overlay file, below)
        for (const [tour, onOverlay] of Object.entries(TOUR_TOPOLOGIES)) {
          if (getTopologyValue(tour).family === 'multigraph' && topologies.includes(tour) && !topologies.includes(onOverlay))
            topologies.push(onOverlay);
        }
      }
      const needs = topologies.find(needsOverlay);
      if (needs && !overlay)
        throw new DflsimInputError(
          `${file}: overlay`,
          `topology "${needs}" (in topologies) needs an overlay file: set "overlay": "<file.json>"`,
        );
      const needsS = topologies.find(needsSchedule);
      if (needsS && !c.schedule)
        throw new DflsimInputError(
          `${file}: schedule`,
          `topology "${needsS}" (in topologies) needs a schedule file: set "schedule": "<file.json>"`,
        );
      const req: CycleTimeRequest = {
        network: underlays[cfg.networks.indexOf(net)],
        workload: configWorkload(c),
        topologies,
        overlayFile: overlay ? resolveConfigPath(overlay, file) : undefined,
        scheduleFile: c.schedule ? resolveConfigPath(c.schedule, file) : undefined,
        accessGbps: c.accessGbps,
        uploadGbps: c.uploadGbps,
        downloadGbps: c.downloadGbps,
        coreGbps: c.coreGbps,
        localUpdates: c.localUpdates,
        tMax: c.tMax,
        rounds: c.rounds,
        budget: c.budget,
        baseGraph: c.baseGraph,
        equidynEta: c.equidynEta,
        seed: c.seed,
        ...clockAndProfile(c, file),
      };
      // the drawings come from the first sweep point's overlays, built once with its times
      const r = compareWithDrawings(req, ci === 0);
      const row = published?.cycleTimeMs[r.report.network];
      reports.push({
        label,
        report: r.report,
        ...(overlay ? { overlayFile: overlay } : {}),
        ...(published && row
          ? { published: { table: cfg.published!, source: published.source, digits: published.digits, cycleTimeMs: row } }
          : {}),
      });
      if (r.drawings) drawings.push(r.drawings);
      opts.onProgress?.('cycle times', ++done, total, net);
    }
  }
  writeCycleTimeResults(opts.outDir, { ...cfg, configFile: path.resolve(file) }, reports, drawings);
  return {
    kind: 'cycle-times',
    outDir: opts.outDir,
    interrupted: false,
    sweepPoints: combos.length,
    comparisons: reports,
    cycleTimes: reports.map((r) => r.report),
  };
}

/**
 * Write cycle-time comparisons as a results directory (what `dflsim report` reads):
 * `config.resolved.json` (the config given, with the package version), `cycle-times.csv`,
 * `summary.json` and `topologies.json`. Each file is written atomically.
 */
function writeCycleTimeResults(
  outDir: string,
  config: { name: string } & Record<string, unknown>,
  reports: ReportCycleTimes[],
  drawings: readonly NetworkDrawings[],
): void {
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'config.resolved.json'), JSON.stringify({ ...config, version: packageVersion() }, null, 2) + '\n');
  writeFileAtomic(path.join(outDir, 'cycle-times.csv'), stringify(cycleTimeRows(reports), { header: true, columns: CYCLE_TIME_COLUMNS }));
  writeFileAtomic(
    path.join(outDir, 'summary.json'),
    JSON.stringify({ kind: 'cycle-times', name: config.name, version: packageVersion(), reports }, null, 2) + '\n',
  );
  writeFileAtomic(path.join(outDir, 'topologies.json'), JSON.stringify(drawings) + '\n');
}

/**
 * Time a request's topologies on one network and write the comparison as a results
 * directory (as `dflsim run` does for a cycle-times config: `dflsim report` renders it), with
 * the drawings of its overlays. Everything is computed before anything is written.
 * @param outDir the results directory (created; its files replaced)
 * @param config what produced it, recorded in `config.resolved.json` (its `name` titles the report)
 */
export function writeCycleTimeComparison(
  req: CycleTimeRequest,
  outDir: string,
  config: { name: string } & Record<string, unknown>,
): CycleTimeReport {
  checkOutDir(outDir, '--out');
  const r = compareWithDrawings(req, true);
  writeCycleTimeResults(outDir, config, [{ label: 'run', report: r.report }], r.drawings ? [r.drawings] : []);
  return r.report;
}

/** Drawings of one network's overlays (the `topologies.json` entries). */
interface NetworkDrawings {
  network: string;
  drawings: TopologyDrawing[];
}

/**
 * Time a request's topologies and, if asked, describe the classic overlays and the
 * multigraph for drawing, from one context (each overlay is built once).
 */
function compareWithDrawings(req: CycleTimeRequest, draw: boolean): { report: CycleTimeReport; drawings?: NetworkDrawings } {
  const ctx = prepareContext(req);
  const report = timeTopologies(ctx, requestedTopologies(req));
  return draw
    ? { report, drawings: { network: ctx.underlay.name, drawings: drawnTopologies().map((t) => describeTopology(ctx, t)) } }
    : { report };
}

/**
 * The sweep points `--only` selects: each `axis=value` pair must name an axis of the sweep
 * (seed included) and match the point's value; an empty selection is an error listing the points.
 */
export function selectRuns<P extends { label: string }>(plan: readonly P[], only: Record<string, string> | undefined): P[] {
  if (!only || !Object.keys(only).length) return [...plan];
  const axes = new Set(plan.flatMap((p) => [...sweepLabelPairs(p.label).keys()]));
  for (const key of Object.keys(only))
    if (!axes.has(key))
      throw new DflsimInputError(
        '--only',
        axes.size
          ? `"${key}" is not an axis of this sweep (its axes: ${[...axes].join(', ')})`
          : `"${key}": this config has no sweep and one run; drop --only`,
      );
  const picked = plan.filter((p) => {
    const m = sweepLabelPairs(p.label);
    return Object.entries(only).every(([k, v]) => m.get(k) === v);
  });
  if (!picked.length)
    throw new DflsimInputError(
      '--only',
      `no sweep point matches ${Object.entries(only)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}; the points are: ${plan.map((p) => p.label).join('; ')}`,
    );
  return picked;
}

async function runTrainingExperiment(cfg: TrainConfig, file: string, opts: ExperimentOptions): Promise<ExperimentResult> {
  checkOutDir(opts.outDir);
  // a second run command on the same results directory refuses (a lock of a dead pid is taken over)
  const release = lockOutDir(opts.outDir, opts.outDir);
  try {
    return await runTrainingLocked(cfg, file, opts);
  } finally {
    release();
  }
}

/** {@link runTrainingExperiment} once the results directory is locked: locally, in parallel processes, or over the queue. */
async function runTrainingLocked(withQueue: TrainConfig, file: string, opts: ExperimentOptions): Promise<ExperimentResult> {
  // the config's queue URL and prefix (after the flags and variables) are never written to results
  const { queue: cfgQueue, queuePrefix: cfgPrefix, ...rest } = withQueue;
  const cfg = rest as TrainConfig;
  if (opts.queue === undefined && cfgQueue !== undefined) {
    const where = `${file}: queue`;
    checkQueueUrl(cfgQueue, where);
    opts = { ...opts, queue: cfgQueue, queueWhere: where };
  }
  const target: QueueTarget | undefined =
    opts.queue === undefined
      ? undefined
      : {
          url: opts.queue,
          where: opts.queueWhere ?? '--queue',
          prefix: opts.queuePrefix ?? cfgPrefix ?? DEFAULT_QUEUE_PREFIX,
          ...(opts.queueSecret ? { secret: opts.queueSecret } : {}),
        };
  const combos = expandTrainRuns(cfg);
  let runs: RunSummary[] = [];
  let interrupted = false;
  // distributeSilos: the runs go one by one here, their silos to the queue's workers
  const distribute = cfg.distributeSilos;
  if (distribute && opts.queue === undefined)
    throw new DflsimInputError(
      `${file}: distributeSilos`,
      'needs a queue: give --queue redis://host:port (or DFLSIM_QUEUE, or the config\'s "queue") and start workers with dflsim worker',
    );
  if (distribute && (opts.parallelRuns ?? 1) > 1)
    throw new DflsimInputError(
      '--parallel-runs',
      "a run with distributeSilos trains its silos on the queue's workers: drop --parallel-runs",
    );
  const queued = opts.queue !== undefined && !distribute;
  // over the queue, re-running the same command resumes: finished runs are not redone
  if (!queued && readdirSync(opts.outDir).some((f) => f !== LOCK_FILE) && !opts.resume && !opts.force) {
    throw new DflsimInputError(opts.outDir, 'results directory is not empty: use --resume to continue or --force to start over');
  }
  // the clock's workload of every run (its model's own size unless the config sets one)
  const timings = await Promise.all(combos.map(({ config }) => resolveTrainTiming(config, file)));
  // every run of the sweep is checked before the first one trains
  const underlay = validateTrainingRuns(cfg, combos, file, timings);
  logNetworkWarnings([underlay], cfg, opts.log);
  if (opts.resume) checkSweepCheckpoints(cfg, combos, file, opts.outDir);
  // defaults the config relied on, said once when training starts (each run also records them in its summary)
  let notices = [...new Set(timings.flatMap((t) => (t.notice ? [t.notice] : [])))];
  const sayNotices = (): void => {
    for (const n of notices) opts.log?.(n);
    notices = [];
  };
  const single = combos.length === 1;
  const plan = combos.map(({ label, config }) => ({
    label,
    runDir: single ? '.' : safeLabel(label),
    dir: single ? opts.outDir : path.join(opts.outDir, safeLabel(label)),
    runCfg: { ...(config as TrainConfig), name: single ? cfg.name : `${cfg.name}/${label}` },
  }));
  const todo = selectRuns(plan, opts.only);
  const progress = (
    runCfg: TrainConfig,
    row: { round: number; simulatedMs: number; testRmse: number | null; trainLoss: number },
    total: number,
  ): void => {
    sayNotices();
    const done = row.round + 1;
    // with a simulated-time budget, the rounds left follow from the clock
    const expected =
      runCfg.simulatedBudgetMs && row.simulatedMs > 0
        ? Math.min(total, Math.max(done, Math.floor((done * runCfg.simulatedBudgetMs) / row.simulatedMs)))
        : total;
    opts.onProgress?.(
      runCfg.name,
      done,
      expected,
      row.testRmse !== null ? `test RMSE ${row.testRmse.toFixed(4)}` : `loss ${row.trainLoss.toFixed(4)}`,
    );
  };
  if (queued) {
    const finished = todo.map((p) => (opts.force ? undefined : finishedRunSummary(p.dir, configHash(p.runCfg))));
    const left = todo.filter((_, i) => !finished[i]);
    if (left.length < todo.length) opts.log?.(`${todo.length - left.length} of ${todo.length} runs already finished in ${opts.outDir}`);
    const { runQueued } = await import('./queue/coordinator.js');
    const res = left.length
      ? await runQueued(left, file, {
          target: target!,
          experiment: cfg.name,
          shouldStop: opts.shouldStop,
          log: opts.log,
          onProgress: opts.onProgress,
          keepCheckpoints: opts.keepCheckpoints,
        })
      : { summaries: [], interrupted: false };
    const byDir = new Map(res.summaries.map((s) => [s.outDir, s]));
    runs = todo.map((p, i) => finished[i] ?? byDir.get(p.dir)).filter((s): s is RunSummary => !!s);
    interrupted = res.interrupted;
  } else if ((opts.parallelRuns ?? 1) > 1 && todo.length > 1) {
    const { runParallel } = await import('./parallel.js');
    const res = await runParallel(
      todo.map((p) => ({ runCfg: p.runCfg, outDir: p.dir })),
      file,
      {
        processes: opts.parallelRuns!,
        resume: opts.resume,
        workers: opts.workers,
        keepCheckpoints: opts.keepCheckpoints,
        shouldStop: opts.shouldStop,
        log: opts.log,
        onRound: (i, row, total) => progress(todo[i].runCfg, row, total),
      },
    );
    runs = res.summaries;
    interrupted = res.interrupted;
  } else {
    if (distribute) {
      const { probeRedis } = await import('./queue/connection.js');
      await probeRedis(opts.queue!, opts.queueWhere ?? '--queue');
    }
    for (const { dir, runCfg } of todo) {
      const summary = await runTraining(runCfg, file, {
        ...(distribute ? { siloQueue: target } : {}),
        outDir: dir,
        resume: opts.resume,
        force: true,
        keepCheckpoints: opts.keepCheckpoints,
        shouldStop: opts.shouldStop,
        workers: opts.workers,
        log: opts.log,
        onRound: (row, total) => progress(runCfg, row, total),
      });
      runs.push(summary);
      if (summary.interrupted) {
        interrupted = true;
        break;
      }
    }
  }
  sayNotices();
  // --only: the sweep's points without a finished run, named in the summary (the report says the sweep is partial)
  const notRun: string[] = [];
  if (todo.length < plan.length) {
    // --only: the other sweep points' finished runs stay in the summary, in the sweep's order
    const ran = new Map(runs.map((s) => [path.resolve(s.outDir), s]));
    runs = plan
      .map((p) => (todo.includes(p) ? ran.get(path.resolve(p.dir)) : finishedRunSummary(p.dir, configHash(p.runCfg))))
      .filter((s): s is RunSummary => !!s);
    const done = new Set(runs.map((s) => path.resolve(s.outDir)));
    notRun.push(...plan.filter((p) => !done.has(path.resolve(p.dir))).map((p) => p.label));
  }
  if (combos.length > 1)
    writeFileAtomic(
      path.join(opts.outDir, 'summary.json'),
      JSON.stringify({ kind: 'train', name: cfg.name, version: packageVersion(), runs, ...(notRun.length ? { notRun } : {}) }, null, 2) +
        '\n',
    );
  // the cycle times of the trained topologies beside the runs (one comparison per timing point of the sweep)
  const comparisons = trainedComparisons(
    plan.map((p, i) => ({ label: p.label, runCfg: p.runCfg, timing: timings[i] })),
    file,
  );
  writeFileAtomic(
    path.join(opts.outDir, 'cycle-times.csv'),
    stringify(cycleTimeRows(comparisons), { header: true, columns: CYCLE_TIME_COLUMNS }),
  );
  writeFileAtomic(path.join(opts.outDir, 'cycle-times.json'), JSON.stringify(comparisons, null, 2) + '\n');
  writeFileAtomic(path.join(opts.outDir, 'topologies.json'), JSON.stringify(comparisons.length ? [comparisons[0].drawings] : []) + '\n');
  return {
    kind: 'train',
    outDir: opts.outDir,
    interrupted,
    sweepPoints: combos.length,
    comparisons: comparisons.map(({ label, report }) => ({ label, report })),
    runs,
  };
}

/** One cycle-time comparison of a training experiment: the trained topologies at one timing point of its sweep. */
interface TrainedComparison {
  /** The sweep point without topology and seed (`run` when nothing else is swept). */
  label: string;
  report: CycleTimeReport;
  drawings: NetworkDrawings;
}

/**
 * The trained topologies' cycle times: runs grouped by their sweep point without topology
 * and seed (the timing fields they share), each group timed on its first run's network,
 * workload and clock; topologies without a cycle time (baselines) are left out.
 */
function trainedComparisons(runs: { label: string; runCfg: TrainConfig; timing: TrainTiming }[], file: string): TrainedComparison[] {
  const groups = new Map<string, typeof runs>();
  for (const r of runs) {
    const key =
      r.label
        .split(',')
        .filter((part) => !/^(topology|seed)=/.test(part))
        .join(',') || 'run';
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: TrainedComparison[] = [];
  for (const [label, members] of groups) {
    const topologies = [...new Set(members.map((m) => m.runCfg.topology))].filter(
      (t) => getTopologyValue(t, 'topology').supports.cycleTime,
    );
    if (!topologies.length) continue;
    const first = members[0];
    const ctx = prepareContext(trainContextRequest(first.runCfg, file, first.timing));
    const report = timeTopologies(ctx, topologies);
    out.push({ label, report, drawings: { network: ctx.underlay.name, drawings: topologies.map((t) => describeTopology(ctx, t)) } });
  }
  return out;
}

/**
 * On `--resume`, read every run's checkpoint before the first run continues, so that a bad
 * checkpoint of a later run (another config, silo count or length) stops the sweep before
 * any run rewrites a file.
 */
function checkSweepCheckpoints(
  cfg: TrainConfig,
  combos: { label: string; config: Omit<TrainConfig, 'sweep'> }[],
  file: string,
  outDir: string,
): void {
  const [underlay] = configUnderlays([cfg.network], file, () => 'network', cfg);
  for (const { label, config } of combos) {
    const dir = combos.length === 1 ? outDir : path.join(outDir, safeLabel(label));
    const runCfg = { ...(config as TrainConfig), name: combos.length === 1 ? cfg.name : `${cfg.name}/${label}` };
    const ckFile = path.join(dir, 'checkpoint.bin');
    const previous = readCheckpoint(ckFile);
    if (!previous) continue;
    if (previous.configHash !== configHash(runCfg))
      throw new DflsimInputError(ckFile, 'the checkpoint was written by a different config; use --force to start over');
    // a topology that pools every silo's data trains one silo
    const silos = trainedTopology(runCfg.topology).needs.pooledData ? 1 : underlay.silos.length;
    const { weights } = previous.state;
    checkResumable(previous.state, ckFile, {
      silos,
      rounds: runCfg.rounds,
      weightCount: weights[0]?.length ?? 0,
      paramCount: previous.state.opt[0]?.m.length ?? 0,
    });
  }
}

/**
 * Check every run of a training sweep without training: its overlay file is given when its
 * topology needs one, the network loads, and the topology's schedule can be built on the
 * network (the overlay file is read against it). A failure names the config file, the
 * field and the sweep point.
 */
export function validateTrainingRuns(
  cfg: TrainConfig,
  combos: { label: string; config: Omit<TrainConfig, 'sweep'> }[],
  file: string,
  timings: readonly Pick<TrainTiming, 'workload'>[],
): Underlay {
  const [underlay] = configUnderlays([cfg.network], file, () => 'network', cfg);
  combos.forEach(({ label, config: c }, i) => {
    const point = combos.length > 1 ? ` (sweep point ${i + 1} of ${combos.length}: ${label})` : '';
    const sweptTopology = cfg.sweep?.topology ? `sweep.topology[${cfg.sweep.topology.indexOf(c.topology)}]` : 'topology';
    if (needsOverlay(c.topology) && !c.overlay) {
      throw new DflsimInputError(
        `${file}: overlay`,
        `topology "${c.topology}" (${sweptTopology}) needs an overlay file: set "overlay": "<file.json>"${point}`,
      );
    }
    if (needsSchedule(c.topology) && !c.schedule) {
      throw new DflsimInputError(
        `${file}: schedule`,
        `topology "${c.topology}" (${sweptTopology}) needs a schedule file: set "schedule": "<file.json>"${point}`,
      );
    }
    try {
      const ctx = prepareContext(trainContextRequest(c, file, timings[i], underlay));
      // the shard sizes only weigh FedAvg's mixing: any positive sizes build the same schedule shape
      trainingSchedule(ctx, c, new Array<number>(ctx.cg.n).fill(1));
    } catch (e) {
      if (!(e instanceof DflsimInputError)) throw e;
      // an error naming a file (the overlay file, the network) keeps its place; a bare
      // field (a CLI flag such as "--topologies", or "budget") becomes the config's field
      const namesFile = e.where.startsWith(file) || /\.(json|ya?ml|gml)\b/i.test(e.where);
      const what = e.where ? e.message.slice(e.where.length + 2) : e.message;
      throw new DflsimInputError(namesFile ? e.where : `${file}: ${sweptTopology}`, `${what}${point}`);
    }
  });
  return underlay;
}

/**
 * Load, validate and run an experiment config.
 * @param file config path (JSON or YAML)
 */
export async function runExperiment(file: string, opts: ExperimentOptions): Promise<ExperimentResult> {
  expectString(file, 'runExperiment: file', 'a config file path (JSON or YAML)');
  expectObject(opts, 'runExperiment: opts', 'options {outDir, ...}');
  expectString(opts.outDir, 'runExperiment: opts.outDir', 'a results directory path');
  const cfg = loadConfig(file, opts.overrides);
  return cfg.kind === 'cycle-times' ? runCycleTimes(cfg, file, opts) : runTrainingExperiment(cfg, file, opts);
}
