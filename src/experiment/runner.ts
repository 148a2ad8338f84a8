/**
 * The training runner: a validated config in, a results directory out (resolved config,
 * `metrics.csv`, `summary.json`, checkpoints). Long runs checkpoint every N rounds and
 * can be resumed; an interrupt writes a checkpoint first. The orchestration lives here;
 * its parts along their seams: the run's shapes (`run-types.ts`), files (`run-files.ts`),
 * data (`run-data.ts`), trainer (`run-trainer.ts`) and what it simulates (`run-timing.ts`).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DflsimInputError, expectObject, expectString } from '../errors.js';
import { describeShards } from '../data/partition.js';
import { classCounts } from '../data/characters.js';
import { CHARACTER_CLASSES } from '../data/character-glyphs.js';
import { initEngineState, roundsWithinBudget, runRoundsAsync, type EngineState } from '../learning/dpasgd.js';
import { mixingRule, scheduleFromPlan, type TrainingSchedule } from '../learning/schedule.js';
import type { ClockedPlan } from '../overlay/clocked-plan.js';
import { describeClock, type ClockChoice } from '../timing/clock.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { writeFileAtomic } from '../io/files.js';
import { packageVersion } from '../project-root.js';
import { checkKernels, checkResumable, decodeCheckpoint, encodeCheckpoint, readCheckpoint } from './checkpoint.js';
import { modelLabel, type TrainConfig, type TrainTiming } from './config.js';
import { buildOnClock, contextClock, prepareContext } from './cycle-times.js';
import { describeTopology } from './topology-file.js';

import type { RunOptions, RunSummary, CheckpointStore, SimulationRecord } from './run-types.js';
import { configHash, siloTimesCsv, metricsCsv, resultsConfigHash, finishedRunSummary } from './run-files.js';
import { datasetSummary } from '../data/tensor-dataset.js';
import { type PreparedData, prepareData, baselineOf, trainedTopology } from './run-data.js';
import { resolveWorkers, distributed, defaultTrainer, inProcessOnlyModel } from './run-trainer.js';
import { resolveTrainTiming, resolveEvalEvery, trainContextRequest } from './run-timing.js';

export * from './run-types.js';
export * from './run-files.js';
export * from './run-data.js';
export * from './run-trainer.js';
export * from './run-timing.js';

/**
 * Run one training config into `opts.outDir`.
 * @param configFile the config's path (for relative paths and messages)
 */
export async function runTraining(cfg: TrainConfig, configFile: string, opts: RunOptions): Promise<RunSummary> {
  expectObject(cfg, 'runTraining: cfg', 'a training config (from loadConfig or validateConfig)');
  if (cfg.kind !== 'train') throw new DflsimInputError('runTraining: cfg.kind', `expected "train", got ${JSON.stringify(cfg.kind)}`);
  expectString(configFile, 'runTraining: configFile', "the config's file path (relative paths in it resolve from there)");
  expectObject(opts, 'runTraining: opts', 'options {outDir, ...}');
  expectString(opts.outDir, 'runTraining: opts.outDir', 'a results directory path');
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
    if (done) {
      log(`${cfg.name}: already finished in ${out}`);
      return { ...done, outDir: out };
    }
    // results of another config without a checkpoint (a finished run keeps none): never train over them
    const written = resultsConfigHash(out);
    if (written !== undefined && written !== hash)
      throw new DflsimInputError(
        path.join(out, 'config.resolved.json'),
        'the results here were written by a different config; use --force to start over',
      );
  }
  const stored = store && opts.resume ? await store.read() : undefined;
  const previous = !opts.resume ? undefined : store ? (stored ? decodeCheckpoint(stored, ckFile) : undefined) : readCheckpoint(ckFile);
  if (opts.resume && !previous) log(`no checkpoint in ${out}; starting from round 0`);
  if (previous && previous.configHash !== hash)
    throw new DflsimInputError(ckFile, 'the checkpoint was written by a different config; use --force to start over');

  // Everything that can fail on bad input happens before the first file is written.
  const timing = await resolveTrainTiming(cfg, configFile);
  const ctx = prepareContext(trainContextRequest(cfg, configFile, timing));
  // the catalogue's plan of the topology (centralised: one silo on the pooled data)
  const topology = trainedTopology(cfg.topology);
  const plan = buildOnClock(topology, ctx);
  const n = plan.n;
  const data = await prepareData(cfg, configFile, n);
  const { shards, test } = data;
  const schedule: TrainingSchedule = scheduleFromPlan(
    plan,
    mixingRule(plan, n, { shardSizes: shards.map((s) => s.size), scheme: cfg.mixing }),
  );
  const roundsRun = roundsWithinBudget(schedule, cfg.rounds, cfg.simulatedBudgetMs);
  if (roundsRun === 0)
    throw new DflsimInputError(
      `${configFile}: simulatedBudgetMs`,
      `the first round of ${cfg.topology} ends at ${plan.roundEndMs(0).toFixed(3)} ms of simulated time, after the budget of ${cfg.simulatedBudgetMs} ms: raise the budget`,
    );
  const evalEvery = resolveEvalEvery(cfg.evalEvery, roundsRun);
  // a model registered in this process without a module trains in this thread unless told otherwise (then refused)
  const workers = resolveWorkers(
    opts.workers ?? cfg.workers ?? (inProcessOnlyModel(cfg.model) ? 1 : undefined),
    n,
    opts.workers !== undefined ? '--workers' : `${configFile}: workers`,
  );
  const { trainer, backend, dispose, notice } = await distributed(
    opts.trainer
      ? { trainer: opts.trainer, backend: { backend: 'injected', threads: 1, workers: 1 }, dispose: () => {} }
      : await defaultTrainer(cfg, workers, test, configFile),
    cfg,
    opts,
    log,
  );
  if (notice) log(notice);
  // each run builds (and frees) its own model: nothing of one run's TensorFlow.js state is left for the next
  try {
    if (previous) {
      checkResumable(previous.state, ckFile, {
        silos: n,
        rounds: cfg.rounds,
        weightCount: trainer.weightCount,
        paramCount: trainer.paramCount,
      });
      checkKernels(previous.kernels, backend.kernels, ckFile);
    }
    return await train(cfg, configFile, opts, {
      ctx,
      n,
      data,
      schedule,
      trainer,
      backend,
      previous: previous?.state,
      ckFile,
      hash,
      store,
      plan,
      timing,
      evalEvery,
      roundsRun,
    });
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
  plan: ClockedPlan;
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
  writeFileAtomic(
    path.join(out, 'config.resolved.json'),
    JSON.stringify({ ...cfg, configFile: path.resolve(configFile), configHash: hash, version, backend, resolved: simulated }, null, 2) +
      '\n',
  );
  const drawing = describeTopology(ctx, cfg.topology);
  writeFileAtomic(path.join(out, 'topology.json'), JSON.stringify(drawing) + '\n');
  const base = baselineOf(data);
  const shardInfo: RunSummary['shards'] =
    data.source === 'driving'
      ? describeShards(data.shards).map((d) => ({ silo: d.silo, size: d.size, meanSteering: d.meanSteering, conditions: d.conditions }))
      : data.source === 'characters'
        ? data.shards.map((s) => ({
            silo: s.silo,
            size: s.size,
            writers: s.writers.length,
            classes: classCounts(s.y, CHARACTER_CLASSES.length).filter((c) => c > 0).length,
          }))
        : data.shards.map((s) => ({
            silo: s.silo,
            size: s.size,
            ...(s.groups ? { groups: s.groups.length } : {}),
            ...(data.task === 'classification' ? { classes: new Set(s.y).size } : {}),
          }));
  if (data.source === 'user') log(datasetSummary(data.dataset).text);
  log(data.heldOut.text);
  log(
    `${cfg.name}: ${cfg.topology} on ${ctx.underlay.name} (${n} silo${n > 1 ? 's' : ''}), ${modelLabel(cfg.model)} ${data.source === 'user' ? `on [${data.dataset.sampleShape.join(', ')}]` : `${cfg.model.inputSize}x${cfg.model.inputSize}`} (${trainer.paramCount} parameters), backend ${backend.backend} x${backend.threads}${'kernels' in backend && backend.kernels ? ` (${backend.kernels} kernels)` : ''}; shards ${shards.map((s) => s.size).join('/')}, test ${test.size}; clock ${simulated.clock}, model ${timing.workload.modelSizeBits.toLocaleString('en-US')} bits (${timing.modelSizeSource}), ${timing.workload.computeMs} ms per local step`,
  );

  let state: EngineState = previous ?? initEngineState(trainer, n, cfg.seed);
  if (previous) log(`resuming at round ${state.round}`);
  let interrupted = false;
  const checkpoint = (s: EngineState): void => {
    if (store) store.write(encodeCheckpoint(s, hash, backend.kernels));
    else writeFileAtomic(ckFile, encodeCheckpoint(s, hash, backend.kernels));
    writeFileAtomic(path.join(out, 'metrics.csv'), metricsCsv(s.metrics));
  };
  // the engine yields to the event loop after every round, so Ctrl-C (SIGINT) is seen:
  // it writes a checkpoint and stops
  if (!state.done) {
    state = await runRoundsAsync(
      state,
      trainer,
      schedule,
      { shards, test },
      {
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
          if (!s.done && opts.shouldStop?.()) {
            interrupted = true;
            checkpoint(s);
            return true;
          }
          return false;
        },
      },
    );
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
    rmseRatioToConstant:
      final?.testRmse != null && Number.isFinite(base.constantPredictorRmse) ? final.testRmse / base.constantPredictorRmse : null,
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
    model: {
      name: modelLabel(cfg.model),
      inputSize: data.source === 'user' ? data.dataset.sampleShape[0]! : cfg.model.inputSize,
      params: trainer.paramCount,
      ...(data.source === 'user' ? { inputShape: [...data.dataset.sampleShape] } : {}),
    },
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

function simulationRecord(cfg: TrainConfig, p: Pick<Prepared, 'timing' | 'evalEvery' | 'roundsRun'>, clock: ClockChoice): SimulationRecord {
  const profile =
    cfg.siloProfile === undefined
      ? 'none (every silo: computeMs, accessGbps)'
      : typeof cfg.siloProfile === 'string'
        ? `file ${path.basename(cfg.siloProfile)}`
        : `generated: ${JSON.stringify(cfg.siloProfile)}`;
  return {
    clock: describeClock(clock),
    modelSizeBits: p.timing.workload.modelSizeBits,
    modelSizeSource: p.timing.modelSizeSource,
    computeMs: p.timing.workload.computeMs,
    computeMsSource: p.timing.computeMsSource,
    siloProfile: profile,
    linkCapacities: cfg.linkCapacities === 'gml' ? 'from the GML (bottleneck link of each path)' : "ignored (the papers' model)",
    evalEvery: p.evalEvery,
    roundsPlanned: p.roundsRun,
    simulatedBudgetMs: cfg.simulatedBudgetMs ?? null,
  };
}
