/**
 * Options shared by the CLI commands, and parsing helpers that turn flags into the
 * library's request objects.
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../errors.js';
import type { CycleTimeRequest } from '../experiment/cycle-times.js';
import { getWorkload, WORKLOAD_NAMES } from '../timing/workload.js';

/** Flags describing the network and workload. */
export function networkOptions<T>(y: Argv<T>) {
  return y
    .option('network', { alias: 'n', type: 'string', demandOption: true, describe: 'built-in network (gaia, aws-na) or a GML file' })
    .option('workload', { alias: 'w', type: 'string', default: 'femnist', describe: `workload preset (${WORKLOAD_NAMES.join(', ')}) or custom` })
    .option('model-size-bits', { type: 'number', describe: 'custom model size (bits); overrides the preset' })
    .option('compute-ms', { type: 'number', describe: 'custom compute time of one local update (ms); overrides the preset' })
    .option('access-gbps', { type: 'number', default: 10, describe: 'access-link capacity of every silo, up and down (Gbit/s)' })
    .option('upload-gbps', { type: 'number', describe: 'upload capacity (Gbit/s), default --access-gbps' })
    .option('download-gbps', { type: 'number', describe: 'download capacity (Gbit/s), default --access-gbps' })
    .option('core-gbps', { type: 'number', default: 1, describe: 'core link capacity (Gbit/s)' })
    .option('local-updates', { alias: 'u', type: 'number', default: 1, describe: 'local updates per round' })
    .option('t-max', { type: 'number', default: 5, describe: 'multigraph: maximum edges between two silos (t)' })
    .option('rounds', { type: 'number', describe: 'rounds to average round-varying topologies over (default: the workload\'s K)' })
    .option('budget', { type: 'number', default: 0.5, describe: 'MATCHA communication budget' })
    .option('seed', { type: 'number', default: 0, describe: 'seed for sampled topologies' })
    .option('local-search', { type: 'boolean', default: true, describe: 'RING: improve Christofides with 2-opt and Or-opt (--no-local-search for plain Christofides)' })
    .option('overlay', { type: 'string', describe: 'your own overlay file ({"silos", "directed", "edges"}); adds the "overlay" topology' });
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
  budget: number;
  seed: number;
  'local-search': boolean;
  overlay?: string;
}

/** Turn parsed flags into a cycle-time request. */
export function requestFromArgs(a: NetworkArgs, topologies?: string[]): CycleTimeRequest {
  const workload = getWorkload(a.workload, { modelSizeBits: a['model-size-bits'], computeMs: a['compute-ms'] });
  return {
    network: a.network,
    workload,
    topologies,
    overlayFile: a.overlay,
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
  };
}

/** Split a comma-separated list flag. */
export function listFlag(v: string | undefined, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new DflsimInputError(field, 'expected a comma-separated list');
  return items;
}

/** Parse `a..b` or `a,b,c` into integers. */
export function intRange(v: string, field: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(v.trim());
  let out: number[];
  if (m) {
    const a = Number(m[1]), b = Number(m[2]);
    if (b < a) throw new DflsimInputError(field, `empty range "${v}"`);
    out = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    out = v.split(',').map((s) => Number(s.trim()));
  }
  if (!out.length || out.some((x) => !Number.isInteger(x) || x < 1)) throw new DflsimInputError(field, `expected positive integers like 1..6 or 1,2,5, got "${v}"`);
  return out;
}
