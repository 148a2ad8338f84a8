/**
 * The throughput yardstick of a whole simulation (issue "Training throughput"): n silos
 * of FADNet on random frames, a directed RING (silo i sends to i + 1, each silo averages
 * with its predecessor), `localSteps` Adam steps per silo and round, trained by the
 * engine (`runRoundsAsync`) with the runner's trainer: a pool of worker threads when
 * workers > 1, one in-process trainer otherwise. One warm-up round is not timed; no round
 * evaluates (the PyTorch yardstick shared/bench/dpasgd_torch.py does not either).
 * Figures only, never asserted in tests.
 */
import { createRng } from '../../random.js';
import { initEngineState, runRoundsAsync, type EngineData, type EngineOptions, type SiloShard } from '../dpasgd.js';
import { pairsMixing } from '../../overlay/mixing-rules.js';
import type { TrainingSchedule } from '../schedule.js';
import type { LocalTrainer } from '../trainer.js';
import type { BackendChoice } from './backend.js';
import { createPoolTrainer, defaultWorkerCount } from './pool.js';

/** Options of {@link benchSimulate}. */
export interface BenchSimulateOptions {
  /** Silos (default 11, Gaia's). */
  silos?: number;
  /** FADNet input side (pixels; default 64). */
  size?: number;
  /** Samples per local step (default 16). */
  batch?: number;
  /** Timed rounds after one warm-up round (default 10). */
  rounds?: number;
  /** Local steps per silo and round (default 1). */
  localSteps?: number;
  /** Worker threads (default: the machine's cores, at most the silos); 1 trains in-process. */
  workers?: number;
  /** wasm threads per worker (default: DFLSIM_THREADS or 1). */
  threads?: number;
  backend?: BackendChoice;
  /** Seed of the frames and weights (default 0). */
  seed?: number;
}

/** Result of {@link benchSimulate}. */
export interface BenchSimulateResult {
  silos: number;
  size: number;
  batch: number;
  rounds: number;
  localSteps: number;
  workers: number;
  /** wasm threads per worker. */
  threads: number;
  backend: string;
  /** FADNet's trainable parameters. */
  params: number;
  roundsPerSec: number;
  /** Local steps of all silos per second. */
  siloStepsPerSec: number;
  samplesPerSec: number;
  msPerRound: number;
  /** Peak resident set of the process (MiB; the worker threads share it, so it includes them). */
  peakRssMiB: number;
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`dflsim bench simulate: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** The directed RING over silos 0..n-1 (edge i -> i + 1 mod n), `(A + I) / 2` mixing every round; the clock is not simulated (endMs 0). */
export function benchRingSchedule(n: number): TrainingSchedule {
  const pairs = Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number]);
  const mixing = pairsMixing(n, pairs, 'uniform');
  return { topology: 'ring', n, plan: (round) => ({ round, mixing, endMs: 0, isolated: [] }) };
}

/** n shards of `batch` random frames (pixels in [0, 255]) and steering labels: the content does not matter for speed. */
export function randomShards(n: number, size: number, batch: number, seed: number): SiloShard[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const x = new Float32Array(batch * size * size);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256);
    const y = new Float32Array(batch);
    for (let i = 0; i < batch; i++) y[i] = rng.normal() * 0.1;
    return { x, y, size: batch };
  });
}

/** The trainer a run uses (as the runner makes it): the pool when workers > 1, else in-process. */
async function benchTrainer(o: {
  size: number;
  workers: number;
  threads?: number;
  backend?: BackendChoice;
  seed: number;
}): Promise<{ trainer: LocalTrainer; backend: string; threads: number; close: () => Promise<void> | void }> {
  const trainerOptions = { inputSize: o.size, seed: o.seed };
  if (o.workers > 1) {
    const { trainer, pool } = await createPoolTrainer({
      model: 'fadnet',
      trainerOptions,
      workers: o.workers,
      threadsPerWorker: o.threads,
      backend: o.backend,
      seed: o.seed,
    });
    return { trainer, backend: pool.backend.backend, threads: pool.backend.threads, close: () => pool.close() };
  }
  const { initBackend } = await import('./backend.js');
  const info = await initBackend({ backend: o.backend, threads: o.threads });
  const { createTrainer } = await import('./silo-trainer.js');
  const trainer = createTrainer('fadnet', trainerOptions);
  return { trainer, backend: info.backend, threads: info.threads, close: () => trainer.dispose() };
}

/** Time `rounds` rounds of a simulation (after one warm-up round); the pool is closed before this resolves. */
export async function benchSimulate(opts: BenchSimulateOptions = {}): Promise<BenchSimulateResult> {
  const silos = positive('silos', opts.silos ?? 11);
  const size = positive('size', opts.size ?? 64);
  const batch = positive('batch', opts.batch ?? 16);
  const rounds = positive('rounds', opts.rounds ?? 10);
  const localSteps = positive('localSteps', opts.localSteps ?? 1);
  const workers = Math.min(positive('workers', opts.workers ?? defaultWorkerCount()), silos);
  const seed = opts.seed ?? 0;
  const data: EngineData = { shards: randomShards(silos, size, batch, seed), test: randomShards(1, size, 1, seed + 1)[0]! };
  const schedule = benchRingSchedule(silos);
  const t = await benchTrainer({ size, workers, threads: opts.threads, backend: opts.backend, seed });
  try {
    // the round count is never reached and no round evaluates: afterRound stops the run
    const run = (until: number): EngineOptions => ({
      rounds: Number.MAX_SAFE_INTEGER,
      localSteps,
      batchSize: batch,
      lr: 1e-3,
      seed,
      evalEvery: Number.MAX_SAFE_INTEGER,
      afterRound: (s) => s.round >= until,
    });
    let state = initEngineState(t.trainer, silos, seed);
    state = await runRoundsAsync(state, t.trainer, schedule, data, run(1));
    const t0 = performance.now();
    state = await runRoundsAsync(state, t.trainer, schedule, data, run(1 + rounds));
    const seconds = (performance.now() - t0) / 1000;
    if (state.round !== 1 + rounds) throw new Error(`dflsim bench simulate: ran ${state.round - 1} timed rounds, expected ${rounds}`);
    const steps = rounds * silos * localSteps;
    return {
      silos,
      size,
      batch,
      rounds,
      localSteps,
      workers,
      threads: t.threads,
      backend: t.backend,
      params: t.trainer.paramCount,
      roundsPerSec: rounds / seconds,
      siloStepsPerSec: steps / seconds,
      samplesPerSec: (steps * batch) / seconds,
      msPerRound: (seconds * 1000) / rounds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await t.close();
  }
}
