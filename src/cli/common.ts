/**
 * Options shared by the CLI commands, and parsing helpers that turn flags into the
 * library's request objects.
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../errors.js';
import type { CycleTimeRequest } from '../experiment/cycle-times.js';
import type { MissingCoordinates } from '../network/underlay.js';
import { getWorkload, WORKLOAD_NAMES } from '../timing/workload.js';
import { DEFAULT_T_MAX } from '../multigraph/multigraph.js';
import { DEFAULT_MATCHA_OPTIONS } from '../overlay/matcha.js';
import { DEFAULT_RING_OPTIONS } from '../overlay/ring.js';
import { LINK_CAPACITIES_MODES, type LinkCapacities } from '../network/connectivity.js';

/**
 * Flags describing the network and workload.
 * @param opts.matcha false: leave out the flags only MATCHA uses (`--budget`, `--seed`), for
 *   commands that never time MATCHA (`multigraph`)
 */
export function networkOptions<T>(y: Argv<T>, opts: { matcha?: boolean } = {}) {
  const base = y
    .option('network', {
      alias: 'n',
      type: 'string',
      demandOption: true,
      describe: 'built-in network (gaia-cities, aws-na-cities) or a GML file',
    })
    .option('workload', {
      alias: 'w',
      type: 'string',
      default: 'femnist',
      describe: `workload preset (${WORKLOAD_NAMES.join(', ')}) or custom`,
    })
    .option('model-size-bits', { type: 'number', describe: 'custom model size (bits); overrides the preset' })
    .option('compute-ms', { type: 'number', describe: 'custom compute time of one local update (ms); overrides the preset' })
    .option('access-gbps', { type: 'number', default: 10, describe: 'access-link capacity of every silo, up and down (Gbit/s)' })
    .option('upload-gbps', { type: 'number', describe: 'upload capacity (Gbit/s), default --access-gbps' })
    .option('download-gbps', { type: 'number', describe: 'download capacity (Gbit/s), default --access-gbps' })
    .option('core-gbps', { type: 'number', default: 1, describe: 'core link capacity (Gbit/s)' })
    .option('local-updates', { alias: 'u', type: 'number', default: 1, describe: 'local updates per round' })
    .option('t-max', { type: 'number', default: DEFAULT_T_MAX, describe: 'multigraph: maximum edges between two silos (t)' })
    .option('rounds', { type: 'number', describe: "rounds to average round-varying topologies over (default: the workload's K)" });
  const withMatcha =
    opts.matcha === false
      ? base
      : (base
          .option('budget', { type: 'number', default: DEFAULT_MATCHA_OPTIONS.budget, describe: 'MATCHA communication budget' })
          .option('seed', { type: 'number', default: 0, describe: 'seed for sampled topologies (MATCHA)' }) as unknown as typeof base);
  return withMatcha
    .option('local-search', {
      type: 'boolean',
      default: DEFAULT_RING_OPTIONS.localSearch,
      describe: 'RING: improve Christofides with 2-opt and Or-opt (--no-local-search for plain Christofides)',
    })
    .option('base-graph', {
      type: 'string',
      choices: ['dflsim', 'reference'],
      describe:
        "Base-(k+1) construction: dflsim (default; no redundant exchanges) or reference (the authors' base_graph.py, edge for edge)",
    })
    .option('equidyn-eta', {
      type: 'number',
      describe: 'EquiDyn weight parameter eta in (0, 1] (default n/(2(n-1)): each matched pair averages exactly)',
    })
    .option('overlay', { type: 'string', describe: 'your own overlay file ({"silos", "directed", "edges"}); adds the "overlay" topology' })
    .option('schedule', {
      type: 'string',
      describe: 'your own time-varying topology: a JSON list of overlays, one per round of a period; adds the "schedule" topology',
    })
    .option('missing-coordinates', {
      type: 'string',
      choices: ['error', 'drop', 'neighbours'],
      default: 'error',
      describe:
        'GML nodes without Latitude/Longitude: refuse, drop them with their links, or place them at the mean position of their neighbours',
    })
    .options(siloSelectionFlags());
}

/**
 * The flags choosing a network's silos and component (`--silos`, `--largest-component`):
 * on `cycle-time`, `compare` and `multigraph` they set the request, on `run` they override
 * the config's `silos` and `component`.
 * @param overrides true: describe them as overriding a config's fields
 */
export function siloSelectionFlags(overrides = false) {
  const config = (field: string): string => (overrides ? ` (overrides the config's "${field}")` : ` (config field "${field}")`);
  return {
    silos: {
      type: 'string',
      describe: `the nodes that hold silos, comma-separated GML labels (raw, as in the file, or as shown); every other node is a router: it carries traffic and counts in shortest paths but holds no model${config('silos')}. Without it, nodes with "silo 0" or "router 1" are the routers`,
    },
    'largest-component': {
      type: 'boolean',
      describe: `a disconnected network: keep its largest connected component (the one with the most silos) and say what was dropped, rather than refuse it${config('component": "largest')}`,
    },
  } as const;
}

/**
 * The flags of the clock and the silos' times, shared by `cycle-time` and `compare`:
 * `--silo-profile`, `--link-capacities`, `--clock`, `--sharing`, and `--out` (a results directory with the report).
 */
export function clockOptions<T>(y: Argv<T>) {
  return y
    .option('silo-profile', {
      type: 'string',
      describe:
        "CSV of per-silo compute and access links: header silo,computeMs,uploadGbps,downloadGbps (any subset of the value columns; computeMs per local step); missing values take the workload's, and it overrides GML node attributes",
    })
    .option('link-capacities', {
      type: 'string',
      choices: LINK_CAPACITIES_MODES as unknown as string[],
      default: 'ignore',
      describe:
        "ignore: core / hops (the papers'); gml: each pair's bandwidth is its path's bottleneck GML link capacity (capacity bit/s, capacityGbps, or the Topology Zoo's LinkSpeedRaw / LinkSpeed + LinkSpeedUnits; --core-gbps for links without, with a warning counting them) / hops",
    })
    .option('clock', {
      type: 'string',
      choices: ['max-plus', 'events'],
      default: 'max-plus',
      describe:
        "max-plus: exact, the papers' model; events: the event-driven clock, whose cycle time is its own rate per round, exact once its rounds repeat (fixed sharing on a static overlay equals max-plus), else a mean with a 95% confidence interval, as the cycleTimeEstimate column says (stragglers and failures come from a config file: dflsim run)",
    })
    .option('sharing', {
      type: 'string',
      choices: ['fixed', 'fair'],
      default: 'fixed',
      describe: 'event clock: access links divided by degree (fixed) or shared max-min fairly by concurrent transfers (fair)',
    })
    .option('out', {
      alias: 'o',
      type: 'string',
      describe:
        'also write the comparison as a results directory (summary.json, cycle-times.csv, topologies.json) with its report (report.html, report.md), as dflsim run does',
    });
}

/** Parsed {@link clockOptions} flags. */
export interface ClockArgs {
  'silo-profile'?: string;
  'link-capacities'?: string;
  clock: 'max-plus' | 'events';
  sharing: 'fixed' | 'fair';
  out?: string;
}

/** The request fields of {@link clockOptions} flags. */
export function clockRequestFromArgs(a: ClockArgs): Partial<CycleTimeRequest> {
  return {
    ...(a['silo-profile'] !== undefined ? { siloProfile: a['silo-profile'], siloProfileField: '--silo-profile' } : {}),
    ...(a['link-capacities'] !== undefined ? { linkCapacities: a['link-capacities'] as LinkCapacities } : {}),
    clock: a.clock,
    sharing: a.sharing,
    clockField: '--',
  };
}

/** Output format flag. */
export function formatOption<T>(y: Argv<T>, choices: string[] = ['table', 'csv', 'json']) {
  return y.option('format', { alias: 'f', type: 'string', choices, default: 'table', describe: 'output format' });
}

/** Parsed network/workload flags. */
export interface NetworkArgs {
  network: string;
  workload: string;
  'model-size-bits'?: number;
  'compute-ms'?: number;
  'access-gbps': number;
  'upload-gbps'?: number;
  'download-gbps'?: number;
  'core-gbps': number;
  'local-updates': number;
  't-max': number;
  rounds?: number;
  /** MATCHA only (absent for `multigraph`). */
  budget?: number;
  seed?: number;
  'local-search': boolean;
  'base-graph'?: 'dflsim' | 'reference';
  'equidyn-eta'?: number;
  overlay?: string;
  schedule?: string;
  'missing-coordinates'?: MissingCoordinates;
  silos?: string;
  'largest-component'?: boolean;
}

/** Flags that take a comma-separated list: given twice, their lists are joined. */
export const LIST_FLAGS: readonly string[] = ['topologies', 'sweep-t', 'silos'];

/**
 * yargs middleware: a list flag given more than once becomes one comma-separated list
 * (`-t ring -t star` = `-t ring,star`); any other string or number flag given more than
 * once is an error naming it (`--seed given twice`), rather than an array no command expects.
 */
export function rejectRepeatedFlags(
  argv: Record<string, unknown>,
  y?: { getOptions(): { alias: Record<string, string[]>; array: string[] } },
): void {
  const opts = y?.getOptions();
  const aliasOf = new Map<string, string>();
  for (const [key, aliases] of Object.entries(opts?.alias ?? {})) for (const a of aliases) aliasOf.set(a, key);
  const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const done = new Set<string>();
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || !Array.isArray(value)) continue;
    // report the flag by its long name (not an alias or the camel-case copy yargs adds)
    let name = aliasOf.get(key) ?? key;
    const dashed = Object.keys(argv).find((k) => k !== name && k.includes('-') && camel(k) === name);
    if (dashed) name = dashed;
    if (done.has(name) || (opts?.array ?? []).includes(name)) continue;
    done.add(name);
    if (LIST_FLAGS.includes(name)) {
      const joined = value.map(String).join(',');
      for (const k of [name, camel(name), ...(opts?.alias[name] ?? [])]) if (k in argv) argv[k] = joined;
      continue;
    }
    const times = value.length === 2 ? 'twice' : `${value.length} times`;
    throw new DflsimInputError(`--${name}`, `given ${times} (${value.map((v) => JSON.stringify(v)).join(', ')}); give it once`);
  }
}

/** Turn parsed flags into a cycle-time request. */
export function requestFromArgs(a: NetworkArgs, topologies?: string[]): CycleTimeRequest {
  if (a.seed !== undefined && (!Number.isInteger(a.seed) || a.seed < 0))
    throw new DflsimInputError('--seed', `must be a non-negative integer, got ${a.seed}`);
  const workload = getWorkload(a.workload, { modelSizeBits: a['model-size-bits'], computeMs: a['compute-ms'] });
  return {
    network: a.network,
    workload,
    topologies,
    overlayFile: a.overlay,
    scheduleFile: a.schedule,
    accessGbps: a['access-gbps'],
    uploadGbps: a['upload-gbps'],
    downloadGbps: a['download-gbps'],
    coreGbps: a['core-gbps'],
    localUpdates: a['local-updates'],
    tMax: a['t-max'],
    rounds: a.rounds,
    budget: a.budget,
    seed: a.seed,
    ringLocalSearch: a['local-search'],
    ...(a['base-graph'] !== undefined ? { baseGraph: a['base-graph'] } : {}),
    ...(a['equidyn-eta'] !== undefined ? { equidynEta: a['equidyn-eta'] } : {}),
    missingCoordinates: a['missing-coordinates'],
    ...(a.silos !== undefined ? { silos: listFlag(a.silos, '--silos'), silosField: '--silos' } : {}),
    ...(a['largest-component'] ? { component: 'largest' as const, componentField: '--largest-component' } : {}),
  };
}

/** Split a comma-separated list flag (a flag given several times: their lists joined). */
export function listFlag(v: string | readonly string[] | undefined, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (typeof v === 'string' ? v : v.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new DflsimInputError(field, 'expected a comma-separated list');
  return items;
}

/** Parse `a..b`, `a,b,c` or a mix (`1..3,5`) into integers. */
export function intRange(v: string, field: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^(\d+)\.\.(\d+)$/.exec(part.trim());
    if (m) {
      const a = Number(m[1]),
        b = Number(m[2]);
      if (b < a) throw new DflsimInputError(field, `empty range "${part.trim()}"`);
      if (b - a > 1000) throw new DflsimInputError(field, `range "${part.trim()}" is too long (at most 1001 values)`);
      for (let i = a; i <= b; i++) out.push(i);
    } else {
      out.push(part.trim() === '' ? NaN : Number(part.trim()));
    }
  }
  if (!out.length || out.some((x) => !Number.isInteger(x) || x < 1))
    throw new DflsimInputError(field, `expected positive integers like 1..6 or 1,2,5, got "${v}"`);
  return out;
}
