/**
 * `dflsim plan`: a topology's rounds on a network and a clock, exported for other trainers
 * as JSON Lines (a header line, then one line per round, written as the rounds are
 * produced) or as a NumPy `.npz`. The formats are described in `docs/plan.md` and the JSON
 * Lines records by `docs/plan.schema.json` (schema `dflsim-plan/1`).
 */
import { DflsimInputError } from '../errors.js';
import { writeLinesAtomic } from '../io/files.js';
import { writeNpz, type NpyArrayInput } from '../data/numpy-write.js';
import { mixingRule } from '../learning/schedule.js';
import { planRounds, type PlanRound } from '../learning/plan-rounds.js';
import { mixingName, type MixingInputs, type StaticScheme } from '../overlay/mixing-rules.js';
import type { ClockedPlan } from '../overlay/clocked-plan.js';
import type { Topology, TopologyContext } from '../overlay/topology.js';
import { describeClock } from '../timing/clock.js';
import { buildOnClock, contextClock, prepareContext, timedTopology, type CycleTimeRequest } from './cycle-times.js';

/** The schema name and version of the JSON Lines records (`docs/plan.schema.json`). */
export const PLAN_SCHEMA = 'dflsim-plan/1';

/** How the header's and the rounds' cycle times are defined (written in the header). */
export const PLAN_CYCLE_TIME_DEFINITION =
  "header cycleTimeMs: the cycle time dflsim cycle-time reports on the same network, topology and clock; a round's cycleTimeMs: its roundEndMs / (round + 1), the mean round so far";

/** What to export: a cycle-time request (network, workload, clock, topology options) and one topology. */
export interface PlanExportRequest extends Omit<CycleTimeRequest, 'topologies'> {
  /** The topology (a catalogue name; `overlay` / `schedule` with their files). */
  topology: string;
  /** Where `topology` comes from, for errors (default `--topology`). */
  topologyField?: string;
  /** The weighting scheme of topologies that take the run's (config `mixing`; default Metropolis-Hastings). */
  scheme?: StaticScheme;
  /** Samples per silo, FedAvg's weights (default: equal). */
  shardSizes?: readonly number[];
}

/** The header line of a plan (the first JSON Lines record; `header_json` in an `.npz`). */
export interface PlanHeader {
  schema: typeof PLAN_SCHEMA;
  network: string;
  topology: string;
  /** Silo names; silo i of every round is `silos[i]`. */
  silos: string[];
  /** Rounds exported. */
  rounds: number;
  /** Rounds after which the graph states repeat, when they do (one period is exported by default). */
  period?: number;
  /** The clock in words (`max-plus`, `events, fair sharing, ...`). */
  clock: string;
  /** The mixing rule's name (`uniform`, `metropolis`, `explicit`, `fedavg`, `matcha`, `multigraph`, `local`, ...). */
  mixing: string;
  /** True when the rule promises doubly stochastic rows (columns sum to 1 too). */
  doublyStochastic: boolean;
  /** The workload the clock times. */
  workload: {
    name: string;
    modelSizeBits: number;
    computeMs: number;
    localUpdates: number;
    uploadGbps: number;
    downloadGbps: number;
    coreGbps: number;
  };
  seed: number;
  /** The cycle time `dflsim cycle-time` reports (ms per round); see {@link PLAN_CYCLE_TIME_DEFINITION}. */
  cycleTimeMs: number;
  /** How cycle times are defined, in words. */
  cycleTimeDefinition: string;
}

/** A plan ready to export: its header and its rounds (a fresh generator on every call). */
export interface PlanExport {
  header: PlanHeader;
  /** The plan on its clock. */
  plan: ClockedPlan;
  /** The context it was built on (network, clock, silos). */
  ctx: TopologyContext;
  /** The header's rounds, one at a time. */
  rounds(): Generator<PlanRound, void, undefined>;
}

/**
 * Prepare a plan export: the topology built on the request's network and clock, the
 * mixing rule dflsim's training would use, and the rounds to export: `rounds` when the
 * request sets them, else one period of a periodic plan (one round of a static one), else
 * the workload's K. Every input error is raised here, before anything is written.
 */
export function preparePlanExport(req: PlanExportRequest): PlanExport {
  const field = req.topologyField ?? '--topology';
  if (typeof req.topology !== 'string' || !req.topology) throw new DflsimInputError(field, 'missing: give a topology name');
  const topology = timedTopology(req.topology, field);
  const ctx = prepareContext(req);
  return planExportOnContext(ctx, topology, { rounds: req.rounds, scheme: req.scheme, shardSizes: req.shardSizes });
}

/**
 * {@link preparePlanExport} on a context already prepared (a training run's: `dflsim
 * export-run`), for a topology of the catalogue.
 * @param opts.rounds the rounds to export (default: one period, else the context's rounds)
 */
export function planExportOnContext(
  ctx: TopologyContext,
  topology: Topology,
  opts: { rounds?: number; scheme?: StaticScheme; shardSizes?: readonly number[] } = {},
): PlanExport {
  const plan = buildOnClock(topology, ctx);
  const n = plan.n;
  const shardSizes = opts.shardSizes ?? new Array<number>(n).fill(1);
  if (shardSizes.length !== n || shardSizes.some((s) => !(s > 0)))
    throw new DflsimInputError('shardSizes', `expected ${n} positive sizes, got ${shardSizes.length}`);
  const inputs: MixingInputs = { shardSizes, scheme: opts.scheme ?? 'metropolis' };
  const rule = mixingRule(plan, n, inputs);
  const period = plan.period ?? (plan.static ? 1 : undefined);
  const rounds = opts.rounds ?? period ?? ctx.rounds;
  const w = ctx.params.workload;
  const header: PlanHeader = {
    schema: PLAN_SCHEMA,
    network: ctx.underlay.name,
    topology: plan.topology,
    silos: ctx.cg.silos.slice(0, n),
    rounds,
    ...(period !== undefined ? { period } : {}),
    clock: describeClock(contextClock(ctx)),
    mixing: mixingName(plan.mixing, inputs),
    doublyStochastic: plan.mixing.doublyStochastic?.(inputs) ?? false,
    workload: {
      name: w.name,
      modelSizeBits: w.modelSizeBits,
      computeMs: w.computeMs,
      localUpdates: ctx.params.localUpdates,
      uploadGbps: ctx.params.uploadBitsPerSec / 1e9,
      downloadGbps: ctx.params.downloadBitsPerSec / 1e9,
      coreGbps: ctx.coreGbps,
    },
    seed: ctx.seed,
    cycleTimeMs: plan.cycleTimeMs,
    cycleTimeDefinition: PLAN_CYCLE_TIME_DEFINITION,
  };
  return { header, plan, ctx, rounds: () => planRounds(plan, rule, rounds) };
}

/** A round as its JSON Lines record (typed arrays as lists). */
export function planRoundRecord(r: PlanRound): Record<string, unknown> {
  return {
    round: r.round,
    strong: r.strong,
    weak: r.weak,
    isolated: r.isolated,
    down: r.down,
    mixing: r.mixing,
    startMs: Array.from(r.startMs),
    endMs: Array.from(r.endMs),
    roundEndMs: r.roundEndMs,
    cycleTimeMs: r.cycleTimeMs,
  };
}

/** The lines of a plan's JSON Lines file: the header, then one line per round (produced as they are read). */
export function* planJsonLines(p: PlanExport): Generator<string, void, undefined> {
  yield JSON.stringify(p.header) + '\n';
  for (const r of p.rounds()) yield JSON.stringify(planRoundRecord(r)) + '\n';
}

/**
 * Write a plan as JSON Lines, streaming (one round in memory at a time), atomically.
 * @returns the number of rounds written
 */
export async function writePlanJsonl(p: PlanExport, file: string): Promise<number> {
  return (await writeLinesAtomic(file, planJsonLines(p))) - 1;
}

/** The largest `.npz` dflsim builds in memory (bytes of array data). */
export const MAX_PLAN_NPZ_BYTES = 2 ** 30;

/**
 * A plan's arrays for NumPy (see `docs/plan.md`): `mixing` as R x n x n float64 (or, with
 * `sparse`, COO arrays `rounds`, `rows`, `cols`, `weights`), stale terms as COO
 * (`stale_rounds`, `stale_rows`, `stale_cols`, `stale_weights`), `round_start_ms` and
 * `round_end_ms` (R x n), `cycle_time_ms` (R), `strong` and `weak` edges as COO
 * (`strong_rounds`, `strong_from`, `strong_to`, ...), `isolated` and `down` as R x n
 * uint8 masks, `silos` as fixed-width unicode and `header_json` (the header line).
 * @throws DflsimInputError when the dense arrays would pass {@link MAX_PLAN_NPZ_BYTES}
 */
export function planNpzArrays(p: PlanExport, opts: { sparse?: boolean } = {}): Record<string, NpyArrayInput> {
  const R = p.header.rounds,
    n = p.header.silos.length;
  const dense = !opts.sparse;
  const bytes = dense ? R * n * n * 8 : 0;
  if (bytes + R * n * 17 > MAX_PLAN_NPZ_BYTES)
    throw new DflsimInputError(
      '--format',
      `an .npz of ${R} rounds on ${n} silos needs ${Math.ceil((bytes + R * n * 17) / 2 ** 20)} MiB in memory (at most ${MAX_PLAN_NPZ_BYTES / 2 ** 20}): use --sparse, fewer --rounds, or --format jsonl (streamed)`,
    );
  const mixing = dense ? new Float64Array(R * n * n) : undefined;
  const coo = { rounds: [] as number[], rows: [] as number[], cols: [] as number[], weights: [] as number[] };
  const stale = { rounds: [] as number[], rows: [] as number[], cols: [] as number[], weights: [] as number[] };
  const strong = { rounds: [] as number[], from: [] as number[], to: [] as number[] };
  const weak = { rounds: [] as number[], from: [] as number[], to: [] as number[] };
  const start = new Float64Array(R * n),
    end = new Float64Array(R * n),
    cycle = new Float64Array(R);
  const isolated = new Uint8Array(R * n),
    down = new Uint8Array(R * n);
  for (const r of p.rounds()) {
    const k = r.round;
    r.mixing.forEach((row, i) =>
      row.forEach((t) => {
        const [j, w] = t;
        if (mixing) mixing[(k * n + i) * n + j] += w;
        else {
          coo.rounds.push(k);
          coo.rows.push(i);
          coo.cols.push(j);
          coo.weights.push(w);
        }
        if (t.length === 3) {
          stale.rounds.push(k);
          stale.rows.push(i);
          stale.cols.push(j);
          stale.weights.push(w);
        }
      }),
    );
    for (const [list, edges] of [
      [strong, r.strong],
      [weak, r.weak],
    ] as const)
      for (const [a, b] of edges) {
        list.rounds.push(k);
        list.from.push(a);
        list.to.push(b);
      }
    start.set(r.startMs, k * n);
    end.set(r.endMs, k * n);
    cycle[k] = r.cycleTimeMs;
    for (const i of r.isolated) isolated[k * n + i] = 1;
    for (const i of r.down) down[k * n + i] = 1;
  }
  const i32 = (xs: number[]): NpyArrayInput => ({ dtype: 'int32', shape: [xs.length], data: xs });
  const f64 = (xs: number[]): NpyArrayInput => ({ dtype: 'float64', shape: [xs.length], data: xs });
  return {
    header_json: { dtype: 'unicode', shape: [], data: [JSON.stringify(p.header)] },
    silos: { dtype: 'unicode', shape: [n], data: p.header.silos },
    ...(mixing
      ? { mixing: { dtype: 'float64', shape: [R, n, n], data: mixing } }
      : { rounds: i32(coo.rounds), rows: i32(coo.rows), cols: i32(coo.cols), weights: f64(coo.weights) }),
    stale_rounds: i32(stale.rounds),
    stale_rows: i32(stale.rows),
    stale_cols: i32(stale.cols),
    stale_weights: f64(stale.weights),
    round_start_ms: { dtype: 'float64', shape: [R, n], data: start },
    round_end_ms: { dtype: 'float64', shape: [R, n], data: end },
    cycle_time_ms: { dtype: 'float64', shape: [R], data: cycle },
    strong_rounds: i32(strong.rounds),
    strong_from: i32(strong.from),
    strong_to: i32(strong.to),
    weak_rounds: i32(weak.rounds),
    weak_from: i32(weak.from),
    weak_to: i32(weak.to),
    isolated: { dtype: 'uint8', shape: [R, n], data: isolated },
    down: { dtype: 'uint8', shape: [R, n], data: down },
  };
}

/** Write a plan as a NumPy `.npz` (compressed), atomically; see {@link planNpzArrays}. */
export function writePlanNpz(p: PlanExport, file: string, opts: { sparse?: boolean } = {}): void {
  writeNpz(file, planNpzArrays(p, opts));
}
