/**
 * The cycle-time comparison: one network, one workload, several topologies. This is the
 * library form of `dflsim cycle-time` and `dflsim compare`.
 */
import { DflsimInputError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import {
  buildConnectivityGraph,
  DEFAULT_CORE_CAPACITY_BITS_PER_SEC,
  type ConnectivityGraph,
  type LinkCapacities,
} from '../network/connectivity.js';
import type { AbstractGraph } from 'graphology-types';
import { isGraphologyGraph, networkFromGraphology } from '../network/graphology.js';
import { loadUnderlay } from '../network/load.js';
import {
  generateSiloProfile,
  parseSiloProfileCsv,
  profileFromUnderlay,
  profileSummary,
  resolveSiloTimes,
  type ProfileSummary,
  type ResolvedSiloProfile,
  type SiloProfile,
} from '../network/silo-profile.js';
import { readInputFile } from '../input-file.js';
import type { MissingCoordinates, Underlay } from '../network/underlay.js';
import { shapeNetwork, type ComponentChoice, type NetworkShapeOptions } from '../network/silos.js';
import { findLabel } from '../network/labels.js';
import { catalogue, getTopologyValue, topologyNames } from '../overlay/catalogue.js';
import { DEFAULT_T_MAX } from '../multigraph/multigraph.js';
import { DEFAULT_MATCHA_OPTIONS } from '../overlay/matcha.js';
import { DEFAULT_RING_OPTIONS } from '../overlay/ring.js';
import { readOverlayFile } from '../overlay/overlay-file.js';
import { planResult, type TopologyResult } from '../overlay/registry.js';
import { readScheduleFile } from '../overlay/schedule-file.js';
import { clockedPlan, type ClockedPlan } from '../overlay/clocked-plan.js';
import { describeClock, MAX_PLUS, type ClockChoice } from '../timing/clock.js';
import type { BaseGraphVariant, Topology, TopologyContext } from '../overlay/topology.js';
import { BASE_GRAPH_VARIANTS } from '../overlay/topologies/base-graph.js';
import { checkEquidynEta } from '../overlay/equidyn.js';
import { validateAvailability, type AvailabilitySpec } from '../timing/availability.js';
import type { Sharing } from '../timing/event-clock.js';
import { validateStragglers, type StragglerSpec } from '../timing/stragglers.js';
import { gbpsToBitsPerSec, transferMs } from '../units.js';
import type { SiloTimes } from '../timing/delay-model.js';
import {
  getWorkload,
  roundComputeMs,
  siloTimes,
  timingParams,
  WORKLOAD_PRESETS,
  type TimingParams,
  type Workload,
} from '../timing/workload.js';

/** What to compare. */
export interface CycleTimeRequest {
  /** Built-in name, GML path, an underlay, or a graphology graph (read by {@link networkFromGraphology}). */
  network: string | Underlay | AbstractGraph;
  /** Preset name or a workload. */
  workload: string | Workload;
  /** Topologies to time (default {@link defaultTopologies}: the catalogue's default comparison). */
  topologies?: string[];
  /** A user's overlay file; adds the `overlay` topology. */
  overlayFile?: string;
  /** A user's schedule file (one overlay per round); adds the `schedule` topology. */
  scheduleFile?: string;
  /** Access-link capacity for upload and download (Gbit/s), default 10. */
  accessGbps?: number;
  uploadGbps?: number;
  downloadGbps?: number;
  /** Core link capacity (Gbit/s), default 1. */
  coreGbps?: number;
  /** Local updates per round, default 1. */
  localUpdates?: number;
  /** Multigraph: maximum edges between two silos (t), default 5. */
  tMax?: number;
  /** Rounds to average round-varying topologies over (default: the workload's K). */
  rounds?: number;
  /** MATCHA communication budget, default 0.5. */
  budget?: number;
  /** Base-(k+1) construction: `dflsim` (default) or `reference` (the authors' code). */
  baseGraph?: BaseGraphVariant;
  /** EquiDyn's η ∈ (0, 1] (default n/(2(n−1))). */
  equidynEta?: number;
  /** Seed for sampled topologies, default 0. */
  seed?: number;
  /** RING: improve Christofides with local search (default true). */
  ringLocalSearch?: boolean;
  /** GML nodes without coordinates: `error` (default), `drop` or `neighbours` (see {@link underlayFromGml}). */
  missingCoordinates?: MissingCoordinates;
  /** The nodes that hold silos (raw or displayed labels); every other node is a router (see `network/silos.ts`). */
  silos?: string[];
  /** Where `silos` comes from, for errors (default `--silos`). */
  silosField?: string;
  /** `largest`: keep the network's largest connected component (default `all`: a disconnected network is an error). */
  component?: ComponentChoice;
  /** Where `component` comes from, for errors (default `--largest-component`). */
  componentField?: string;
  /**
   * A silo profile: a CSV file path (`silo,computeMs,uploadGbps,downloadGbps`, any subset
   * of the value columns) or a seeded generator spec (see `network/silo-profile.ts`). It
   * overrides the network's GML node attributes; values neither gives take the workload's.
   */
  siloProfile?: string | object;
  /** Where `siloProfile` comes from, for errors (default `--silo-profile` for a file, `siloProfile` for a spec). */
  siloProfileField?: string;
  /** Underlay link capacities: `ignore` (default, the papers') or `gml` (the path's bottleneck link / hops). */
  linkCapacities?: LinkCapacities;
  /** The clock: `max-plus` (default, exact) or `events` (the event-driven clock). */
  clock?: 'max-plus' | 'events';
  /** Event clock: `fixed` (default, equals max-plus) or `fair` sharing of the access links. */
  sharing?: Sharing;
  /** Event clock: random per-round compute times, by silo name. */
  stragglers?: NamedStragglers;
  /** Event clock: silos and links down, by silo name. */
  failures?: NamedFailures;
  /** Prefix of the clock fields in errors (default: the bare field). */
  clockField?: string;
}

/** Stragglers with silos by name (the config's form). */
export type NamedStragglers =
  { model: 'lognormal'; sigma: number; silos?: string[] } | { model: 'two-point'; p: number; slowdown: number; silos?: string[] };

/** Failures with silos by name (the config's form). */
export interface NamedFailures {
  silos?: { silo: string; fromRound: number; toRound: number }[];
  links?: { between: [string, string]; fromRound: number; toRound: number }[];
  rate?: { perRound: number; meanDownRounds: number };
}

/**
 * The clock of a request on its silos: names resolved to indices and checked (an unknown
 * silo names its field); stragglers, failures and fair sharing need the event clock.
 */
export function resolveClockChoice(
  req: Pick<CycleTimeRequest, 'clock' | 'sharing' | 'stragglers' | 'failures' | 'clockField'>,
  silos: readonly string[],
  seed: number,
): ClockChoice {
  const at = (f: string): string => (req.clockField ? `${req.clockField}${f}` : f);
  const clock = req.clock ?? 'max-plus';
  if (clock !== 'max-plus' && clock !== 'events')
    throw new DflsimInputError(at('clock'), `must be "max-plus" or "events", got ${JSON.stringify(clock)}`);
  if (clock === 'max-plus') {
    const extra = [
      req.sharing && req.sharing !== 'fixed' ? 'sharing' : '',
      req.stragglers ? 'stragglers' : '',
      req.failures ? 'failures' : '',
    ].filter(Boolean);
    if (extra.length)
      throw new DflsimInputError(
        at(extra[0]),
        `${extra.join(', ')} need${extra.length > 1 ? '' : 's'} the event clock (clock "events"; --clock events)`,
      );
    return { clock, seed };
  }
  const index = new Map(silos.map((s, i) => [s, i]));
  const silo = (name: string, field: string): number => {
    const i = index.get(name) ?? (findLabel(silos, name) >= 0 ? findLabel(silos, name) : undefined);
    if (i === undefined)
      throw new DflsimInputError(
        at(field),
        `unknown silo "${name}"${didYouMean(name, silos)}; the network's silos are ${silos.slice(0, 12).join(', ')}${silos.length > 12 ? ', ...' : ''}`,
      );
    return i;
  };
  const choice: ClockChoice = { clock, sharing: req.sharing ?? 'fixed', seed };
  if (req.stragglers) {
    const st = req.stragglers;
    const idx = st.silos?.map((s, i) => silo(s, `stragglers.silos[${i}]`));
    const spec: StragglerSpec =
      st.model === 'lognormal'
        ? { model: 'lognormal', sigma: st.sigma, ...(idx ? { silos: idx } : {}) }
        : { model: 'two-point', p: st.p, slowdown: st.slowdown, ...(idx ? { silos: idx } : {}) };
    validateStragglers(spec, silos.length, at('stragglers'));
    choice.stragglers = spec;
  }
  if (req.failures) {
    const f = req.failures;
    const intervals: NonNullable<AvailabilitySpec['intervals']>[number][] = [];
    f.silos?.forEach((d, i) => {
      if (d.toRound < d.fromRound)
        throw new DflsimInputError(at(`failures.silos[${i}].toRound`), `${d.toRound} is before fromRound ${d.fromRound}`);
      intervals.push({ silo: silo(d.silo, `failures.silos[${i}].silo`), fromRound: d.fromRound, toRound: d.toRound });
    });
    f.links?.forEach((d, i) => {
      const a = silo(d.between[0], `failures.links[${i}].between[0]`),
        b = silo(d.between[1], `failures.links[${i}].between[1]`);
      if (a === b) throw new DflsimInputError(at(`failures.links[${i}].between`), `joins "${d.between[0]}" to itself`);
      if (d.toRound < d.fromRound)
        throw new DflsimInputError(at(`failures.links[${i}].toRound`), `${d.toRound} is before fromRound ${d.fromRound}`);
      intervals.push({ link: [a, b], fromRound: d.fromRound, toRound: d.toRound });
    });
    const spec: AvailabilitySpec = {
      ...(intervals.length ? { intervals } : {}),
      ...(f.rate ? { random: { rate: f.rate.perRound, meanDownRounds: f.rate.meanDownRounds } } : {}),
    };
    validateAvailability(spec, silos.length, at('failures'));
    choice.availability = spec;
  }
  return choice;
}

/** The clock a context's topologies are timed on (max-plus unless the request chose another). */
export function contextClock(ctx: TopologyContext): ClockChoice {
  return ctx.clock ?? { ...MAX_PLUS, seed: ctx.seed };
}

/**
 * A topology's plan on the context's clock, built once per context (timing, drawing and the
 * timeline of one comparison share it: the event clock over K rounds is not run twice).
 */
export function buildOnClock(t: Topology, ctx: TopologyContext): ClockedPlan {
  const key = `on-clock:${t.name}:${ctx.rounds}`;
  let plan = ctx.cache.get(key) as ClockedPlan | undefined;
  if (!plan) {
    plan = clockedPlan(t.build(ctx), contextClock(ctx), ctx.rounds);
    ctx.cache.set(key, plan);
  }
  return plan;
}

/** The comparison's JSON shape. */
export interface CycleTimeReport {
  network: string;
  silos: number;
  workload: {
    name: string;
    modelSizeBits: number;
    computeMs: number;
    rounds: number;
    localUpdates: number;
    uploadGbps: number;
    downloadGbps: number;
    coreGbps: number;
    /** `gml` when underlay link capacities entered the bandwidths (absent: ignored, the papers' model). */
    linkCapacities?: LinkCapacities;
  };
  /** The clock, when not max-plus (`events, fair sharing, ...`). */
  clock?: string;
  /** The silo profile in use (GML attributes, a CSV file or a generator), summarised; absent without one. */
  profile?: ProfileSummary & { source: string };
  /** Routers of the network (nodes that carry traffic but hold no silo), when it has any: how many. */
  routers?: number;
  /** What a user should know about how the network was read (a component dropped, links without a capacity); absent when nothing. */
  warnings?: string[];
  results: Omit<TopologyResult, 'overlay'>[];
}

/**
 * What a user should hear about a network as it is timed: its reading notes (a component
 * dropped) and, with `linkCapacities: 'gml'`, how many of its links give no capacity (timed
 * at the core capacity): `12 of 39 links in geant.gml give no capacity: timed at the default 1 Gbit/s`.
 */
export function networkWarnings(underlay: Underlay, cg: Pick<ConnectivityGraph, 'capacityCoverage'>, coreGbps: number): string[] {
  const out = [...(underlay.notes ?? [])];
  const c = cg.capacityCoverage;
  if (c && c.withoutCapacity > 0) {
    const file = underlay.source.replace(/^.*[\\/]/, '');
    out.push(
      `${c.withoutCapacity} of ${c.links} link${c.links === 1 ? '' : 's'} in ${file} give${c.withoutCapacity === 1 ? 's' : ''} no capacity: timed at the default ${coreGbps} Gbit/s`,
    );
  }
  return out;
}

/** The network-shaping fields of a request ({@link shapeNetwork}'s options), with their error names. */
function shapeOptions(req: CycleTimeRequest): NetworkShapeOptions {
  return {
    ...(req.silos !== undefined ? { silos: req.silos, silosField: req.silosField ?? '--silos' } : {}),
    ...(req.component !== undefined ? { component: req.component, componentField: req.componentField ?? '--largest-component' } : {}),
  };
}

/**
 * Resolve a request's silo profile on a network: the GML node attributes, overridden by
 * the CSV file or the generator spec; undefined when there is none.
 * @param seed the seed a generator uses unless its spec has one
 */
export function resolveRequestProfile(
  underlay: Underlay,
  params: TimingParams,
  req: Pick<CycleTimeRequest, 'siloProfile' | 'siloProfileField'>,
  seed: number,
): { profile: ResolvedSiloProfile; source: string } | undefined {
  const gml = underlay.siloAttributes ? profileFromUnderlay(underlay) : undefined;
  let given: SiloProfile | undefined;
  let source = gml ? `${underlay.source} (node attributes)` : '';
  if (typeof req.siloProfile === 'string') {
    const where = req.siloProfileField ?? '--silo-profile';
    const text = readInputFile(req.siloProfile, 'silo profile file', where);
    given = parseSiloProfileCsv(text, req.siloProfile, underlay.silos);
    source = gml ? `${req.siloProfile} over ${source}` : req.siloProfile;
  } else if (req.siloProfile !== undefined) {
    const where = req.siloProfileField ?? 'siloProfile';
    given = generateSiloProfile(req.siloProfile, underlay.silos, seed, where);
    source = gml ? `generator over ${source}` : 'generator';
  }
  const profile = resolveSiloTimes(
    underlay.silos,
    {
      computeStepMs: params.workload.computeMs,
      uploadBitsPerSec: params.uploadBitsPerSec,
      downloadBitsPerSec: params.downloadBitsPerSec,
    },
    [gml, given],
  );
  return profile ? { profile, source } : undefined;
}

/** Default topologies: Table 3's (the catalogue's `lists.defaultComparison`). */
export function defaultTopologies(): string[] {
  return topologyNames((t) => t.supports.cycleTime && t.lists?.defaultComparison === true);
}

/**
 * Check a request's shape before any work: library callers get the CLI's errors (a
 * DflsimInputError naming the field), not a TypeError deep inside.
 */
function checkRequest(req: CycleTimeRequest): void {
  if (!req || typeof req !== 'object') throw new DflsimInputError('request', 'expected an object {network, workload, ...}');
  if (
    typeof req.network !== 'string' &&
    !isGraphologyGraph(req.network) &&
    (!req.network || typeof req.network !== 'object' || !Array.isArray((req.network as Underlay).silos))
  ) {
    throw new DflsimInputError('network', 'missing: give a built-in network name, a GML file path, an underlay or a graphology graph');
  }
  const w = req.workload as unknown;
  if (w === undefined || w === null)
    throw new DflsimInputError(
      'workload',
      `missing: give a preset name (${Object.keys(WORKLOAD_PRESETS).join(', ')}) or {name, modelSizeBits, computeMs, rounds}`,
    );
  if (
    typeof w !== 'string' &&
    (typeof w !== 'object' || typeof (w as Workload).modelSizeBits !== 'number' || typeof (w as Workload).computeMs !== 'number')
  ) {
    throw new DflsimInputError(
      'workload',
      `expected a preset name (${Object.keys(WORKLOAD_PRESETS).join(', ')}) or {name, modelSizeBits, computeMs, rounds}, got ${JSON.stringify(w)}`,
    );
  }
  if (req.topologies !== undefined && (!Array.isArray(req.topologies) || req.topologies.some((t) => typeof t !== 'string')))
    throw new DflsimInputError('topologies', 'expected a list of topology names');
}

/** The longest compute or transfer time a round may contain (ms): about 31,700 years; more is an input error, and sums of such times stay finite. */
export const MAX_DELAY_MS = 1e15;

/** Refuse compute and transfer times so large that cycle times would overflow (a model size, compute time or capacity off by many orders). */
function checkDelays(k: SiloTimes, params: TimingParams, coreGbps: number): void {
  const largest = (xs: ArrayLike<number>): number => {
    let m = 0;
    for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]);
    return m;
  };
  const parts: [string, number][] = [
    ['compute per round', Math.max(roundComputeMs(params), largest(k.computeMs))],
    ['upload of one model', Math.max(transferMs(params.workload.modelSizeBits, params.uploadBitsPerSec), largest(k.uploadMs))],
    ['download of one model', Math.max(transferMs(params.workload.modelSizeBits, params.downloadBitsPerSec), largest(k.downloadMs))],
    ['one model over the core network', transferMs(params.workload.modelSizeBits, gbpsToBitsPerSec(coreGbps))],
  ];
  for (const [what, ms] of parts) {
    if (!(ms <= MAX_DELAY_MS))
      throw new DflsimInputError(
        'workload',
        `the ${what} takes ${ms} ms, more than ${MAX_DELAY_MS} ms (about 31,700 years): check the model size (${params.workload.modelSizeBits} bits), the compute time (${params.workload.computeMs} ms) and the capacities`,
      );
  }
}

/** Build the shared context of a comparison (network, connectivity graph, timing). */
export function prepareContext(req: CycleTimeRequest): TopologyContext {
  checkRequest(req);
  const shape = shapeOptions(req);
  const given =
    typeof req.network === 'string'
      ? loadUnderlay(req.network, '--network', { missingCoordinates: req.missingCoordinates, ...shape })
      : isGraphologyGraph(req.network)
        ? networkFromGraphology(req.network, { missingCoordinates: req.missingCoordinates })
        : req.network;
  // a network given as a value is shaped here (a file is shaped as it loads)
  const underlay =
    typeof req.network !== 'string' && (shape.silos !== undefined || shape.component !== undefined) ? shapeNetwork(given, shape) : given;
  const workload = typeof req.workload === 'string' ? getWorkload(req.workload) : getWorkload('custom', req.workload);
  const params = timingParams(workload, {
    localUpdates: req.localUpdates,
    accessGbps: req.accessGbps,
    uploadGbps: req.uploadGbps,
    downloadGbps: req.downloadGbps,
  });
  const coreGbps = req.coreGbps ?? DEFAULT_CORE_CAPACITY_BITS_PER_SEC / 1e9;
  if (!(coreGbps > 0)) throw new DflsimInputError('--core-gbps', `core capacity must be positive, got ${coreGbps}`);
  const tMax = req.tMax ?? DEFAULT_T_MAX;
  if (!Number.isInteger(tMax) || tMax < 1) throw new DflsimInputError('--t-max', `t must be a positive integer, got ${tMax}`);
  const rounds = req.rounds ?? workload.rounds;
  if (!Number.isInteger(rounds) || rounds < 1) throw new DflsimInputError('--rounds', `rounds must be a positive integer, got ${rounds}`);
  const budget = req.budget ?? DEFAULT_MATCHA_OPTIONS.budget;
  if (!(budget > 0 && budget <= 1)) throw new DflsimInputError('--budget', `the communication budget must be in (0, 1], got ${budget}`);
  if (req.baseGraph !== undefined && !BASE_GRAPH_VARIANTS.includes(req.baseGraph))
    throw new DflsimInputError(
      '--base-graph',
      `must be ${BASE_GRAPH_VARIANTS.map((v) => `"${v}"`).join(' or ')}, got ${JSON.stringify(req.baseGraph)}`,
    );
  if (req.equidynEta !== undefined) checkEquidynEta(req.equidynEta, '--equidyn-eta');
  const cg: ConnectivityGraph = buildConnectivityGraph(underlay, gbpsToBitsPerSec(coreGbps), { linkCapacities: req.linkCapacities });
  const seed = req.seed ?? 0;
  const resolved = resolveRequestProfile(underlay, params, req, seed);
  const k = siloTimes(params, cg.n, resolved?.profile);
  checkDelays(k, params, coreGbps);
  const ctx: TopologyContext = {
    underlay,
    cg,
    params,
    k,
    coreGbps,
    ring: { localSearch: req.ringLocalSearch ?? DEFAULT_RING_OPTIONS.localSearch },
    tMax,
    rounds,
    budget,
    ...(req.baseGraph !== undefined ? { baseGraph: req.baseGraph } : {}),
    ...(req.equidynEta !== undefined ? { equidynEta: req.equidynEta } : {}),
    seed,
    cache: new Map(),
    catalogue,
  };
  if (resolved) ctx.siloProfile = resolved;
  ctx.clock = resolveClockChoice(req, cg.silos, seed);
  if (req.overlayFile) ctx.userOverlay = readOverlayFile(req.overlayFile, cg);
  if (req.scheduleFile) ctx.userSchedule = readScheduleFile(req.scheduleFile, cg);
  return ctx;
}

/**
 * The topologies to time for a request: a user's overlay file adds the topology that is
 * that overlay (`overlay`), a schedule file the one that is that schedule (`schedule`): the
 * catalogue's topologies that need the file, not built on another.
 */
export function requestedTopologies(req: Pick<CycleTimeRequest, 'topologies' | 'overlayFile' | 'scheduleFile'>): string[] {
  const topologies = (req.topologies ?? defaultTopologies()).slice();
  const ofFile = (need: (t: Topology) => boolean | undefined) => topologyNames((t) => !!need(t) && t.family !== 'multigraph');
  const add = (names: string[]) => {
    for (const t of names) if (!topologies.includes(t)) topologies.push(t);
  };
  if (req.overlayFile) add(ofFile((t) => t.needs.overlayFile));
  if (req.scheduleFile) add(ofFile((t) => t.needs.scheduleFile));
  return topologies;
}

/**
 * The catalogue's topology of a name, checked to be timeable.
 * @param field where to point an error
 */
export function timedTopology(name: string, field = '--topologies'): Topology {
  const t = getTopologyValue(name, field);
  if (!t.supports.cycleTime)
    throw new DflsimInputError(
      field,
      `topology "${name}" has no cycle time (a baseline); expected one of ${topologyNames((x) => x.supports.cycleTime).join(', ')}`,
    );
  return t;
}

/**
 * Time topologies in a prepared context (its cache is shared, so a caller can also draw
 * the same overlays without building them again).
 */
export function timeTopologies(ctx: TopologyContext, topologies: readonly string[]): CycleTimeReport {
  const warnings = networkWarnings(ctx.underlay, ctx.cg, ctx.coreGbps);
  const values = topologies.map((t) => timedTopology(t));
  const results = values.map((t) => {
    const { overlay: _overlay, ...rest } = planResult(buildOnClock(t, ctx));
    if (!Number.isFinite(rest.cycleTimeMs)) {
      throw new DflsimInputError(
        ctx.underlay.source ?? ctx.underlay.name,
        `the cycle time of ${t.name} overflows (${rest.cycleTimeMs} ms): check the model size (${ctx.params.workload.modelSizeBits} bits), the compute time (${ctx.params.workload.computeMs} ms) and the network's distances and capacities`,
      );
    }
    return rest;
  });
  return {
    network: ctx.underlay.name,
    silos: ctx.cg.n,
    workload: {
      name: ctx.params.workload.name,
      modelSizeBits: ctx.params.workload.modelSizeBits,
      computeMs: ctx.params.workload.computeMs,
      rounds: ctx.rounds,
      localUpdates: ctx.params.localUpdates,
      uploadGbps: ctx.params.uploadBitsPerSec / 1e9,
      downloadGbps: ctx.params.downloadBitsPerSec / 1e9,
      coreGbps: ctx.coreGbps,
      ...(ctx.cg.linkCapacities === 'gml' ? { linkCapacities: ctx.cg.linkCapacities } : {}),
    },
    ...profileOf(ctx),
    ...(contextClock(ctx).clock !== 'max-plus' ? { clock: describeClock(contextClock(ctx)) } : {}),
    ...(ctx.underlay.routers?.length ? { routers: ctx.underlay.routers.length } : {}),
    ...(warnings.length ? { warnings } : {}),
    results,
  };
}

/** The context's resolved silo profile (per-silo arrays), if any. */
export function contextProfile(ctx: TopologyContext): ResolvedSiloProfile | undefined {
  return ctx.siloProfile?.profile;
}

function profileOf(ctx: TopologyContext): { profile?: ProfileSummary & { source: string } } {
  const r = ctx.siloProfile;
  return r ? { profile: { source: r.source, ...profileSummary(ctx.cg.silos, r.profile) } } : {};
}

/**
 * Time every requested topology.
 * Unknown topologies and bad values fail before any work starts.
 */
export function computeCycleTimes(req: CycleTimeRequest): CycleTimeReport {
  checkRequest(req);
  const topologies = requestedTopologies(req);
  topologies.forEach((t) => timedTopology(t));
  return timeTopologies(prepareContext(req), topologies);
}
