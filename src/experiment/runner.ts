/**
 * The training runner: a validated config in, a results directory out (resolved config,
 * `metrics.csv`, `summary.json`, checkpoints). Long runs checkpoint every N rounds and
 * can be resumed; an interrupt writes a checkpoint first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { DflsimInputError } from '../errors.js';
import { constantPredictorRmse, datasetToShard, poolShards, splitBySequence, type DrivingDataset, type Shard } from '../data/dataset.js';
import { describeShards, partitionBySequence, partitionDirichlet, partitionIid } from '../data/partition.js';
import { CHARACTER_DATASET_KINDS, loadCharacterDataset, loadDataset } from '../data/registry.js';
import { classCounts, majorityClassAccuracy, partitionByWriter, splitWritersSamples, writersToShard, type CharacterShard } from '../data/characters.js';
import { CHARACTER_CLASSES } from '../data/character-glyphs.js';
import type { CharacterDataset } from '../data/synthetic-characters.js';
import { initEngineState, roundsWithinBudget, runRoundsAsync, type EngineState, type MetricRow } from '../learning/dpasgd.js';
import { mixingRule, scheduleFromPlan, type TrainingSchedule } from '../learning/schedule.js';
import { getTopologyValue, topologyNames } from '../overlay/catalogue.js';
import type { Topology, TopologyContext, TopologyPlan } from '../overlay/topology.js';
import { describeClock, type ClockChoice } from '../overlay/clock.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { createRng } from '../random.js';
import { checkKernels, checkResumable, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeFileAtomic } from './checkpoint.js';
import { resolveConfigPath, trainTiming, type TrainConfig, type TrainTiming } from './config.js';
import { BITS_PER_PARAMETER, defaultStepTime } from '../learning/model-defaults.js';
import { buildOnClock, contextClock, prepareContext, type CycleTimeRequest } from './cycle-times.js';
import { planEventClock } from '../overlay/clock.js';
import type { Underlay } from '../network/underlay.js';
import { describeTopology } from './topology-file.js';
import type { QueueTarget } from './queue/names.js';

/** Columns of `metrics.csv`. */
export const METRIC_COLUMNS = ['round', 'simulatedMs', 'wallMs', 'trainLoss', 'testLoss', 'testRmse', 'consensus', 'siloTestRmse', 'isolated', 'down', 'testAccuracy', 'siloTestAccuracy', 'keptOwn'] as const;

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
  /** Where checkpoints go (e.g. Redis for a queued run); default: `checkpoint.bin` in `outDir`. */
  checkpointStore?: CheckpointStore;
  /** `distributeSilos`: train the silos on this Redis queue's workers. */
  siloQueue?: QueueTarget;
  /** Keep a finished run's checkpoint (default: removed once the run is complete). */
  keepCheckpoints?: boolean;
}

/** A place for a run's checkpoint bytes (those of {@link encodeCheckpoint}). */
export interface CheckpointStore {
  /** What to name in errors about the checkpoint (a file, a Redis key). */
  where: string;
  /** The last checkpoint written, or undefined when there is none. */
  read(): Promise<Uint8Array | undefined>;
  /** Store a checkpoint (may complete later; the store keeps the writes in order). */
  write(bytes: Uint8Array): void;
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
  /** 'regression' (driving frames: RMSE) or 'classification' (characters: accuracy); absent in older summaries: regression. */
  task?: 'regression' | 'classification';
  /** RMSE on the test set of predicting the training mean (NaN, null in summary.json, for classification). */
  constantPredictorRmse: number;
  /** Final test RMSE of the averaged model over the constant predictor's. */
  rmseRatioToConstant: number | null;
  /** Classification: test accuracy of always answering the training set's most frequent class (null for regression). */
  majorityClassAccuracy?: number | null;
  /** Classification: final test accuracy of the averaged model. */
  testAccuracy?: number | null;
  /** Classification with `evalSilos`: final test accuracy of each silo's own model, by silo. */
  siloTestAccuracy?: number[] | null;
  /** The topology's cycle time on the run's network and workload (ms per round), when it has one. */
  cycleTimeMs?: number | null;
  /** Mean number of isolated silos per round (the multigraph's weak-only silos), over the rounds run. */
  meanIsolated?: number;
  /** Rounds in which at least one silo was isolated. */
  roundsWithIsolated?: number;
  /** Mean number of silos per round that kept their own model (no strong in-edge; see MetricRow.keptOwn). */
  meanKeptOwn?: number;
  simulatedMs: number;
  wallMs: number;
  /** What the run simulated: clock, model size and compute time with their sources, profile, evaluation period (absent in older summaries). */
  simulated?: SimulationRecord;
  /** Per silo: images or frames; driving data: mean steering and conditions; characters: writers and classes present. */
  shards: { silo: number; size: number; meanSteering?: number; conditions?: Record<string, number>; writers?: number; classes?: number }[];
  model: { name: string; inputSize: number; params: number };
  /**
   * Backend, compute threads per model, worker threads training silos in parallel, and on
   * wasm the convolution kernels ('native-avx2' and 'native-portable' give the same bits;
   * 'wasm', XNNPACK where the addon is not built, other bits).
   */
  backend: { backend: string; threads: number; workers?: number; kernels?: string };
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
  const { checkpointEvery: _c, backend: _b, threads: _t, workers: _w, description: _d, $schema: _s, distributeSilos: _ds, siloGroups: _g, queue: _q, ...rest } = cfg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/**
 * `silo-times.csv`: per silo, the simulated time it spent computing, sending its model and
 * waiting over the rounds run, on the run's clock (max-plus: the per-silo recursion, which
 * for the multigraph is its physical per-silo clock rather than the paper's sum of τk).
 */
export function siloTimesCsv(plan: TopologyPlan, clock: ClockChoice, rounds: number, silos: readonly string[]): string {
  const header = ['silo', 'computeMs', 'sendMs', 'waitMs'];
  if (rounds < 1 || plan.n !== silos.length) return stringify([], { header: true, columns: header });
  const t = planEventClock(plan, clock.clock === 'events' ? clock : { seed: clock.seed }).totals(rounds - 1);
  return stringify(silos.map((s, j) => [s, t.computeMs[j], t.sendMs[j], t.waitMs[j]]), { header: true, columns: header });
}

/** Render metrics as CSV (empty cells where a round had no evaluation). */
export function metricsCsv(rows: readonly MetricRow[]): string {
  return stringify(rows.map((r) => METRIC_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? '' : r[c]))), { header: true, columns: [...METRIC_COLUMNS] });
}

function partition(cfg: TrainConfig, train: DrivingDataset, n: number, configFile: string): Shard[] {
  const rng = createRng(cfg.seed).fork('partition');
  if (cfg.partition === 'by-sequence') return partitionBySequence(train, n);
  if (cfg.partition === 'iid') return partitionIid(train, n, rng);
  if (cfg.partition === 'by-writer') throw new DflsimInputError(`${configFile}: partition`, `"by-writer" needs a character dataset; dataset "${cfg.dataset.kind}" has sequences`);
  return partitionDirichlet(train, n, { alpha: cfg.partition.alpha, bins: cfg.partition.bins }, rng);
}

/** Whether a config trains on characters (classification) rather than driving frames (regression). */
export function isCharacterConfig(cfg: Pick<TrainConfig, 'dataset'>): boolean {
  return (CHARACTER_DATASET_KINDS as readonly string[]).includes(cfg.dataset.kind);
}

/** The data of a run: silo shards, the common test set and the dataset, by task. */
export type PreparedData =
  | { task: 'regression'; shards: Shard[]; test: Shard; dataset: DrivingDataset }
  | { task: 'classification'; shards: CharacterShard[]; test: CharacterShard; dataset: CharacterDataset };

/**
 * Characters: the dataset generated or read, each writer's images split into train and
 * test (LEAF's per-user split), whole writers dealt to silos (`by-writer`), or pooled into
 * one shard for a topology that trains on pooled data.
 */
function prepareCharacters(cfg: TrainConfig, configFile: string, silos: number): PreparedData {
  const where = `${configFile}: dataset`;
  const d = cfg.dataset;
  const ds = d.kind === 'synthetic-characters'
    ? loadCharacterDataset({ kind: 'synthetic-characters', writers: d.writers, seed: d.seed ?? cfg.seed, meanSamplesPerWriter: d.meanSamplesPerWriter, digitWeight: d.digitWeight }, { where })
    : d.kind === 'leaf-femnist'
      ? loadCharacterDataset({ kind: 'leaf-femnist', files: d.files, invert: d.invert }, { where, baseDir: path.dirname(path.resolve(configFile)) })
      : undefined;
  if (!ds) throw new DflsimInputError(`${where}.kind`, `"${d.kind}" is not a character dataset`);
  if (cfg.partition !== 'by-writer') throw new DflsimInputError(`${configFile}: partition`, `dataset "${d.kind}" is split by writer: use "by-writer"`);
  const { train, test } = splitWritersSamples(ds, { testFraction: d.testFraction }, createRng(cfg.seed).fork('split'));
  const shards = trainedTopology(cfg.topology).needs.pooledData
    ? [writersToShard(train.writers, -1)]
    : partitionByWriter(train, silos, createRng(cfg.seed).fork('partition'), where);
  const testShard = writersToShard(test.writers, -1);
  if (testShard.size === 0) throw new DflsimInputError(`${where}.testFraction`, 'leaves no test images (writers with a single image keep it for training)');
  return { task: 'classification', shards, test: testShard, dataset: ds };
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
  return scheduleFromPlan(plan, mixingRule(plan, plan.n, { shardSizes, scheme: cfg.mixing }));
}

/**
 * The shards and test set of a config: driving data loaded, split by sequence and
 * partitioned (regression), or characters split per writer and dealt by writer
 * (classification).
 */
export async function prepareData(cfg: TrainConfig, configFile: string, silos: number): Promise<PreparedData> {
  if (isCharacterConfig(cfg)) return prepareCharacters(cfg, configFile, silos);
  const size = cfg.model.inputSize;
  const d = cfg.dataset;
  const ds = d.kind === 'synthetic-driving'
    ? await loadDataset({ kind: 'synthetic-driving', size, sequences: d.sequences, framesPerSequence: d.framesPerSequence, seed: d.seed ?? cfg.seed }, { where: `${configFile}: dataset` })
    : d.kind === 'dronet'
      ? await loadDataset({ kind: 'dronet', root: resolveConfigPath(d.root + '/', configFile), size, maxFramesPerSequence: d.maxFramesPerSequence }, { where: `${configFile}: dataset` })
      : undefined;
  if (!ds) throw new DflsimInputError(`${configFile}: dataset.kind`, `"${d.kind}" is not a driving dataset`);
  const { train, test } = splitBySequence(ds, { testFraction: d.testFraction }, createRng(cfg.seed).fork('split'));
  const pooled = trainedTopology(cfg.topology).needs.pooledData;
  if (!pooled && cfg.partition === 'by-sequence' && train.sequences.length < silos) {
    const field = d.kind === 'dronet' ? 'dataset.root' : 'dataset.sequences';
    throw new DflsimInputError(`${configFile}: ${field}`, `${ds.sequences.length} sequence${ds.sequences.length === 1 ? '' : 's'}: ${test.sequences.length} went to the test set (testFraction ${d.testFraction}) and ${train.sequences.length} are left for ${silos} silos, but partition "by-sequence" gives each silo whole sequences: give more sequences (about ${Math.ceil(silos / (1 - d.testFraction))} or more; the test set takes testFraction of each condition's), or use partition "iid"`);
  }
  const shards = pooled ? [datasetToShard(train)] : partition(cfg, train, silos, configFile);
  const empty = shards.findIndex((s) => s.size === 0);
  if (empty >= 0) throw new DflsimInputError(`${configFile}: dataset`, `silo ${empty} gets no data: ${ds.sequences.length} sequences for ${silos} silos (add sequences or use partition "iid")`);
  return { task: 'regression', shards, test: poolShards([datasetToShard(test)]), dataset: ds };
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

/** The trainer options of a config's model. */
function trainerOptionsOf(cfg: TrainConfig): { inputSize: number; seed: number; numClasses?: number; pixelInput?: boolean } {
  return siloTrainerOptions(cfg.model, isCharacterConfig(cfg), cfg.seed);
}

/**
 * The trainer options of a model (a config's `model`) on characters or driving frames.
 * @param seed the model's own seed (dropout; a trainer given a seed per call reseeds)
 */
export function siloTrainerOptions(model: { name: string; inputSize: number }, characters: boolean, seed: number): { inputSize: number; seed: number; numClasses?: number; pixelInput?: boolean } {
  // the linear model reads the frame's pixels as features, scaled as FADNet scales its input;
  // on characters (pixels already in [0, 1]) it is a 62-class softmax regression
  const features = model.inputSize * model.inputSize;
  return model.name === 'linear'
    ? (characters ? { inputSize: features, numClasses: CHARACTER_CLASSES.length, seed } : { inputSize: features, pixelInput: true, seed })
    : { inputSize: model.inputSize, seed };
}

/**
 * The clock's workload of a training config ({@link trainTiming}): what the config sets, else
 * the trained model's own parameter count x 32 bits (the model is built once to count them)
 * and its documented default step time.
 */
export async function resolveTrainTiming(cfg: Omit<TrainConfig, 'sweep'>, configFile = 'config'): Promise<TrainTiming> {
  // the model is built (once per shape) whatever the config sets: a model that cannot be
  // built is a config error before anything runs
  const { modelParameterCount } = await import('../learning/tf/models/registry.js');
  const { seed: _s, ...shape } = trainerOptionsOf(cfg as TrainConfig);
  let paramCount: number;
  try {
    paramCount = await modelParameterCount(cfg.model.name, shape);
  } catch (e) {
    const why = (e as Error).message.replace(/^dflsim (createModel: )?[\w-]+: /, '');
    const field = /inputSize/.test(why) ? 'model.inputSize' : 'model';
    throw new DflsimInputError(`${configFile}: ${field}`, `${cfg.model.name}: ${why.replace(/^inputSize (\(feature count\) )?/, 'model.inputSize ')}`);
  }
  return trainTiming(cfg, { paramCount, bitsPerParameter: BITS_PER_PARAMETER, stepTime: defaultStepTime(cfg.model.name) });
}

/**
 * How often a run evaluates: the config's `evalEvery`, else about 20 evaluations over the
 * rounds it trains (floor(rounds / 20), at least 1: at least 20 evaluations); the last round is always evaluated.
 * @param roundsRun the rounds the run trains (within its time budget)
 */
export function resolveEvalEvery(evalEvery: number | undefined, roundsRun: number): number {
  return evalEvery ?? Math.max(1, Math.floor(roundsRun / DEFAULT_EVALUATIONS));
}

/** Evaluations per run when `evalEvery` is not set (and the last round). */
export const DEFAULT_EVALUATIONS = 20;

/** With `siloQueue`: the trainer's `trainMany` sends the round's silos to the queue's workers in groups. */
async function distributed<T extends { trainer: LocalTrainer; dispose: () => Promise<void> | void }>(local: T, cfg: TrainConfig, opts: RunOptions, log: (l: string) => void): Promise<T> {
  if (!opts.siloQueue) return local;
  const { createRemoteTrainMany } = await import('./queue/silo-groups.js');
  const remote = await createRemoteTrainMany({
    target: opts.siloQueue, model: cfg.model, characters: isCharacterConfig(cfg), log,
    ...(cfg.backend ? { backend: cfg.backend } : {}), ...(cfg.siloGroups ? { groups: cfg.siloGroups } : {}),
  });
  log(`silos in ${remote.groups} group${remote.groups > 1 ? 's' : ''} on the queue's workers`);
  return {
    ...local,
    trainer: { ...local.trainer, trainMany: (jobs) => remote.trainMany(jobs) },
    dispose: async () => { await remote.close(); await local.dispose(); },
  };
}

async function defaultTrainer(cfg: TrainConfig, workers: number, test: { x: Float32Array; y: Float32Array }): Promise<{ trainer: LocalTrainer; backend: { backend: string; threads: number; workers: number; kernels?: string }; dispose: () => Promise<void> | void }> {
  const model = cfg.model.name;
  const trainerOptions = trainerOptionsOf(cfg);
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
  return { trainer, backend: { backend: info.backend, threads: info.threads, workers: 1, ...(info.kernels ? { kernels: info.kernels } : {}) }, dispose: () => trainer.dispose() };
}

/** A config's silo profile, link capacities and clock as request fields (errors name the config file). */
export function clockAndProfile(c: Pick<TrainConfig, 'siloProfile' | 'linkCapacities' | 'clock' | 'sharing' | 'stragglers' | 'failures'>, file: string): Partial<CycleTimeRequest> {
  return {
    ...(c.siloProfile !== undefined ? { siloProfile: typeof c.siloProfile === 'string' ? resolveConfigPath(c.siloProfile, file) : c.siloProfile, siloProfileField: `${file}: siloProfile` } : {}),
    linkCapacities: c.linkCapacities,
    clock: c.clock,
    sharing: c.sharing,
    ...(c.stragglers ? { stragglers: c.stragglers } : {}),
    ...(c.failures ? { failures: c.failures } : {}),
    clockField: `${file}: `,
  };
}

/**
 * The timing context request of a training config: its network (or an underlay already
 * loaded from it), workload and timing fields, and the files its topology reads. A training
 * round computes `localSteps` local steps, so the clock counts as many.
 */
export function trainContextRequest(cfg: Omit<TrainConfig, 'sweep'>, configFile: string, timing: Pick<TrainTiming, 'workload'>, network: string | Underlay = resolveConfigPath(cfg.network, configFile)): CycleTimeRequest {
  return {
    network,
    missingCoordinates: cfg.missingCoordinates,
    ...clockAndProfile(cfg, configFile),
    workload: timing.workload,
    accessGbps: cfg.accessGbps,
    uploadGbps: cfg.uploadGbps,
    downloadGbps: cfg.downloadGbps,
    coreGbps: cfg.coreGbps,
    localUpdates: cfg.localSteps,
    tMax: cfg.tMax,
    rounds: cfg.rounds,
    budget: cfg.budget,
    baseGraph: cfg.baseGraph,
    equidynEta: cfg.equidynEta,
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
  const store = opts.checkpointStore;
  const ckFile = store ? store.where : path.join(out, 'checkpoint.bin');
  const hash = configHash(cfg);
  if (existsSync(out) && readdirSync(out).length > 0 && !opts.resume && !opts.force) {
    throw new DflsimInputError(out, 'results directory is not empty: use --resume to continue its run or --force to start over');
  }
  if (opts.resume && !store && !existsSync(ckFile)) {
    const done = finishedRunSummary(out, hash);
    if (done) { log(`${cfg.name}: already finished in ${out}`); return { ...done, outDir: out }; }
    // results of another config without a checkpoint (a finished run keeps none): never train over them
    const written = resultsConfigHash(out);
    if (written !== undefined && written !== hash) throw new DflsimInputError(path.join(out, 'config.resolved.json'), 'the results here were written by a different config; use --force to start over');
  }
  const stored = store && opts.resume ? await store.read() : undefined;
  const previous = !opts.resume ? undefined : store ? (stored ? decodeCheckpoint(stored, ckFile) : undefined) : readCheckpoint(ckFile);
  if (opts.resume && !previous) log(`no checkpoint in ${out}; starting from round 0`);
  if (previous && previous.configHash !== hash) throw new DflsimInputError(ckFile, 'the checkpoint was written by a different config; use --force to start over');

  // Everything that can fail on bad input happens before the first file is written.
  const timing = await resolveTrainTiming(cfg, configFile);
  const ctx = prepareContext(trainContextRequest(cfg, configFile, timing));
  // the catalogue's plan of the topology (centralised: one silo on the pooled data)
  const topology = trainedTopology(cfg.topology);
  const plan = buildOnClock(topology, ctx);
  const n = plan.n;
  const data = await prepareData(cfg, configFile, n);
  const { shards, test } = data;
  const schedule: TrainingSchedule = scheduleFromPlan(plan, mixingRule(plan, n, { shardSizes: shards.map((s) => s.size), scheme: cfg.mixing }));
  const roundsRun = roundsWithinBudget(schedule, cfg.rounds, cfg.simulatedBudgetMs);
  if (roundsRun === 0) throw new DflsimInputError(`${configFile}: simulatedBudgetMs`, `the first round of ${cfg.topology} ends at ${plan.round(0).endMs.toFixed(3)} ms of simulated time, after the budget of ${cfg.simulatedBudgetMs} ms: raise the budget`);
  const evalEvery = resolveEvalEvery(cfg.evalEvery, roundsRun);
  const workers = resolveWorkers(opts.workers ?? cfg.workers, n, opts.workers !== undefined ? '--workers' : `${configFile}: workers`);
  const { trainer, backend, dispose } = await distributed(opts.trainer ? { trainer: opts.trainer, backend: { backend: 'injected', threads: 1, workers: 1 }, dispose: () => {} } : await defaultTrainer(cfg, workers, test), cfg, opts, log);
  // each run builds (and frees) its own model: nothing of one run's TensorFlow.js state is left for the next
  try {
    if (previous) {
      checkResumable(previous.state, ckFile, { silos: n, rounds: cfg.rounds, weightCount: trainer.weightCount, paramCount: trainer.paramCount });
      checkKernels(previous.kernels, backend.kernels, ckFile);
    }
    return await train(cfg, configFile, opts, { ctx, n, data, schedule, trainer, backend, previous: previous?.state, ckFile, hash, store, plan, timing, evalEvery, roundsRun });
  } finally {
    await dispose();
  }
}

interface Prepared {
  ctx: ReturnType<typeof prepareContext>;
  n: number;
  data: PreparedData;
  schedule: TrainingSchedule;
  trainer: LocalTrainer;
  backend: { backend: string; threads: number; workers: number; kernels?: string };
  previous: EngineState | undefined;
  ckFile: string;
  hash: string;
  store: CheckpointStore | undefined;
  /** The topology's plan on the run's clock. */
  plan: TopologyPlan;
  /** The clock's workload and where its figures come from. */
  timing: TrainTiming;
  /** Evaluation period (rounds). */
  evalEvery: number;
  /** Rounds the run trains (fewer than `rounds` with a time budget). */
  roundsRun: number;
}

/** The part of {@link runTraining} after validation: write, train, summarise. */
async function train(cfg: TrainConfig, configFile: string, opts: RunOptions, p: Prepared): Promise<RunSummary> {
  const { ctx, n, data, schedule, trainer, backend, previous, ckFile, hash, store, timing, evalEvery } = p;
  const { shards, test } = data;
  const log = opts.log ?? (() => {});
  const out = opts.outDir;

  mkdirSync(out, { recursive: true });
  const version = packageVersion();
  const simulated = simulationRecord(cfg, p, contextClock(ctx));
  writeFileAtomic(path.join(out, 'config.resolved.json'), JSON.stringify({ ...cfg, configFile: path.resolve(configFile), configHash: hash, version, backend, resolved: simulated }, null, 2) + '\n');
  const drawing = describeTopology(ctx, cfg.topology);
  writeFileAtomic(path.join(out, 'topology.json'), JSON.stringify(drawing) + '\n');
  const base = baselineOf(data);
  const shardInfo: RunSummary['shards'] = data.task === 'regression'
    ? describeShards(data.shards).map((d) => ({ silo: d.silo, size: d.size, meanSteering: d.meanSteering, conditions: d.conditions }))
    : data.shards.map((s) => ({ silo: s.silo, size: s.size, writers: s.writers.length, classes: classCounts(s.y, CHARACTER_CLASSES.length).filter((c) => c > 0).length }));
  log(`${cfg.name}: ${cfg.topology} on ${ctx.underlay.name} (${n} silo${n > 1 ? 's' : ''}), ${cfg.model.name} ${cfg.model.inputSize}x${cfg.model.inputSize} (${trainer.paramCount} parameters), backend ${backend.backend} x${backend.threads}${'kernels' in backend && backend.kernels ? ` (${backend.kernels} kernels)` : ''}; shards ${shards.map((s) => s.size).join('/')}, test ${test.size}; clock ${simulated.clock}, model ${timing.workload.modelSizeBits.toLocaleString('en-US')} bits (${timing.modelSizeSource}), ${timing.workload.computeMs} ms per local step`);

  let state: EngineState = previous ?? initEngineState(trainer, n, cfg.seed);
  if (previous) log(`resuming at round ${state.round}`);
  let interrupted = false;
  const checkpoint = (s: EngineState): void => {
    if (store) store.write(encodeCheckpoint(s, hash, backend.kernels)); else writeFileAtomic(ckFile, encodeCheckpoint(s, hash, backend.kernels));
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
      evalEvery,
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
  // the last evaluated round (every evaluation sets the test loss)
  const final = [...state.metrics].reverse().find((m) => m.testLoss !== null) ?? null;
  const summary: RunSummary = {
    name: cfg.name,
    topology: cfg.topology,
    network: ctx.underlay.name,
    silos: n,
    rounds: state.round,
    completed: state.done,
    interrupted,
    final,
    task: data.task,
    constantPredictorRmse: base.constantPredictorRmse,
    rmseRatioToConstant: final?.testRmse != null && Number.isFinite(base.constantPredictorRmse) ? final.testRmse / base.constantPredictorRmse : null,
    majorityClassAccuracy: base.majorityClassAccuracy,
    testAccuracy: final?.testAccuracy ?? null,
    siloTestAccuracy: final?.siloAccuracies ?? null,
    cycleTimeMs: drawing.cycleTimeMs ?? null,
    meanIsolated: state.metrics.length ? state.metrics.reduce((a, m) => a + m.isolated, 0) / state.metrics.length : 0,
    roundsWithIsolated: state.metrics.filter((m) => m.isolated > 0).length,
    meanKeptOwn: state.metrics.length ? state.metrics.reduce((a, m) => a + (m.keptOwn ?? 0), 0) / state.metrics.length : 0,
    simulatedMs: state.simulatedMs,
    wallMs: state.wallMs,
    shards: shardInfo,
    model: { name: cfg.model.name, inputSize: cfg.model.inputSize, params: trainer.paramCount },
    simulated,
    backend,
    seed: cfg.seed,
    version,
    outDir: out,
  };
  writeFileAtomic(path.join(out, 'metrics.csv'), metricsCsv(state.metrics));
  writeFileAtomic(path.join(out, 'silo-times.csv'), siloTimesCsv(p.plan, contextClock(ctx), state.round, ctx.cg.silos));
  writeFileAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  // a finished run keeps what its report and a re-run need (summary, metrics, config); its
  // checkpoint only with keepCheckpoints
  if (state.done && !store && !opts.keepCheckpoints) rmSync(ckFile, { force: true });
  return summary;
}

/** What a run simulated, as recorded in its summary and resolved config (and shown by reports). */
export interface SimulationRecord {
  /** The clock in words (`max-plus`, `events, fair sharing, lognormal stragglers (sigma 0.5), failures`). */
  clock: string;
  /** Model size on every link (bits), and where it comes from. */
  modelSizeBits: number;
  modelSizeSource: string;
  /** Compute time of one local step (ms), and where it comes from. */
  computeMs: number;
  computeMsSource: string;
  /** Per-silo compute and access capacities: a CSV file, a generator, or none. */
  siloProfile: string;
  /** Underlay link capacities: ignored, or read from the GML. */
  linkCapacities: string;
  /** Evaluation period (rounds) and the rounds the run was to train (within its budget). */
  evalEvery: number;
  roundsPlanned: number;
  /** The simulated-time budget (ms), if any. */
  simulatedBudgetMs: number | null;
}

function simulationRecord(cfg: TrainConfig, p: Pick<Prepared, 'timing' | 'evalEvery' | 'roundsRun'>, clock: ClockChoice): SimulationRecord {
  const profile = cfg.siloProfile === undefined ? 'none (every silo: computeMs, accessGbps)'
    : typeof cfg.siloProfile === 'string' ? `file ${path.basename(cfg.siloProfile)}`
      : `generated: ${JSON.stringify(cfg.siloProfile)}`;
  return {
    clock: describeClock(clock),
    modelSizeBits: p.timing.workload.modelSizeBits,
    modelSizeSource: p.timing.modelSizeSource,
    computeMs: p.timing.workload.computeMs,
    computeMsSource: p.timing.computeMsSource,
    siloProfile: profile,
    linkCapacities: cfg.linkCapacities === 'gml' ? 'from the GML (bottleneck link of each path)' : 'ignored (the papers\' model)',
    evalEvery: p.evalEvery,
    roundsPlanned: p.roundsRun,
    simulatedBudgetMs: cfg.simulatedBudgetMs ?? null,
  };
}

/** The config hash recorded in a results directory's `config.resolved.json`, if any. */
function resultsConfigHash(dir: string): string | undefined {
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


/** The baseline a run has to beat: the constant predictor's RMSE (regression) or the majority class's accuracy (classification). */
function baselineOf(data: PreparedData): { constantPredictorRmse: number; majorityClassAccuracy: number | null } {
  if (data.task === 'regression') return { constantPredictorRmse: constantPredictorRmse(poolShards(data.shards).y, data.test.y), majorityClassAccuracy: null };
  let trainY: Float32Array;
  if (data.shards.length === 1) trainY = data.shards[0].y;
  else {
    trainY = new Float32Array(data.shards.reduce((a, s) => a + s.size, 0));
    let o = 0;
    for (const s of data.shards) { trainY.set(s.y, o); o += s.size; }
  }
  return { constantPredictorRmse: NaN, majorityClassAccuracy: majorityClassAccuracy(trainY, data.test.y, CHARACTER_CLASSES.length) };
}
