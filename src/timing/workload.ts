/**
 * Workloads of the cycle-time model (`../shared/spec/cycle-time-model.md`, section 1):
 * model size, compute time of one local update, and the number of rounds K.
 */
import { DflsimInputError } from '../errors.js';
import { gbpsToBitsPerSec, transferMs } from '../units.js';

/** A training workload as seen by the timing model. */
export interface Workload {
  /** Preset name or `custom`. */
  name: string;
  /** Size of the model exchanged on every link (bits). */
  modelSizeBits: number;
  /** Compute time of one local update (ms). */
  computeMs: number;
  /** Number of rounds K used to average multigraph cycle times. */
  rounds: number;
}

/** The published workloads (Marfoq et al. 2020, Do et al. 2023). */
export const WORKLOAD_PRESETS: Readonly<Record<string, Workload>> = Object.freeze({
  femnist: { name: 'femnist', modelSizeBits: 4_843_243, computeMs: 4.6, rounds: 6400 },
  sent140: { name: 'sent140', modelSizeBits: 19_269_416, computeMs: 9.8, rounds: 20000 },
  inaturalist: { name: 'inaturalist', modelSizeBits: 44_961_717, computeMs: 25.4, rounds: 1600 },
  shakespeare: { name: 'shakespeare', modelSizeBits: 3_385_747, computeMs: 389.6, rounds: 6400 },
  synthetic: { name: 'synthetic', modelSizeBits: 4_354, computeMs: 1.5, rounds: 6400 },
});

/** Names of the workload presets. */
export const WORKLOAD_NAMES = Object.keys(WORKLOAD_PRESETS);

/**
 * A workload preset, or a custom one.
 * @param name preset name, or `custom` with `modelSizeBits` and `computeMs`
 */
export function getWorkload(name: string, custom?: Partial<Workload>): Workload {
  const preset = WORKLOAD_PRESETS[name];
  if (!preset && name !== 'custom') {
    throw new DflsimInputError('--workload', `unknown workload "${name}"; expected one of ${WORKLOAD_NAMES.join(', ')} or custom`);
  }
  const w: Workload = { ...(preset ?? { name: 'custom', modelSizeBits: NaN, computeMs: NaN, rounds: 6400 }), ...stripUndefined(custom ?? {}) };
  if (!(w.modelSizeBits > 0) || !Number.isFinite(w.modelSizeBits)) {
    throw new DflsimInputError('--model-size-bits', `model size must be a positive number of bits, got ${w.modelSizeBits}`);
  }
  if (!(w.computeMs >= 0) || !Number.isFinite(w.computeMs)) {
    throw new DflsimInputError('--compute-ms', `compute time must be a non-negative number of ms, got ${w.computeMs}`);
  }
  if (!Number.isInteger(w.rounds) || w.rounds < 1) {
    throw new DflsimInputError('--rounds', `rounds must be a positive integer, got ${w.rounds}`);
  }
  return w;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Access links and local updates: what turns a workload into per-edge delays. */
export interface TimingParams {
  workload: Workload;
  /** Local updates per round u (C = u * computeMs). */
  localUpdates: number;
  /** Upload capacity of every silo's access link (bit/s). */
  uploadBitsPerSec: number;
  /** Download capacity of every silo's access link (bit/s). */
  downloadBitsPerSec: number;
}

/** Defaults of Table 3: 10 Gbit/s access links, one local update. */
export const DEFAULT_ACCESS_BITS_PER_SEC = gbpsToBitsPerSec(10);

/** Build timing parameters, validating capacities and local updates. */
export function timingParams(workload: Workload, opts: { localUpdates?: number; accessGbps?: number; uploadGbps?: number; downloadGbps?: number } = {}): TimingParams {
  const localUpdates = opts.localUpdates ?? 1;
  if (!Number.isInteger(localUpdates) || localUpdates < 1) {
    throw new DflsimInputError('--local-updates', `local updates must be a positive integer, got ${localUpdates}`);
  }
  const access = opts.accessGbps ?? 10;
  const up = opts.uploadGbps ?? access;
  const down = opts.downloadGbps ?? access;
  for (const [field, v] of [['--access-gbps', access], ['--upload-gbps', up], ['--download-gbps', down]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new DflsimInputError(field, `capacity must be a positive number of Gbit/s, got ${v}`);
  }
  return { workload, localUpdates, uploadBitsPerSec: gbpsToBitsPerSec(up), downloadBitsPerSec: gbpsToBitsPerSec(down) };
}

/** Derived constants of the delay model (ms). */
export interface DelayConstants {
  /** C = u * Tc (ms). */
  computeMs: number;
  /** Upload time of one model copy on the access link (ms). */
  uploadMs: number;
  /** Download time of one model copy on the access link (ms). */
  downloadMs: number;
  /** Model size (bits). */
  modelSizeBits: number;
}

/** The per-copy upload/download times and C of the spec's section 1. */
export function delayConstants(p: TimingParams): DelayConstants {
  return {
    computeMs: p.localUpdates * p.workload.computeMs,
    uploadMs: transferMs(p.workload.modelSizeBits, p.uploadBitsPerSec),
    downloadMs: transferMs(p.workload.modelSizeBits, p.downloadBitsPerSec),
    modelSizeBits: p.workload.modelSizeBits,
  };
}
