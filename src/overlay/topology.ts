/**
 * The unit of dflsim's design: a topology is one value of type {@link Topology}: its name,
 * its family, what it supports and needs, and `build(context)`, which returns a
 * {@link TopologyPlan}: one description of every round ({@link RoundState}: its graph,
 * weights and timed transfers), how the max-plus clock times the rounds, the cycle time,
 * the critical circuit where the topology is static, and the overlay to draw. Timing,
 * training and drawing read plans; none of them tests a topology's name. Round ends come
 * from the clocks (`../timing/clock.ts`, see `./clocked-plan.ts`), never from the plan.
 *
 * Helpers here build the two common kinds of plan: a static overlay (every round the same
 * state; Karp cycle time and critical circuit) and a weighted graph sequence (explicit
 * mixing weights per round; per-silo max-plus clock over each round's edges).
 */
import { DflsimInputError } from '../errors.js';
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { Underlay } from '../network/underlay.js';
import type { CycleTimeResult } from '../timing/cycle-time.js';
import { maxComputeMs, type SiloTimes } from '../timing/delay-model.js';
import { overlayCycleTime, overlayExchanges, overlayFromPairs, type Overlay } from './overlay.js';
import { isolatedSilos, type RoundState, type SiloPair } from './round-state.js';
import { maxPlusRoundEnds, type ClockChoice, type MaxPlusRounds } from '../timing/clock.js';
import type { ResolvedSiloProfile } from '../network/silo-profile.js';
import type { RoundExchanges, RoundSync } from '../timing/exchanges.js';
import type { TimingParams } from '../timing/workload.js';
import { EXPLICIT_MIXING, LOCAL_MIXING, type PlanMixing } from './mixing-rules.js';
import type { MixingSequence } from './mixing-sequence.js';
import { buildRing, type RingOptions } from './ring.js';

/** Families of topologies. */
export type TopologyFamily =
  /** a server-based overlay (STAR, trained as FedAvg) */
  | 'server'
  /** a static decentralised overlay: every round the same graph */
  | 'static'
  /** a deterministic or seeded sequence of graphs, one per round */
  | 'time-varying'
  /** a multigraph on a static overlay (Do et al. 2023) */
  | 'multigraph'
  /** sampled rounds (MATCHA) */
  | 'sampled'
  /** no topology: local training, or centralised training on pooled data */
  | 'baseline';

/** Which Base-(k+1) construction (see `./topologies/base-graph.ts`). */
export type BaseGraphVariant = 'dflsim' | 'reference';

/** Finds topologies by name; the catalogue puts one in every context it prepares. */
export interface TopologyCatalogue {
  /** The topology of a name (a listed one or one matching a pattern), or undefined. */
  find(name: string): Topology | undefined;
  /** Concrete names, in display order, of the topologies that satisfy `filter`. */
  names(filter?: (t: Topology) => boolean): string[];
}

/** Everything a topology's build may need. */
export interface TopologyContext {
  underlay: Underlay;
  cg: ConnectivityGraph;
  params: TimingParams;
  /** The delay model's per-silo times (a silo profile's, or the workload's for every silo): what builders and clocks read. */
  k: SiloTimes;
  /** Core link capacity the connectivity graph was built with (Gbit/s). */
  coreGbps: number;
  ring: RingOptions;
  /** A user's overlay (for `overlay` and `multigraph-overlay`). */
  userOverlay?: Overlay;
  /** A user's time-varying topology: one overlay per round of a period (for `schedule`). */
  userSchedule?: Overlay[];
  /** Multigraph: maximum number of edges between two silos. */
  tMax: number;
  /** Rounds over which round-varying topologies are timed (and trained). */
  rounds: number;
  /** MATCHA communication budget. */
  budget: number;
  /** Base-(k+1): dflsim's construction (default) or the authors' code's (`reference`). */
  baseGraph?: BaseGraphVariant;
  /** EquiDyn's weight parameter η ∈ (0, 1] (default n/(2(n−1)), see `./equidyn.ts`). */
  equidynEta?: number;
  /** Seed for sampled topologies. */
  seed: number;
  /** Memo shared by builders (e.g. the RING tour reused by multigraph-ring). */
  cache: Map<string, unknown>;
  /** The clock the context's topologies are timed on (default: max-plus with the context's seed). */
  clock?: ClockChoice;
  /** The silo profile in use, resolved on the network, and where it came from (absent: the papers' uniform silos). */
  siloProfile?: { profile: ResolvedSiloProfile; source: string };
  /** The topologies a build may refer to (the multigraph's base, ...). */
  catalogue: TopologyCatalogue;
}

/** What a topology can be used for. */
export interface TopologySupports {
  /** Timed by `computeCycleTimes` / `dflsim cycle-time`. */
  cycleTime: boolean;
  /** Trained over by the DPASGD engine. */
  training: boolean;
  /** Worth drawing in reports (every topology can be described). */
  drawing: boolean;
  /** Static, with an overlay a multigraph can be built on (`multigraph-<name>`). */
  multigraphBase: boolean;
}

/** What a topology needs from the user or the runner. */
export interface TopologyNeeds {
  /** An overlay file (`--overlay`, config `overlay`). */
  overlayFile?: boolean;
  /** A schedule file (`--schedule`, config `schedule`). */
  scheduleFile?: boolean;
  /** The runner pools every silo's data into one silo (centralised training). */
  pooledData?: boolean;
}

/** Where a topology appears by default. */
export interface TopologyLists {
  /** In the default cycle-time comparison (Table 3's columns). */
  defaultComparison?: boolean;
  /** Drawn in every report (the classic overlays and the multigraph). */
  reportDrawing?: boolean;
  /** Where the multigraph on this topology appears (a base topology's choice). */
  multigraph?: Omit<TopologyLists, 'multigraph'>;
}

/** How reports show a topology. */
export interface TopologyDisplay {
  /** Its colour in plots (CSS); default the next free colour of the report's palette. */
  colour?: string;
  /** Cycle times are compared with this topology's ("vs RING"): at most one topology says so. */
  reference?: boolean;
  /** Its overlay is one tour through every silo, whose order places silos on a circle in drawings. */
  tour?: boolean;
}

/** A topology: one value, one module. */
export interface Topology {
  /** Its name (`ring`, `base-3`, `multigraph-exponential`, ...). */
  name: string;
  family: TopologyFamily;
  /** One line for help texts. */
  description: string;
  supports: TopologySupports;
  needs: TopologyNeeds;
  lists?: TopologyLists;
  display?: TopologyDisplay;
  /** Build the plan on a context. Throws a {@link DflsimInputError} when something it needs is missing. */
  build(ctx: TopologyContext): TopologyPlan;
}

/** A family of names resolved by pattern (`base-(k+1)`, `multigraph-<static overlay>`). */
export interface TopologyPattern {
  /** Shown in lists, e.g. `base-(k+1)`. */
  name: string;
  description: string;
  /** Names it matches. */
  pattern: RegExp;
  /** A JSON-Schema pattern for the names not among its examples (editors), when they are open-ended. */
  schemaPattern?: string;
  /** Concrete names to list (schema enum, help), given the listed topologies. */
  examples(listed: readonly Topology[]): string[];
  /** The topology of a matching name, or undefined (e.g. a multigraph on a non-static base). */
  resolve(name: string, find: (name: string) => Topology | undefined): Topology | undefined;
}

/** Extra data for drawing a round-varying topology. */
export interface PlanDrawing {
  /** Graph states to draw (strong edges and isolated silos by silo index). */
  states?: { state: number; strong: [number, number][]; isolated: number[] }[];
  /** Multiplicity of each edge of the plan's overlay (multigraph). */
  multiplicity?: number[];
}

/** A topology built on a context. */
export interface TopologyPlan {
  topology: string;
  /** Silos the plan runs on (1 for centralised training). */
  n: number;
  /** Every round has the same graph state. */
  static: boolean;
  /** Rounds after which the states repeat (1 when static; undefined when they never do). */
  period?: number;
  /** Round k (0-based): its edges, isolated silos, weights and timed transfers. Read-only. */
  round(k: number): RoundState;
  /** How this topology trains: its mixing rule (see `./mixing-rules.ts`). */
  mixing: PlanMixing;
  /** Cycle time (ms per round): Karp's for static overlays, a mean over the context's rounds otherwise. */
  cycleTimeMs: number;
  /** Silo names along the circuit that sets the cycle time (static overlays; else empty). */
  criticalCircuit: string[];
  /** What sets the pace on the critical circuit, in words (static overlays; see `CycleTimeResult.bottleneck`). */
  bottleneck?: string;
  /** The per-silo times the rounds' transfers are timed with (n entries). */
  siloTimes: SiloTimes;
  /**
   * How the max-plus clock times the rounds (`../timing/clock.ts`): the per-silo recursion
   * over the rounds' transfers, a steady round (STAR, baselines), or the topology's own round
   * times (the multigraph's τk).
   */
  maxPlus: MaxPlusRounds;
  /** Rounds a transfer may be launched before the round that lists it (the multigraph's largest multiplicity − 1; default 0). */
  launchLagRounds?: number;
  /** The overlay to draw: the static overlay, the base overlay, or the union of a period's edges. */
  overlay?: Overlay;
  /** Number of directed edges of `overlay`. */
  overlayEdges: number;
  /** Topology-specific details (centre, best δ, tour, silo order, how the cycle time was taken, ...). */
  details?: Record<string, unknown>;
  drawing?: PlanDrawing;
}

/** A memo in the context's cache (so derived topologies reuse the same base overlay). */
export function cached<T>(ctx: TopologyContext, key: string, make: () => T): T {
  if (!ctx.cache.has(key)) ctx.cache.set(key, make());
  return ctx.cache.get(key) as T;
}

/** The RING of a context (cached). */
export function ringOf(ctx: TopologyContext): ReturnType<typeof buildRing> {
  return cached(ctx, `ring:${ctx.ring.localSearch}`, () => buildRing(ctx.cg, ctx.k, ctx.ring));
}

function pairsOf(o: Overlay): SiloPair[] {
  return o.edges.map((e) => [e.from, e.to]);
}

/**
 * The transfers of a round's directed pairs on the connectivity graph, the shares being
 * the round's own degrees.
 */
export function pairExchanges(cg: ConnectivityGraph, pairs: ReadonlyArray<readonly [number, number]>, sync: RoundSync): RoundExchanges {
  const n = cg.n;
  const out = new Int32Array(n),
    inn = new Int32Array(n);
  for (const [a, b] of pairs) {
    out[a]++;
    inn[b]++;
  }
  return {
    sync,
    from: Int32Array.from(pairs, (p) => p[0]),
    to: Int32Array.from(pairs, (p) => p[1]),
    latencyMs: Float64Array.from(pairs, ([a, b]) => cg.latencyMs[a * n + b]),
    pathBitsPerMs: Float64Array.from(pairs, ([a, b]) => cg.bandwidthBitsPerMs[a * n + b]),
    upShare: Int32Array.from(pairs, (p) => out[p[0]]),
    downShare: Int32Array.from(pairs, (p) => inn[p[1]]),
  };
}

/** A round with no transfers: every silo computes on its own. */
export function noExchanges(): RoundExchanges {
  return {
    sync: 'async',
    from: new Int32Array(0),
    to: new Int32Array(0),
    latencyMs: new Float64Array(0),
    pathBitsPerMs: new Float64Array(0),
    upShare: new Int32Array(0),
    downShare: new Int32Array(0),
  };
}

/**
 * STAR's round as a round trip: first legs child -> centre (gather), then each answered by
 * centre -> child (broadcast), on the star overlay's edges with its degrees as shares.
 * @param center the centre silo
 */
export function roundTripExchanges(o: Overlay, center: number): RoundExchanges {
  const all = overlayExchanges(o, 'round-trip');
  const gathers: number[] = [],
    answers: number[] = [];
  o.edges.forEach((e, i) => {
    if (e.to === center && e.from !== center) gathers.push(i);
  });
  const legOf = new Map<number, number>();
  gathers.forEach((g, idx) => legOf.set(o.edges[g].from, idx));
  o.edges.forEach((e, i) => {
    if (e.from === center && legOf.has(e.to)) answers.push(i);
  });
  const order = [...gathers, ...answers];
  const pick = <T extends Int32Array | Float64Array>(a: T): T =>
    (a instanceof Int32Array ? Int32Array.from(order, (i) => a[i]) : Float64Array.from(order, (i) => a[i])) as T;
  const answersOf = new Int32Array(order.length).fill(-1);
  answers.forEach((a, idx) => {
    answersOf[gathers.length + idx] = legOf.get(o.edges[a].to)!;
  });
  return {
    sync: 'round-trip',
    from: pick(all.from),
    to: pick(all.to),
    latencyMs: pick(all.latencyMs),
    pathBitsPerMs: pick(all.pathBitsPerMs),
    upShare: pick(all.upShare),
    downShare: pick(all.downShare),
    answers: answersOf,
  };
}

/** Options of {@link staticPlan}. */
export interface StaticPlanOptions {
  mixing: PlanMixing;
  details?: Record<string, unknown>;
  /** The cycle time, when the topology defines its own (STAR); default Karp on the overlay. */
  cycleTime?: CycleTimeResult;
  /** How max-plus times the rounds, when not by the per-silo recursion over the overlay's edges (STAR: a steady round). */
  maxPlus?: MaxPlusRounds;
  /** Explicit mixing weights (the same every round). */
  weights?: RoundState['weights'];
  /** Every round's transfers, when not the overlay's edges run `async` (STAR's round trip). */
  exchanges?: RoundExchanges;
}

/** The per-silo max-plus recursion: the default of static overlays and graph sequences. */
const PER_SILO: MaxPlusRounds = { kind: 'per-silo' };

/**
 * The plan of a static overlay: every round the same state, Karp's cycle time and
 * critical circuit, and the per-silo max-plus clock over the overlay's delays.
 */
export function staticPlan(ctx: TopologyContext, topology: string, overlay: Overlay, opts: StaticPlanOptions): TopologyPlan {
  const n = overlay.silos.length;
  const ct = opts.cycleTime ?? overlayCycleTime(overlay, ctx.k);
  const strong = pairsOf(overlay);
  const isolated = isolatedSilos(n, strong);
  const exchanges = opts.exchanges ?? overlayExchanges(overlay, 'async');
  return {
    topology,
    n,
    static: true,
    period: 1,
    mixing: opts.mixing,
    round: (k) => ({ round: k, state: 0, strong, weak: [], isolated, ...(opts.weights ? { weights: opts.weights } : {}), exchanges }),
    siloTimes: ctx.k,
    maxPlus: opts.maxPlus ?? PER_SILO,
    cycleTimeMs: ct.cycleTimeMs,
    criticalCircuit: ct.criticalCircuit,
    ...(ct.bottleneck !== undefined ? { bottleneck: ct.bottleneck } : {}),
    overlay,
    overlayEdges: overlay.edges.length,
    details: opts.details,
  };
}

/** The silo order of the context's RING tour (cached), for sequences whose hop-1 links should be short. */
export function ringTourOrder(ctx: TopologyContext): number[] {
  return ringOf(ctx).tour.slice();
}

/** One round of a time-varying topology: its directed exchanges and, if the topology has them, its mixing weights. */
export interface RoundGraph {
  pairs: SiloPair[];
  /** Weights of `pairs` and the self weights (explicit mixing). */
  weights?: { weights: number[]; selfWeights: number[] };
}

/** What {@link timeVaryingPlan} needs. */
export interface TimeVaryingSpec {
  /** The graph of round k (a pure function of k). */
  round(k: number): RoundGraph;
  /** Rounds after which the graphs repeat (undefined: never). */
  period?: number;
  mixing: PlanMixing;
  details?: Record<string, unknown>;
  /** States drawn when there is no period (default 4). */
  drawnStates?: number;
}

/**
 * The plan of a time-varying topology whose round k has its own graph.
 * - Period 1 (static): Karp's cycle time and critical circuit on the round's overlay, the
 *   per-silo max-plus clock.
 * - Otherwise: the per-silo max-plus clock over each round's edges, each with the delay
 *   model's `d(i,j)` at that round's degrees; the cycle time is the end of round K (the
 *   context's rounds) divided by K. The overlay drawn is the union of one period's edges
 *   (or of the first rounds' when there is no period), and the first states.
 * `spec.round(k)` runs once per state of a period (once per round for a few recent rounds
 * when there is none): the round's graph, weights and transfers are built together.
 */
export function timeVaryingPlan(ctx: TopologyContext, topology: string, spec: TimeVaryingSpec): TopologyPlan {
  const n = ctx.cg.n;
  const partsOf = roundParts(spec.period, (k) => {
    const g = spec.round(k);
    const weights = g.weights ? { edges: g.pairs, weights: g.weights.weights, selfWeights: g.weights.selfWeights } : undefined;
    return {
      strong: g.pairs,
      isolated: isolatedSilos(n, g.pairs),
      ...(weights ? { weights } : {}),
      exchanges: pairExchanges(ctx.cg, g.pairs, 'async'),
    };
  });
  const stateOf = (k: number): RoundState => ({ round: k, state: spec.period ? k % spec.period : k, weak: [], ...partsOf(k) });
  if (spec.period === 1) {
    const s0 = stateOf(0);
    const overlay = overlayFromPairs(topology, ctx.cg, s0.strong, false);
    return staticPlan(ctx, topology, overlay, { mixing: spec.mixing, weights: s0.weights, details: spec.details });
  }
  const K = ctx.rounds;
  const drawnRounds = spec.period ?? Math.min(spec.drawnStates ?? 4, K);
  const drawn = Array.from({ length: drawnRounds }, (_, k) => stateOf(k));
  const overlay = overlayFromPairs(
    topology,
    ctx.cg,
    drawn.flatMap((s) => s.strong),
    false,
  );
  const plan: TopologyPlan = {
    topology,
    n,
    static: false,
    ...(spec.period !== undefined ? { period: spec.period } : {}),
    mixing: spec.mixing,
    round: stateOf,
    siloTimes: ctx.k,
    maxPlus: PER_SILO,
    cycleTimeMs: NaN,
    criticalCircuit: [],
    overlay,
    overlayEdges: overlay.edges.length,
    drawing: { states: drawn.slice(0, 12).map((s) => ({ state: s.state, strong: s.strong, isolated: s.isolated })) },
  };
  // the cycle time and the first rounds on the plan's own max-plus clock (the one its users extend)
  const ends = maxPlusRoundEnds(plan);
  const endMs = (k: number): number => ends.roundEndMs(k);
  plan.cycleTimeMs = endMs(K - 1) / K;
  plan.details = {
    ...spec.details,
    ...(spec.period !== undefined ? { period: spec.period } : {}),
    rounds: K,
    cycleTime: `end of round ${K} / ${K} (per-silo max-plus clock over each round's edges, delays at the round's degrees)`,
    firstRoundsMs: Array.from({ length: Math.min(12, K) }, (_, k) => endMs(k) - (k > 0 ? endMs(k - 1) : 0)),
  };
  return plan;
}

/** The parts of a round state that depend on its graph only. */
type RoundParts = Pick<RoundState, 'strong' | 'isolated' | 'weights' | 'exchanges'>;

/**
 * Round parts built once: per state of a period (the same objects every period, so a clock
 * computes each state's delays once), or, without a period, for the last few rounds asked
 * (a clock and the engine ask for the same round in turn).
 */
function roundParts(period: number | undefined, build: (k: number) => RoundParts): (k: number) => RoundParts {
  const memo = new Map<number, RoundParts>();
  return (k) => {
    const key = period ? k % period : k;
    let p = memo.get(key);
    if (!p) {
      p = build(k);
      if (!period && memo.size >= 4) memo.delete(memo.keys().next().value!);
      memo.set(key, p);
    }
    return p;
  };
}

/**
 * The plan of a weighted graph sequence already on silos (see `relabel`): each round's
 * edges are its strong edges and its weights the explicit mixing (see {@link timeVaryingPlan}).
 */
export function sequencePlan(
  ctx: TopologyContext,
  topology: string,
  seq: MixingSequence,
  opts: { details?: Record<string, unknown> } = {},
): TopologyPlan {
  if (seq.n !== ctx.cg.n) throw new DflsimInputError('topology', `${topology}: the sequence has ${seq.n} silos, the network ${ctx.cg.n}`);
  return timeVaryingPlan(ctx, topology, {
    round: (k) => {
      const r = seq.round(k);
      return { pairs: r.edges.map(([a, b]) => [a, b] as SiloPair), weights: { weights: r.weights, selfWeights: r.selfWeights } };
    },
    period: seq.period,
    mixing: EXPLICIT_MIXING,
    details: opts.details,
  });
}

/**
 * A baseline's plan: `n` silos that never exchange; round k ends at (k + 1) · C, C the
 * slowest silo's compute with a profile (`n` silos of the context), else the workload's.
 * @param ctxOrComputeMs the context (its silo times), or C itself (ms; the pooled-data silo)
 */
export function localBaselinePlan(topology: string, n: number, ctxOrComputeMs: TopologyContext | number): TopologyPlan {
  const k = typeof ctxOrComputeMs === 'number' ? undefined : ctxOrComputeMs.k;
  const computeMs = k ? maxComputeMs(k) : (ctxOrComputeMs as number);
  // no transfers: only the compute times matter
  const times: SiloTimes =
    k && k.n === n
      ? k
      : {
          n,
          computeMs: new Float64Array(n).fill(computeMs),
          uploadMs: new Float64Array(n),
          downloadMs: new Float64Array(n),
          modelSizeBits: 0,
        };
  const none = noExchanges();
  return {
    topology,
    n,
    static: true,
    period: 1,
    mixing: LOCAL_MIXING,
    round: (k) => ({ round: k, state: 0, strong: [], weak: [], isolated: [], exchanges: none }),
    siloTimes: times,
    maxPlus: { kind: 'steady', roundMs: computeMs },
    cycleTimeMs: computeMs,
    criticalCircuit: [],
    overlayEdges: 0,
  };
}
