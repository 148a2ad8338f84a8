/**
 * The DPASGD engine (decentralised periodic averaging SGD; Wang & Joshi 2018, as used by
 * Marfoq et al. 2020 and Do et al. 2023): per round every silo does `u` local steps on its
 * own shard, then mixes models over the round's graph state; the simulated clock comes from
 * the topology's schedule. Model-agnostic: it sees a {@link LocalTrainer} and flat vectors.
 *
 * All randomness (mini-batches, dropout) is derived from (seed, round, silo), so a run
 * resumed from a checkpoint continues exactly as an uninterrupted one.
 */
import { DflsimInputError } from '../errors.js';
import { createRng, hashString } from '../random.js';
import { applyMixing, freshSources, mixOne, type MixScratch } from './mixing.js';
import type { RoundPlan, TrainingSchedule } from './schedule.js';
import type { Batch, Evaluation, LocalTrainer, LocalTrainResult, OptimizerState, SiloJob } from './trainer.js';

/** One silo's training data. */
export interface SiloShard {
  x: Float32Array;
  y: Float32Array;
  size: number;
}

/** The data of a run: a shard per silo and a common test set. */
export interface EngineData {
  shards: SiloShard[];
  test: SiloShard;
}

/** Engine options. */
export interface EngineOptions {
  /** Rounds to run in total (the run stops earlier at the simulated budget). */
  rounds: number;
  /** Local steps per round (u). */
  localSteps: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Learning rate. */
  lr: number;
  /** Seed of batches, dropout and initial weights. */
  seed: number;
  /** Evaluate every this many rounds (and at the last round). */
  evalEvery: number;
  /** Also evaluate each silo's own model (n extra evaluations). */
  evalSilos?: boolean;
  /**
   * Simulated-time budget (ms): the run trains the rounds that end within it and stops
   * before the first round that would end after it (that round is not trained).
   */
  simulatedBudgetMs?: number;
  /** Called after each round (for progress and checkpoints); return true to stop now. */
  afterRound?: (state: EngineState, row: MetricRow) => boolean | void;
}

/** One row of metrics (eval columns are null on rounds without evaluation). */
export interface MetricRow {
  round: number;
  /** Simulated wall-clock at the end of the round (ms). */
  simulatedMs: number;
  /** Measured wall time of the rounds' local steps so far (ms; with a pool it includes the rows mixed while silos train). */
  wallMs: number;
  trainLoss: number;
  testLoss: number | null;
  testRmse: number | null;
  /** Mean squared distance of silo weights to their average. */
  consensus: number | null;
  /** Mean test RMSE of the silos' own models. */
  siloTestRmse: number | null;
  /** Silos isolated this round (no strong edge in either direction: the multigraph paper's count). */
  isolated: number;
  /**
   * Silos whose model this round mixes with no other (no strong in-edge): they keep their own
   * model. Down silos are counted in `down`, not here. Absent in older metrics.
   */
  keptOwn?: number;
  /** Silos down this round (failures on the event clock): they did not train or mix. */
  down?: number;
  /** Test accuracy of the averaged model (classification; null for regression and on rounds without evaluation). */
  testAccuracy?: number | null;
  /** Mean test accuracy of the silos' own models (classification with `evalSilos`). */
  siloTestAccuracy?: number | null;
  /** Test accuracy of each silo's own model, by silo (classification with `evalSilos`; not a metrics.csv column). */
  siloAccuracies?: number[];
}

/** Everything needed to continue a run. */
export interface EngineState {
  /** Next round to run. */
  round: number;
  weights: Float32Array[];
  opt: OptimizerState[];
  metrics: MetricRow[];
  /** Measured compute so far (ms). */
  wallMs: number;
  /** Simulated clock at the end of the last round run (ms). */
  simulatedMs: number;
  /** Set when the run reached its round count or simulated budget. */
  done: boolean;
}

/** Seed of (purpose, round, silo): independent of how many rounds ran before. */
export function roundSeed(seed: number, purpose: string, round: number, silo: number): number {
  return hashString(`${purpose}:${round}:${silo}`, seed >>> 0);
}

/**
 * The sample indices of a seeded mini-batch of a shard of `shardSize` samples: a partial
 * Fisher-Yates shuffle of 0..shardSize-1 by `createRng(seed)`, its first min(batchSize,
 * shardSize) entries (without replacement within a batch; batches of different steps and
 * rounds are drawn independently). What {@link sampleBatch} takes, exported for replays.
 */
export function batchIndices(shardSize: number, batchSize: number, seed: number): Int32Array {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new DflsimInputError('batchSize', `must be a positive integer, got ${batchSize}`);
  if (shardSize === 0) throw new DflsimInputError('shard', 'is empty: cannot sample a batch');
  const rng = createRng(seed);
  const size = Math.min(batchSize, shardSize);
  const idx = new Int32Array(shardSize);
  for (let i = 0; i < shardSize; i++) idx[i] = i;
  for (let b = 0; b < size; b++) {
    const j = b + rng.int(shardSize - b);
    const t = idx[b];
    idx[b] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, size);
}

/** A seeded mini-batch (sampling with replacement across steps, without within a batch when possible): {@link batchIndices}' samples. */
export function sampleBatch(shard: SiloShard, batchSize: number, seed: number): Batch {
  const picked = batchIndices(shard.size, batchSize, seed);
  const size = picked.length;
  const dx = shard.x.length / shard.size;
  const dy = shard.y.length / shard.size;
  const x = new Float32Array(size * dx);
  const y = new Float32Array(size * dy);
  for (let b = 0; b < size; b++) {
    const s = picked[b];
    x.set(shard.x.subarray(s * dx, (s + 1) * dx), b * dx);
    y.set(shard.y.subarray(s * dy, (s + 1) * dy), b * dy);
  }
  return { x, y, size };
}

/** Up silos whose mixing row this round reads only their own model. */
export function keptOwnModels(plan: Pick<RoundPlan, 'mixing' | 'down'>): number {
  const down = new Set(plan.down ?? []);
  let k = 0;
  plan.mixing.forEach((row, i) => {
    if (!down.has(i) && row.every((t) => t.from === i || t.weight === 0)) k++;
  });
  return k;
}

/** When round k of a schedule ends on the simulated clock (ms), without building its mixing. */
export function roundEndMs(schedule: TrainingSchedule, k: number): number {
  return schedule.endMs ? schedule.endMs(k) : schedule.plan(k).endMs;
}

/**
 * Rounds a run trains: `rounds`, or fewer with a simulated-time budget (the rounds that end
 * within it). 0 when the first round already ends after the budget.
 */
export function roundsWithinBudget(schedule: TrainingSchedule, rounds: number, simulatedBudgetMs?: number): number {
  if (simulatedBudgetMs === undefined) return rounds;
  let k = 0;
  while (k < rounds && roundEndMs(schedule, k) <= simulatedBudgetMs) k++;
  return k;
}

/** Initial state: every silo starts from the same seeded weights and a fresh optimizer. */
export function initEngineState(trainer: LocalTrainer, n: number, seed: number): EngineState {
  const w0 = trainer.initWeights(seed);
  return {
    round: 0,
    weights: Array.from({ length: n }, () => w0.slice()),
    opt: Array.from({ length: n }, () => trainer.newOptimizerState()),
    metrics: [],
    wallMs: 0,
    simulatedMs: 0,
    done: false,
  };
}

/** Element-wise mean of the silos' weights. */
export function averageWeights(ws: readonly Float32Array[]): Float32Array {
  const len = ws[0].length;
  const acc = new Float64Array(len);
  for (const w of ws) for (let i = 0; i < len; i++) acc[i] += w[i];
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = acc[i] / ws.length;
  return out;
}

/** Mean squared distance of the silos' first `count` weights to their average. */
export function consensusDistance(ws: readonly Float32Array[], count = ws[0].length): number {
  const avg = averageWeights(ws.map((w) => w.subarray(0, count)));
  let s = 0;
  for (const w of ws)
    for (let i = 0; i < count; i++) {
      const d = w[i] - avg[i];
      s += d * d;
    }
  return s / ws.length;
}

/**
 * After the silos' local steps: mix, advance the clock, and start the round's metrics row.
 * Returns the weight vectors to evaluate this round (the averaged model, then each silo's
 * when `evalSilos`), or null on a round without evaluation.
 */
function mixRound(
  state: EngineState,
  plan: RoundPlan,
  results: readonly LocalTrainResult[],
  start: readonly (Float32Array | undefined)[],
  opts: EngineOptions,
  schedule: TrainingSchedule,
  mixed?: Float32Array[],
): { row: MetricRow; evaluate: Float32Array[] | null } {
  const k = state.round;
  let lossSum = 0,
    trained = 0;
  results.forEach((r, i) => {
    state.opt[i] = r.optState;
    if (!Number.isNaN(r.loss)) {
      lossSum += r.loss;
      trained++;
    }
  });
  state.weights =
    mixed ??
    applyMixing(
      plan.mixing,
      results.map((r) => r.weights),
      start,
    );
  state.simulatedMs = plan.endMs;
  state.round = k + 1;
  const last =
    state.round >= opts.rounds || (opts.simulatedBudgetMs !== undefined && roundEndMs(schedule, state.round) > opts.simulatedBudgetMs);
  if (last) state.done = true;
  const row: MetricRow = {
    round: k,
    simulatedMs: plan.endMs,
    wallMs: state.wallMs,
    trainLoss: trained ? lossSum / trained : NaN,
    testLoss: null,
    testRmse: null,
    consensus: null,
    siloTestRmse: null,
    testAccuracy: null,
    siloTestAccuracy: null,
    isolated: plan.isolated.length,
    down: plan.down?.length ?? 0,
    keptOwn: keptOwnModels(plan),
  };
  const evaluate =
    (k + 1) % opts.evalEvery === 0 || last ? [averageWeights(state.weights), ...(opts.evalSilos ? state.weights : [])] : null;
  return { row, evaluate };
}

/** Fill a row's evaluation columns (evaluations in the order {@link mixRound} asked for them) and record it. */
function recordRound(state: EngineState, row: MetricRow, ev: readonly Evaluation[] | null, paramCount: number): MetricRow {
  if (ev) {
    row.testLoss = ev[0].loss;
    row.testRmse = ev[0].rmse ?? null;
    row.testAccuracy = ev[0].accuracy ?? null;
    row.consensus = consensusDistance(state.weights, paramCount);
    if (ev.length > 1) {
      const silos = ev.slice(1);
      if (ev[0].accuracy !== undefined) {
        row.siloAccuracies = silos.map((e) => e.accuracy ?? NaN);
        row.siloTestAccuracy = row.siloAccuracies.reduce((a, b) => a + b, 0) / silos.length;
      } else {
        let sum = 0;
        for (const e of silos) sum += e.rmse ?? NaN;
        row.siloTestRmse = sum / silos.length;
      }
    }
  }
  state.metrics.push(row);
  return row;
}

/** Silo i's job of round k: its weights, optimiser state, seeded batches and dropout seed. */
function roundJob(state: EngineState, data: EngineData, opts: EngineOptions, i: number): SiloJob {
  const k = state.round;
  const batches: Batch[] = [];
  for (let s = 0; s < opts.localSteps; s++)
    batches.push(sampleBatch(data.shards[i], opts.batchSize, roundSeed(opts.seed, `batch${s}`, k, i)));
  return { weights: state.weights[i], optState: state.opt[i], batches, lr: opts.lr, seed: roundSeed(opts.seed, 'dropout', k, i) };
}

/** The jobs of round k: every silo's {@link roundJob}. */
function roundJobs(state: EngineState, data: EngineData, opts: EngineOptions, n: number): SiloJob[] {
  return Array.from({ length: n }, (_, i) => roundJob(state, data, opts, i));
}

/** A down silo's result: its model and optimiser state as they were, no loss. */
function untrained(job: SiloJob): LocalTrainResult {
  return { weights: job.weights, optState: job.optState, loss: NaN };
}

/** Silos whose start-of-round model a round's mixing reads (the multigraph's weak edges). */
function staleSources(plan: RoundPlan): Set<number> {
  const need = new Set<number>();
  for (const row of plan.mixing) for (const t of row) if (t.stale) need.add(t.from);
  return need;
}

/** Run one round on a working state (mutated in place) and return its metrics row. */
function runOneRound(
  state: EngineState,
  trainer: LocalTrainer,
  schedule: TrainingSchedule,
  data: EngineData,
  opts: EngineOptions,
): MetricRow {
  const plan = schedule.plan(state.round);
  const needStart = staleSources(plan);
  // silos train in place: keep a copy of the start-of-round models that mixing reads
  const start = state.weights.map((w, i) => (needStart.has(i) ? w.slice() : undefined));
  const t0 = performance.now();
  const down = new Set(plan.down ?? []);
  // silo by silo, its trained state replaces the old one at once, so that a round holds one
  // silo's old state at a time, not every silo's (memory: 100 silos of FADNet)
  const results: LocalTrainResult[] = [];
  for (let i = 0; i < schedule.n; i++) {
    const j = roundJob(state, data, opts, i);
    const r = down.has(i) ? untrained(j) : trainer.train(j.weights, j.optState, j.batches, j.lr, j.seed, true);
    state.weights[i] = r.weights;
    state.opt[i] = r.optState;
    results.push(r);
  }
  state.wallMs += performance.now() - t0;
  const { row, evaluate } = mixRound(state, plan, results, start, opts, schedule);
  return recordRound(state, row, evaluate && evaluate.map((w) => trainer.evaluate(w, data.test.x, data.test.y)), trainer.paramCount);
}

/**
 * {@link runOneRound} with the silos trained (and evaluated) in parallel by a trainer that
 * offers `trainMany` (a worker pool). Jobs, mixing and reductions are the same as
 * in-process, in silo order, so the results are the same bits.
 */
async function runOneRoundParallel(
  state: EngineState,
  trainer: LocalTrainer,
  schedule: TrainingSchedule,
  data: EngineData,
  opts: EngineOptions,
): Promise<MetricRow> {
  const plan = schedule.plan(state.round);
  const needStart = staleSources(plan);
  // the weights travel to the workers (transferred): keep a copy of those mixing reads stale
  const start = state.weights.map((w, i) => (needStart.has(i) ? w.slice() : undefined));
  const t0 = performance.now();
  const jobs = roundJobs(state, data, opts, schedule.n);
  const n = schedule.n;
  const down = new Set(plan.down ?? []);
  const up = jobs.map((_, i) => i).filter((i) => !down.has(i));
  const results: LocalTrainResult[] = jobs.map((j) => untrained(j));
  // each row is mixed as soon as the silos it reads are in, while the others still train
  // (rows are independent: the same bits as mixing them all at the end)
  const fresh: (Float32Array | undefined)[] = new Array(n);
  const mixed: Float32Array[] = new Array(n);
  const waiting = plan.mixing.map((row, i) => new Set(freshSources(row, i)));
  const readers: number[][] = Array.from({ length: n }, () => []);
  waiting.forEach((srcs, i) => {
    for (const j of srcs) readers[j].push(i);
  });
  const scratch: MixScratch = {};
  const arrived = (j: number, r: LocalTrainResult) => {
    results[j] = r;
    fresh[j] = r.weights;
    for (const i of readers[j]) {
      waiting[i].delete(j);
      if (waiting[i].size === 0) mixed[i] = mixOne(plan.mixing[i], i, fresh, start, scratch);
    }
  };
  for (const i of down) arrived(i, results[i]);
  if (up.length) {
    const done = new Array<boolean>(up.length).fill(false);
    const all = await trainer.trainMany!(
      up.map((i) => jobs[i]),
      (q, r) => {
        done[q] = true;
        arrived(up[q], r);
      },
    );
    // a trainer that does not report results one by one: the rest now
    all.forEach((r, q) => {
      if (!done[q]) arrived(up[q], r);
    });
  }
  state.wallMs += performance.now() - t0;
  const { row, evaluate } = mixRound(state, plan, results, start, opts, schedule, mixed);
  let ev: Evaluation[] | null = null;
  if (evaluate)
    ev = trainer.evaluateTestMany
      ? await trainer.evaluateTestMany(evaluate)
      : evaluate.map((w) => trainer.evaluate(w, data.test.x, data.test.y));
  return recordRound(state, row, ev, trainer.paramCount);
}

/** A working copy of a state's lists (the silos' arrays themselves are taken over). */
function workingCopy(state0: EngineState, schedule: TrainingSchedule, data: EngineData): EngineState {
  if (data.shards.length !== schedule.n) throw new Error(`engine: ${data.shards.length} shards for ${schedule.n} silos`);
  return { ...state0, weights: state0.weights.slice(), opt: state0.opt.slice(), metrics: state0.metrics.slice() };
}

/**
 * Run rounds from `state` until the round count, the simulated budget, or `afterRound`
 * asks to stop. Returns the new state. The input's weight and optimiser arrays are taken
 * over (trained in place, or transferred to a pool's workers) so that a run holds one copy
 * of the silos' state: use the returned state, and `structuredClone` the input first to
 * keep it.
 */
export function runRounds(
  state0: EngineState,
  trainer: LocalTrainer,
  schedule: TrainingSchedule,
  data: EngineData,
  opts: EngineOptions,
): EngineState {
  const state = workingCopy(state0, schedule, data);
  while (!state.done && state.round < opts.rounds) {
    const row = runOneRound(state, trainer, schedule, data, opts);
    if (opts.afterRound?.(state, row)) break;
  }
  return state;
}

/**
 * {@link runRounds} that yields to the event loop after every round, so that a signal
 * handler (Ctrl-C) can set the flag `afterRound` checks.
 */
export async function runRoundsAsync(
  state0: EngineState,
  trainer: LocalTrainer,
  schedule: TrainingSchedule,
  data: EngineData,
  opts: EngineOptions,
): Promise<EngineState> {
  const state = workingCopy(state0, schedule, data);
  while (!state.done && state.round < opts.rounds) {
    const row = trainer.trainMany
      ? await runOneRoundParallel(state, trainer, schedule, data, opts)
      : runOneRound(state, trainer, schedule, data, opts);
    await new Promise((resolve) => setImmediate(resolve));
    if (opts.afterRound?.(state, row)) break;
  }
  return state;
}
