/**
 * The training runner: a validated config in, a results directory out (resolved config,
 * `metrics.csv`, `summary.json`, checkpoints). Long runs checkpoint every N rounds and
 * can be resumed; an interrupt writes a checkpoint first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { DflsimInputError } from '../errors.js';
import { constantPredictorRmse, datasetToShard, poolShards, splitBySequence, type DrivingDataset, type Shard } from '../data/dataset.js';
import { describeShards, partitionBySequence, partitionDirichlet, partitionIid } from '../data/partition.js';
import { loadDataset } from '../data/registry.js';
import { initEngineState, runRoundsAsync, type EngineState, type MetricRow } from '../learning/dpasgd.js';
import { mixingRule, scheduleFromPlan, type TrainingSchedule } from '../learning/schedule.js';
import { getTopologyValue, topologyNames } from '../overlay/catalogue.js';
import type { Topology, TopologyContext } from '../overlay/topology.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { createRng } from '../random.js';
import { checkResumable, encodeCheckpoint, readCheckpoint, writeFileAtomic } from './checkpoint.js';
import { configWorkload, resolveConfigPath, type TrainConfig } from './config.js';
import { prepareContext, type CycleTimeRequest } from './cycle-times.js';
import type { Underlay } from '../network/underlay.js';
import { describeTopology } from './topology-file.js';

/** Columns of `metrics.csv`. */
export const METRIC_COLUMNS = ['round', 'simulatedMs', 'wallMs', 'trainLoss', 'testLoss', 'testRmse', 'consensus', 'siloTestRmse', 'isolated', 'down'] as const;

/** Options of a run. */
export interface RunOptions {
  /** Results directory. */
  outDir: string;
  /** Continue from the last checkpoint in `outDir`. */
  resume?: boolean;
  /** Allow writing into a non-empty directory (starting over). */
  force?: boolean;
  /** Called after every round. */
  onRound?: (row: MetricRow, totalRounds: number) => void;
  /** Polled after every round; true writes a checkpoint and stops. */
  shouldStop?: () => boolean;
  /** Informational lines. */
  log?: (line: string) => void;
  /** Worker threads training silos in parallel (overrides the config's `workers` and DFLSIM_WORKERS). */
  workers?: number;
  /** Injected trainer (tests); default: the TensorFlow.js trainer of `cfg.model`. */
  trainer?: LocalTrainer;
}

/** What a run wrote. */
export interface RunSummary {
  name: string;
  topology: string;
  network: string;
  silos: number;
  rounds: number;
  completed: boolean;
  interrupted: boolean;
  final: MetricRow | null;
  /** RMSE on the test set of predicting the training mean. */
  constantPredictorRmse: number;
  /** Final test RMSE of the averaged model over the constant predictor's. */
  rmseRatioToConstant: number | null;
  simulatedMs: number;
  wallMs: number;
  shards: { silo: number; size: number; meanSteering: number; conditions: Record<string, number> }[];
  model: { name: string; inputSize: number; params: number };
  /** Backend, wasm threads per model, and worker threads training silos in parallel. */
  backend: { backend: string; threads: number; workers?: number };
  seed: number;
  version: string;
  outDir: string;
}

/** The package version. */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) {
      const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (j.name === 'dflsim') return j.version ?? '0.0.0';
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

/** Hash of the fields that determine a run's results (so a resume cannot mix configs). */
export function configHash(cfg: TrainConfig): string {
  const { checkpointEvery: _c, backend: _b, threads: _t, workers: _w, description: _d, $schema: _s, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** Render metrics as CSV (empty cells where a round had no evaluation). */
export function metricsCsv(rows: readonly MetricRow[]): string {
  return stringify(rows.map((r) => METRIC_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? '' : r[c]))), { header: true, columns: [...METRIC_COLUMNS] });
}

function partition(cfg: TrainConfig, train: DrivingDataset, n: number): Shard[] {
  const rng = createRng(cfg.seed).fork('partition');
  if (cfg.partition === 'by-sequence') return partitionBySequence(train, n);
  if (cfg.partition === 'iid') return partitionIid(train, n, rng);
  return partitionDirichlet(train, n, { alpha: cfg.partition.alpha, bins: cfg.partition.bins }, rng);
}

/**
 * The catalogue's topology of a config, checked to be trainable.
 * @param field where to point an error
 */
export function trainedTopology(name: string, field = 'topology'): Topology {
  const t = getTopologyValue(name, field);
  if (!t.supports.training) throw new DflsimInputError(field, `cannot train over "${name}"; expected one of ${topologyNames((x) => x.supports.training).join(', ')}`);
  return t;
}

/**
 * The training schedule of a config's topology on a context: the topology's plan and the
 * mixing rule it names (static overlays other than RING, and schedule files, use the
 * config's `mixing` scheme; STAR's FedAvg weighs by `shardSizes`).
 */
export function trainingSchedule(ctx: TopologyContext, cfg: Pick<TrainConfig, 'topology' | 'mixing'>, shardSizes: readonly number[]): TrainingSchedule {
  const plan = trainedTopology(cfg.topology).build(ctx);
  return scheduleFromPlan(plan, mixingRule(plan.mixing, plan.n, { shardSizes, scheme: cfg.mixing }));
}

/** The shards and test set of a config (data loaded, split by sequence, partitioned). */
export async function prepareData(cfg: TrainConfig, configFile: string, silos: number): Promise<{ shards: Shard[]; test: Shard; dataset: DrivingDataset }> {
  const size = cfg.model.inputSize;
  const ds = cfg.dataset.kind === 'synthetic-driving'
    ? await loadDataset({ kind: 'synthetic-driving', size, sequences: cfg.dataset.sequences, framesPerSequence: cfg.dataset.framesPerSequence, seed: cfg.dataset.seed ?? cfg.seed }, { where: `${configFile}: dataset` })
    : await loadDataset({ kind: 'dronet', root: resolveConfigPath(cfg.dataset.root + '/', configFile), size, maxFramesPerSequence: cfg.dataset.maxFramesPerSequence }, { where: `${configFile}: dataset` });
  const { train, test } = splitBySequence(ds, { testFraction: cfg.dataset.testFraction }, createRng(cfg.seed).fork('split'));
  const shards = trainedTopology(cfg.topology).needs.pooledData ? [datasetToShard(train)] : partition(cfg, train, silos);
  const empty = shards.findIndex((s) => s.size === 0);
  if (empty >= 0) throw new DflsimInputError(`${configFile}: dataset`, `silo ${empty} gets no data: ${ds.sequences.length} sequences for ${silos} silos (add sequences or use partition "iid")`);
  return { shards, test: poolShards([datasetToShard(test)]), dataset: ds };
}

/** Worker threads of a run: the option, else the config, else DFLSIM_WORKERS, else the machine's cores; never more than the silos. */
export function resolveWorkers(requested: number | undefined, silos: number, where: string): number {
  let w = requested;
  if (w === undefined && process.env.DFLSIM_WORKERS !== undefined && process.env.DFLSIM_WORKERS !== '') {
    w = Number(process.env.DFLSIM_WORKERS);
    if (!Number.isInteger(w) || w < 1) throw new DflsimInputError('DFLSIM_WORKERS', `expected a positive integer, got "${process.env.DFLSIM_WORKERS}"`);
  }
  if (w !== undefined && (!Number.isInteger(w) || w < 1)) throw new DflsimInputError(where, `expected a positive integer, got ${w}`);
  const cores = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  return Math.max(1, Math.min(w ?? cores, silos));
}

async function defaultTrainer(cfg: TrainConfig, workers: number, test: Shard): Promise<{ trainer: LocalTrainer; backend: { backend: string; threads: number; workers: number }; dispose: () => Promise<void> | void }> {
  // the linear model reads the frame's pixels as features, scaled as FADNet scales its input
  const model = cfg.model.name;
  const trainerOptions = model === 'linear' ? { inputSize: cfg.model.inputSize * cfg.model.inputSize, pixelInput: true, seed: cfg.seed } : { inputSize: cfg.model.inputSize, seed: cfg.seed };
  if (workers > 1) {
    // a pool of worker threads, each with its own backend and model
    const { createPoolTrainer } = await import('../learning/tf/pool.js');
    const { trainer, pool } = await createPoolTrainer({ model, trainerOptions, workers, threadsPerWorker: cfg.threads, backend: cfg.backend, test: { x: test.x, y: test.y }, seed: cfg.seed });
    return { trainer, backend: { ...pool.backend, workers }, dispose: () => pool.close() };
  }
  const { initBackend } = await import('../learning/tf/backend.js');
  const info = await initBackend({ backend: cfg.backend, threads: cfg.threads });
  const { createTrainer } = await import('../learning/tf/silo-trainer.js');
  const trainer = createTrainer(model, trainerOptions);
  return { trainer, backend: { backend: info.backend, threads: info.threads, workers: 1 }, dispose: () => trainer.dispose() };
}

/**
 * The timing context request of a training config: its network (or an underlay already
 * loaded from it), workload and timing fields, and the files its topology reads. A training
 * round computes `localSteps` local steps, so the clock counts as many.
 */
export function trainContextRequest(cfg: Omit<TrainConfig, 'sweep'>, configFile: string, network: string | Underlay = resolveConfigPath(cfg.network, configFile)): CycleTimeRequest {
  return {
    network,
    missingCoordinates: cfg.missingCoordinates,
    workload: configWorkload(cfg),
    accessGbps: cfg.accessGbps,
    uploadGbps: cfg.uploadGbps,
    downloadGbps: cfg.downloadGbps,
    coreGbps: cfg.coreGbps,
    localUpdates: cfg.localSteps,
    tMax: cfg.tMax,
    rounds: cfg.rounds,
    budget: cfg.budget,
    seed: cfg.seed,
    overlayFile: cfg.overlay ? resolveConfigPath(cfg.overlay, configFile) : undefined,
    scheduleFile: cfg.schedule ? resolveConfigPath(cfg.schedule, configFile) : undefined,
  };
}

/**
 * Run one training config into `opts.outDir`.
 * @param configFile the config's path (for relative paths and messages)
 */
export async function runTraining(cfg: TrainConfig, configFile: string, opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? (() => {});
  const out = opts.outDir;
  const ckFile = path.join(out, 'checkpoint.bin');
  const hash = configHash(cfg);
  if (existsSync(out) && readdirSync(out).length > 0 && !opts.resume && !opts.force) {
    throw new DflsimInputError(out, 'results directory is not empty: use --resume to continue its run or --force to start over');
  }
  const previous = opts.resume ? readCheckpoint(ckFile) : undefined;
  if (opts.resume && !previous) log(`no checkpoint in ${out}; starting from round 0`);
  if (previous && previous.configHash !== hash) throw new DflsimInputError(ckFile, 'the checkpoint was written by a different config; use --force to start over');

  // Everything that can fail on bad input happens before the first file is written.
  const ctx = prepareContext(trainContextRequest(cfg, configFile));
  // the catalogue's plan of the topology (centralised: one silo on the pooled data)
  const topology = trainedTopology(cfg.topology);
  const plan = topology.build(ctx);
  const n = plan.n;
  const { shards, test } = await prepareData(cfg, configFile, n);
  const schedule: TrainingSchedule = scheduleFromPlan(plan, mixingRule(plan.mixing, n, { shardSizes: shards.map((s) => s.size), scheme: cfg.mixing }));
  const workers = resolveWorkers(opts.workers ?? cfg.workers, n, opts.workers !== undefined ? '--workers' : `${configFile}: workers`);
  const { trainer, backend, dispose } = opts.trainer ? { trainer: opts.trainer, backend: { backend: 'injected', threads: 1, workers: 1 }, dispose: () => {} } : await defaultTrainer(cfg, workers, test);
  // each run builds (and frees) its own model: nothing of one run's TensorFlow.js state is left for the next
  try {
    if (previous) checkResumable(previous.state, ckFile, { silos: n, rounds: cfg.rounds, weightCount: trainer.weightCount, paramCount: trainer.paramCount });
    return await train(cfg, configFile, opts, { ctx, n, shards, test, schedule, trainer, backend, previous: previous?.state, ckFile, hash });
  } finally {
    await dispose();
  }
}

interface Prepared {
  ctx: ReturnType<typeof prepareContext>;
  n: number;
  shards: Shard[];
  test: Shard;
  schedule: TrainingSchedule;
  trainer: LocalTrainer;
  backend: { backend: string; threads: number; workers: number };
  previous: EngineState | undefined;
  ckFile: string;
  hash: string;
}

/** The part of {@link runTraining} after validation: write, train, summarise. */
async function train(cfg: TrainConfig, configFile: string, opts: RunOptions, p: Prepared): Promise<RunSummary> {
  const { ctx, n, shards, test, schedule, trainer, backend, previous, ckFile, hash } = p;
  const log = opts.log ?? (() => {});
  const out = opts.outDir;

  mkdirSync(out, { recursive: true });
  const version = packageVersion();
  writeFileAtomic(path.join(out, 'config.resolved.json'), JSON.stringify({ ...cfg, configFile: path.resolve(configFile), configHash: hash, version, backend }, null, 2) + '\n');
  writeFileAtomic(path.join(out, 'topology.json'), JSON.stringify(describeTopology(ctx, cfg.topology)) + '\n');
  const constRmse = constantPredictorRmse(poolShards(shards).y, test.y);
  const shardInfo = describeShards(shards).map((d) => ({ silo: d.silo, size: d.size, meanSteering: d.meanSteering, conditions: d.conditions }));
  log(`${cfg.name}: ${cfg.topology} on ${ctx.underlay.name} (${n} silo${n > 1 ? 's' : ''}), ${cfg.model.name} ${cfg.model.inputSize}x${cfg.model.inputSize} (${trainer.paramCount} parameters), backend ${backend.backend} x${backend.threads}; shards ${shards.map((s) => s.size).join('/')}, test ${test.size}`);

  let state: EngineState = previous ?? initEngineState(trainer, n, cfg.seed);
  if (previous) log(`resuming at round ${state.round}`);
  let interrupted = false;
  const checkpoint = (s: EngineState): void => {
    writeFileAtomic(ckFile, encodeCheckpoint(s, hash));
    writeFileAtomic(path.join(out, 'metrics.csv'), metricsCsv(s.metrics));
  };
  // the engine yields to the event loop after every round, so Ctrl-C (SIGINT) is seen:
  // it writes a checkpoint and stops
  if (!state.done) {
    state = await runRoundsAsync(state, trainer, schedule, { shards, test }, {
      rounds: cfg.rounds,
      localSteps: cfg.localSteps,
      batchSize: cfg.batchSize,
      lr: cfg.lr,
      seed: cfg.seed,
      evalEvery: cfg.evalEvery,
      evalSilos: cfg.evalSilos,
      simulatedBudgetMs: cfg.simulatedBudgetMs,
      afterRound: (s, row) => {
        opts.onRound?.(row, cfg.rounds);
        if (s.round % cfg.checkpointEvery === 0 || s.done) checkpoint(s);
        if (!s.done && opts.shouldStop?.()) { interrupted = true; checkpoint(s); return true; }
        return false;
      },
    });
  }
  const final = [...state.metrics].reverse().find((m) => m.testRmse !== null) ?? null;
  const summary: RunSummary = {
    name: cfg.name,
    topology: cfg.topology,
    network: ctx.underlay.name,
    silos: n,
    rounds: state.round,
    completed: state.done,
    interrupted,
    final,
    constantPredictorRmse: constRmse,
    rmseRatioToConstant: final?.testRmse != null ? final.testRmse / constRmse : null,
    simulatedMs: state.simulatedMs,
    wallMs: state.wallMs,
    shards: shardInfo,
    model: { name: cfg.model.name, inputSize: cfg.model.inputSize, params: trainer.paramCount },
    backend,
    seed: cfg.seed,
    version,
    outDir: out,
  };
  writeFileAtomic(path.join(out, 'metrics.csv'), metricsCsv(state.metrics));
  writeFileAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

