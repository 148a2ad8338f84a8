/**
 * Workloads of the cycle-time model (`../shared/spec/cycle-time-model.md`, section 1):
 * model size, compute time of one local update, and the number of rounds K.
 */
import { DflsimInputError } from '../errors.js';
import { gbpsToBitsPerSec, transferMs } from '../units.js';
import type { SiloTimes } from './exchanges.js';

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

/**
 * Per-silo times of a silo profile (ms), one entry per silo index: what makes the delay
 * model heterogeneous. `computeMs` is already a round's C_j (local updates × one step).
 */
export interface PerSiloDelays {
  /** C_j = u × computeMs(j) (ms). */
  computeMs: Float64Array;
  /** M / up(j): one model copy over silo j's upload link (ms). */
  uploadMs: Float64Array;
  /** M / down(j): one model copy over silo j's download link (ms). */
  downloadMs: Float64Array;
}

/** Derived constants of the delay model (ms). */
export interface DelayConstants {
  /** C = u * Tc (ms): the workload's, and every silo's when there is no profile. */
  computeMs: number;
  /** Upload time of one model copy on the access link (ms), every silo's without a profile. */
  uploadMs: number;
  /** Download time of one model copy on the access link (ms), every silo's without a profile. */
  downloadMs: number;
  /** Model size (bits). */
  modelSizeBits: number;
  /**
   * A silo profile's per-silo times. When present every delay uses the sender's C_i and
   * up(i) and the receiver's down(j) from here (the scalars above are then only the
   * workload's defaults); when absent the papers' uniform model applies, bit for bit.
   */
  silo?: PerSiloDelays;
}

/** A silo profile resolved to capacities (see `network/silo-profile.ts`): one entry per silo. */
export interface SiloCapacities {
  /** Compute time of one local step at each silo (ms). */
  computeStepMs: Float64Array;
  /** Upload capacity of each silo's access link (bit/s). */
  uploadBitsPerSec: Float64Array;
  /** Download capacity of each silo's access link (bit/s). */
  downloadBitsPerSec: Float64Array;
}

/**
 * The per-copy upload/download times and C of the spec's section 1.
 * @param silos a resolved silo profile (per-silo step times and capacities); without it the model is uniform
 */
export function delayConstants(p: TimingParams, silos?: SiloCapacities): DelayConstants {
  const k: DelayConstants = {
    computeMs: p.localUpdates * p.workload.computeMs,
    uploadMs: transferMs(p.workload.modelSizeBits, p.uploadBitsPerSec),
    downloadMs: transferMs(p.workload.modelSizeBits, p.downloadBitsPerSec),
    modelSizeBits: p.workload.modelSizeBits,
  };
  if (silos) {
    const M = p.workload.modelSizeBits;
    k.silo = {
      computeMs: silos.computeStepMs.map((c) => p.localUpdates * c),
      uploadMs: silos.uploadBitsPerSec.map((b) => transferMs(M, b)),
      downloadMs: silos.downloadBitsPerSec.map((b) => transferMs(M, b)),
    };
  }
  return k;
}

/** C_i of silo i (ms): the profile's, or the uniform C. */
export function computeAt(k: DelayConstants, i: number): number {
  return k.silo ? k.silo.computeMs[i] : k.computeMs;
}

/** M / up(i) of silo i (ms). */
export function uploadAt(k: DelayConstants, i: number): number {
  return k.silo ? k.silo.uploadMs[i] : k.uploadMs;
}

/** M / down(j) of silo j (ms). */
export function downloadAt(k: DelayConstants, j: number): number {
  return k.silo ? k.silo.downloadMs[j] : k.downloadMs;
}

/** The largest C_j over `n` silos (ms): the uniform C without a profile. */
export function maxComputeMs(k: DelayConstants, n: number): number {
  if (!k.silo) return k.computeMs;
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (k.silo.computeMs[i] > m) m = k.silo.computeMs[i];
  return n > 0 ? m : k.computeMs;
}

/**
 * The per-silo times the clocks read (`timing/exchanges.ts`): the profile's, or uniform
 * ones from the workload's constants.
 * @param n number of silos (a baseline that pools every silo's data runs on 1)
 */
export function siloTimesOf(k: DelayConstants, n: number): SiloTimes {
  if (k.silo && k.silo.computeMs.length === n) {
    return { n, computeMs: k.silo.computeMs.slice(), uploadMs: k.silo.uploadMs.slice(), downloadMs: k.silo.downloadMs.slice(), modelSizeBits: k.modelSizeBits };
  }
  return {
    n,
    computeMs: new Float64Array(n).fill(k.computeMs),
    uploadMs: new Float64Array(n).fill(k.uploadMs),
    downloadMs: new Float64Array(n).fill(k.downloadMs),
    modelSizeBits: k.modelSizeBits,
  };
}
