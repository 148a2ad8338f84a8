/**
 * Workloads of the cycle-time model (`../shared/spec/cycle-time-model.md`, section 1):
 * model size, compute time of one local update, and the number of rounds K.
 */
import { DflsimInputError } from '../errors.js';
import { gbpsToBitsPerSec, transferMs } from '../units.js';
import type { SiloTimes } from './delay-model.js';

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
  const w: Workload = {
    ...(preset ?? { name: 'custom', modelSizeBits: NaN, computeMs: NaN, rounds: 6400 }),
    ...stripUndefined(custom ?? {}),
  };
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
export function timingParams(
  workload: Workload,
  opts: { localUpdates?: number; accessGbps?: number; uploadGbps?: number; downloadGbps?: number } = {},
): TimingParams {
  const localUpdates = opts.localUpdates ?? 1;
  if (!Number.isInteger(localUpdates) || localUpdates < 1) {
    throw new DflsimInputError('--local-updates', `local updates must be a positive integer, got ${localUpdates}`);
  }
  const access = opts.accessGbps ?? 10;
  const up = opts.uploadGbps ?? access;
  const down = opts.downloadGbps ?? access;
  for (const [field, v] of [
    ['--access-gbps', access],
    ['--upload-gbps', up],
    ['--download-gbps', down],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new DflsimInputError(field, `capacity must be a positive number of Gbit/s, got ${v}`);
  }
  return { workload, localUpdates, uploadBitsPerSec: gbpsToBitsPerSec(up), downloadBitsPerSec: gbpsToBitsPerSec(down) };
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

/** C = u · Tc: the workload's compute time of one round of local updates (ms). */
export function roundComputeMs(p: TimingParams): number {
  return p.localUpdates * p.workload.computeMs;
}

/**
 * The per-silo times of the delay model (spec section 1): C_j = u · computeMs(j),
 * M / up(j) and M / down(j) in ms. Without a profile every silo has the workload's C and
 * the access links of `p` (the papers' uniform model); with one, each silo its own.
 * @param n number of silos
 * @param silos a resolved silo profile (n entries); without it the model is uniform
 */
export function siloTimes(p: TimingParams, n: number, silos?: SiloCapacities): SiloTimes {
  const M = p.workload.modelSizeBits;
  if (silos) {
    if (silos.computeStepMs.length !== n)
      throw new RangeError(`siloTimes: a profile of ${silos.computeStepMs.length} silos for ${n} silos`);
    return {
      n,
      computeMs: silos.computeStepMs.map((c) => p.localUpdates * c),
      uploadMs: silos.uploadBitsPerSec.map((b) => transferMs(M, b)),
      downloadMs: silos.downloadBitsPerSec.map((b) => transferMs(M, b)),
      modelSizeBits: M,
      profile: true,
    };
  }
  return {
    n,
    computeMs: new Float64Array(n).fill(roundComputeMs(p)),
    uploadMs: new Float64Array(n).fill(transferMs(M, p.uploadBitsPerSec)),
    downloadMs: new Float64Array(n).fill(transferMs(M, p.downloadBitsPerSec)),
    modelSizeBits: M,
  };
}
