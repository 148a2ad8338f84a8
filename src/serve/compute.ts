/**
 * The explorer's computations as pure functions of a request: cycle times and a topology's
 * first rounds on a network given as a value. The server checks the request's shape and
 * resolves the network; these run in a worker thread (`compute-worker.ts`) so that the
 * server keeps answering while a large network is timed.
 */
import { DflsimInputError } from '../errors.js';
import { computeCycleTimes, type CycleTimeReport, type CycleTimeRequest } from '../experiment/cycle-times.js';
import { preparePlanExport } from '../experiment/plan-export.js';
import type { Underlay } from '../network/underlay.js';

/** The most rounds one `/api/rounds` request may ask for. */
export const MAX_ROUNDS = 500;

/** The timing options a request may set (the same names as {@link CycleTimeRequest}'s; never a file). */
export const TIMING_FIELDS = [
  'workload',
  'accessGbps',
  'uploadGbps',
  'downloadGbps',
  'coreGbps',
  'localUpdates',
  'tMax',
  'budget',
  'baseGraph',
  'equidynEta',
  'ringLocalSearch',
  'linkCapacities',
  'seed',
  'clock',
  'sharing',
  'stragglers',
  'failures',
] as const;

/** A request's timing options (checked by the library as the CLI's flags are). */
export type TimingFields = Pick<CycleTimeRequest, (typeof TIMING_FIELDS)[number]>;

/** What the worker is asked. */
export type ComputeJob =
  | { kind: 'cycle-times'; underlay: Underlay; topologies: string[]; timing: TimingFields }
  | { kind: 'rounds'; underlay: Underlay; topology: string; rounds: number; timing: TimingFields };

/** One round of a plan as the page draws it. */
export interface RoundView {
  round: number;
  strong: [number, number][];
  weak: [number, number][];
  isolated: number[];
  down: number[];
  /** When each silo started this round (ms since the start of training; the plan's `startMs`). */
  startMs: number[];
  /** When each silo finished this round (ms; the plan's `endMs`). */
  endMs: number[];
  roundEndMs: number;
}

/** The answer to a rounds job. */
export interface RoundsView {
  topology: string;
  silos: string[];
  cycleTimeMs: number;
  /** The clock in words (the plan header's). */
  clock: string;
  rounds: RoundView[];
}

/** Cycle times of `topologies` on a network value. */
export function cycleTimesOf(job: Extract<ComputeJob, { kind: 'cycle-times' }>): CycleTimeReport {
  return computeCycleTimes({
    ...job.timing,
    workload: job.timing.workload ?? 'femnist',
    network: job.underlay,
    topologies: job.topologies,
  });
}

/** The first `rounds` rounds of one topology (strong, weak, isolated and down silos per round). */
export function roundsOf(job: Extract<ComputeJob, { kind: 'rounds' }>): RoundsView {
  if (!Number.isInteger(job.rounds) || job.rounds < 1 || job.rounds > MAX_ROUNDS)
    throw new DflsimInputError('rounds', `must be an integer from 1 to ${MAX_ROUNDS}, got ${JSON.stringify(job.rounds)}`);
  const p = preparePlanExport({
    ...job.timing,
    workload: job.timing.workload ?? 'femnist',
    network: job.underlay,
    topology: job.topology,
    topologyField: 'topology',
    rounds: job.rounds,
  });
  const rounds: RoundView[] = [];
  for (const r of p.rounds()) {
    rounds.push({
      round: r.round,
      strong: r.strong.map(([a, b]) => [a, b]),
      weak: r.weak.map(([a, b]) => [a, b]),
      isolated: [...r.isolated],
      down: [...r.down],
      startMs: Array.from(r.startMs),
      endMs: Array.from(r.endMs),
      roundEndMs: r.roundEndMs,
    });
  }
  return { topology: job.topology, silos: p.header.silos, cycleTimeMs: p.header.cycleTimeMs, clock: p.header.clock, rounds };
}

/** Run a job: its answer, or `{error}` with the field and message of an input error. */
export function runJob(job: ComputeJob): { ok: true; value: unknown } | { ok: false; error: string; input: boolean } {
  try {
    return { ok: true, value: job.kind === 'cycle-times' ? cycleTimesOf(job) : roundsOf(job) };
  } catch (e) {
    if (e instanceof DflsimInputError) return { ok: false, error: apiMessage(e), input: true };
    return { ok: false, error: `internal error: ${(e as Error)?.message ?? String(e)}`, input: false };
  }
}

/** An input error as the API says it: `field: message`, a CLI flag named as the request's field (`--t-max` is `tMax`). */
export function apiMessage(e: DflsimInputError): string {
  return e.message.replace(/^--([a-z0-9-]+)(?=: )/, (_, flag: string) => flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
}
