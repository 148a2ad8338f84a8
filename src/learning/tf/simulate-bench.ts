/**
 * The throughput yardstick of a whole simulation (issue "Training throughput"): n silos
 * of a model (FADNet by default; the FEMNIST CNN, or any model file or registered model)
 * on random data, a directed RING (silo i sends to i + 1, each silo averages with its
 * predecessor), `localSteps` Adam steps per silo and round, trained by the engine
 * (`runRoundsAsync`) with the runner's trainer: a pool of worker threads when workers > 1,
 * one in-process trainer otherwise. One warm-up round is not timed; no round evaluates
 * (the PyTorch yardstick shared/bench/dpasgd_torch.py does not either). The result says
 * which training path ran (the native step or tf.layers) and which of the yardstick's
 * models, if any, has the model's architecture. Figures only, never asserted in tests.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { initEngineState, runRoundsAsync, type EngineData, type EngineOptions, type SiloShard } from '../dpasgd.js';
import { pairsMixing } from '../../overlay/mixing-rules.js';
import type { TrainingSchedule } from '../schedule.js';
import type { LocalTrainer } from '../trainer.js';
import type { LossName } from '../model-registry.js';
import type { BackendChoice } from './backend.js';
import { buildModel, type ModelSpec } from './models/build.js';
import { createModel, type ModelHandle } from './models/registry.js';
import { SeededDropout } from './models/layers.js';
import { createPoolTrainer, defaultWorkerCount } from './pool.js';
import { NATIVE_STEP_LABEL, type TrainerOptions } from './silo-trainer.js';
import type { YardstickModel } from './torch-yardstick.js';

/** Options of {@link benchSimulate}. */
export interface BenchSimulateOptions {
  /** The model: a registered name (default 'fadnet') or a spec (a model.json, a module; absolute paths). */
  model?: string | ModelSpec;
  /**
   * The trainer's options (sizes, classes, seed; as a run gives them). Default for FADNet:
   * `{ inputSize: size, seed }`; for another model: `{ seed }`.
   */
  trainerOptions?: TrainerOptions;
  /**
   * The random samples: `frames` (FADNet's driving frames: pixels in [0, 255], one steering
   * value per sample) or `images` (values in [0, 1] of the model's input shape; labels as its
   * loss reads them: a class below its output count, 0/1 per output, or values).
   * Default: frames for FADNet, images for any other model.
   */
  data?: 'frames' | 'images';
  /** Silos (default 11, Gaia's). */
  silos?: number;
  /** FADNet input side (pixels; default 64); FADNet only. */
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
  /** Seed of the data and weights (default 0). */
  seed?: number;
  /** Where the model comes from, prefixed to its errors (default `config`; the CLI: `--model`). */
  where?: string;
}

/** Result of {@link benchSimulate}. */
export interface BenchSimulateResult {
  /** The model's name: a registered name, or a model file's or module's base name. */
  model: string;
  /** Where it came from (`model.name`, `model.path` or `model.module`) and the name or file. */
  modelOrigin: { field: string; value: string };
  silos: number;
  /** FADNet's input side (pixels); FADNet only. */
  size?: number;
  /** Shape of one sample. */
  inputShape: number[];
  /** Classes of the random labels (a classification model). */
  classes?: number;
  /** The loss the model trains with. */
  loss: LossName;
  batch: number;
  rounds: number;
  localSteps: number;
  workers: number;
  /** wasm threads per worker. */
  threads: number;
  backend: string;
  /** The backend's kernels, with `+native-step` when the local steps ran the native step. */
  kernels?: string;
  /** The training path of the local steps: dflsim's native step, or the tf.layers step (from the trainer's `trainingPath()`). */
  path: 'native' | 'layers';
  /** Why the model trained through tf.layers although the native step is there (one line), if it did. */
  pathNotice?: string;
  /** The yardstick's model with this architecture, if any. */
  yardstick?: YardstickModel;
  /** Why no yardstick model has this architecture (one line), if none has. */
  yardstickMismatch?: string;
  /** Trainable parameters. */
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

/**
 * n shards of `batch` random samples of a model: values in [0, 1] of `inputShape`, and labels
 * as `loss` reads them: categorical, a class index below `outputs` per sample; binary, 0 or 1
 * per output; mse, values (normal, sd 0.1) per output.
 */
export function randomImageShards(
  n: number,
  m: { inputShape: number[]; outputs: number; loss: LossName },
  batch: number,
  seed: number,
): SiloShard[] {
  const rng = createRng(seed);
  const perSample = m.inputShape.reduce((a, b) => a * b, 1);
  const perLabel = m.loss === 'categorical-crossentropy' ? 1 : m.outputs;
  return Array.from({ length: n }, () => {
    const x = new Float32Array(batch * perSample);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();
    const y = new Float32Array(batch * perLabel);
    for (let i = 0; i < y.length; i++)
      y[i] = m.loss === 'categorical-crossentropy' ? rng.int(m.outputs) : m.loss === 'mse' ? rng.normal() * 0.1 : rng.int(2);
    return { x, y, size: batch };
  });
}

/** What the architecture comparison reads of a layer: its class and the configuration that decides its computation. */
interface LayerSignature {
  cls: string;
  cfg: Record<string, string>;
}

const SIGNATURE_KEYS = [
  'units',
  'filters',
  'kernelSize',
  'poolSize',
  'strides',
  'padding',
  'dilationRate',
  'dataFormat',
  'activation',
  'useBias',
];

function layerSignature(layer: tf.layers.Layer): LayerSignature {
  // Keras' Dropout and dflsim's seeded dropout (which replaces it at load) compute the same thing
  if (layer instanceof SeededDropout || layer.getClassName() === 'Dropout')
    return { cls: 'Dropout', cfg: { rate: String((layer as unknown as { rate: number }).rate) } };
  const cfg = layer.getConfig() as Record<string, unknown>;
  const entries = SIGNATURE_KEYS.filter((k) => cfg[k] !== undefined && cfg[k] !== null).map((k) => [k, JSON.stringify(cfg[k])]);
  return { cls: layer.getClassName(), cfg: Object.fromEntries(entries) as Record<string, string> };
}

/**
 * The layers of a model as {@link LayerSignature}s (input layers left out: the input shape is
 * compared apart), the last one's softmax read as linear (logits): the softmax cross-entropy is
 * the same either way.
 */
function signatures(model: tf.LayersModel): LayerSignature[] {
  const sig = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map(layerSignature);
  const last = sig[sig.length - 1];
  if (last?.cfg.activation === '"softmax"') last.cfg.activation = '"linear"';
  return sig;
}

/** How layer `i` of a model differs from the FEMNIST CNN's (one phrase), or null when it does not. */
function layerDifference(i: number, mine: LayerSignature | undefined, theirs: LayerSignature | undefined, count: number): string | null {
  if (!mine || !theirs)
    return mine ? `it has ${i + 1} or more layers, the FEMNIST CNN ${count}` : `it has ${i} layers, the FEMNIST CNN ${count}`;
  if (mine.cls !== theirs.cls) return `its layer ${i + 1} is a ${mine.cls}, the FEMNIST CNN's a ${theirs.cls}`;
  const keys = [...new Set([...Object.keys(mine.cfg), ...Object.keys(theirs.cfg)])].filter((k) => mine.cfg[k] !== theirs.cfg[k]);
  if (!keys.length) return null;
  const show = (c: Record<string, string>) => keys.map((k) => `${k} ${c[k] ?? 'unset'}`).join(', ');
  return `its layer ${i + 1} (${mine.cls}) has ${show(mine.cfg)}, the FEMNIST CNN's ${show(theirs.cfg)}`;
}

/**
 * Whether `model` has the FEMNIST CNN's architecture (dflsim's femnist-cnn: the layers of
 * shared/bench/dpasgd_torch.py's `--model femnist-cnn`): the same input shape [28, 28, 1],
 * layers, filters, kernels, strides, paddings, units, activations and dropout rates (Keras'
 * Dropout or dflsim's seeded dropout; the last layer's activation linear or softmax, whose
 * softmax cross-entropy is the same). Weights and layer names do not matter.
 * @returns `{ same: true }`, or the first difference (one line)
 */
export function femnistCnnArchitecture(model: tf.LayersModel): { same: true } | { same: false; difference: string } {
  const ref = createModel('femnist-cnn', { numClasses: 62, seed: 0 });
  try {
    const shape = (m: tf.LayersModel) => JSON.stringify(m.inputs[0]?.shape.slice(1) ?? []);
    if (model.inputs.length !== 1 || shape(model) !== shape(ref.model))
      return { same: false, difference: `its input shape is ${shape(model)}, the FEMNIST CNN's ${shape(ref.model)}` };
    const mine = signatures(model);
    const theirs = signatures(ref.model);
    for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
      const d = layerDifference(i, mine[i], theirs[i], theirs.length);
      if (d) return { same: false, difference: d };
    }
    return { same: true };
  } finally {
    ref.model.dispose();
  }
}

/** What the benchmark needs to know of its model before training: its sizes, loss and the yardstick it matches. */
interface ModelFacts {
  name: string;
  origin: { field: string; value: string };
  inputShape: number[];
  outputs: number;
  loss: LossName;
  yardstick?: YardstickModel;
  yardstickMismatch?: string;
}

function factsOf(h: ModelHandle, fadnet: boolean): ModelFacts {
  const arch = fadnet ? undefined : femnistCnnArchitecture(h.model);
  return {
    name: h.name,
    origin: h.origin,
    inputShape: h.inputShape,
    outputs: h.outputSize,
    loss: h.loss,
    ...(fadnet
      ? { yardstick: 'fadnet' as const }
      : arch!.same
        ? { yardstick: 'femnist-cnn' as const }
        : { yardstickMismatch: arch!.difference }),
  };
}

/** The trainer a run uses (as the runner makes it): the pool when workers > 1, else in-process; and the model's facts. */
async function benchTrainer(o: {
  spec: ModelSpec;
  fadnet: boolean;
  trainerOptions: TrainerOptions;
  workers: number;
  threads?: number;
  backend?: BackendChoice;
  seed: number;
  where: string;
}): Promise<{
  trainer: LocalTrainer;
  facts: ModelFacts;
  backend: string;
  threads: number;
  kernels?: string;
  path: () => { native: boolean; notice?: string };
  close: () => Promise<void> | void;
}> {
  if (o.workers > 1) {
    // the facts from a copy built on this thread (cpu, as describeModel does), then freed
    if (!tf.engine().backendName) await tf.setBackend('cpu');
    const prod = tf.env().getBool('PROD');
    tf.env().set('PROD', true);
    let facts: ModelFacts;
    try {
      const h = await buildModel(o.spec, o.trainerOptions, o.where);
      try {
        facts = factsOf(h, o.fadnet);
      } finally {
        h.model.dispose();
      }
    } finally {
      tf.env().set('PROD', prod);
    }
    const { trainer, pool } = await createPoolTrainer({
      model: o.spec,
      where: o.where,
      trainerOptions: o.trainerOptions,
      workers: o.workers,
      threadsPerWorker: o.threads,
      backend: o.backend,
      seed: o.seed,
    });
    // the workers' kernels label says whether their trainers' trainingPath() is the native step
    const native = pool.backend.kernels?.endsWith(NATIVE_STEP_LABEL) === true;
    return {
      trainer,
      facts,
      backend: pool.backend.backend,
      threads: pool.backend.threads,
      ...(pool.backend.kernels ? { kernels: pool.backend.kernels } : {}),
      path: () => ({ native, ...(pool.notice ? { notice: pool.notice } : {}) }),
      close: () => pool.close(),
    };
  }
  const { initBackend } = await import('./backend.js');
  const info = await initBackend({ backend: o.backend, threads: o.threads });
  const { createTrainer, recordedKernels } = await import('./silo-trainer.js');
  const h = await buildModel(o.spec, o.trainerOptions, o.where);
  let facts: ModelFacts;
  try {
    facts = factsOf(h, o.fadnet);
  } catch (e) {
    h.model.dispose();
    throw e;
  }
  const trainer = createTrainer(h, o.trainerOptions);
  const kernels = recordedKernels(info.kernels, trainer);
  return {
    trainer,
    facts,
    backend: info.backend,
    threads: info.threads,
    ...(kernels ? { kernels } : {}),
    path: () => {
      const p = trainer.trainingPath();
      return p.native ? { native: true } : { native: false, ...(p.notice ? { notice: p.notice } : {}) };
    },
    close: () => trainer.dispose(),
  };
}

/** Time `rounds` rounds of a simulation (after one warm-up round); the pool is closed before this resolves. */
export async function benchSimulate(opts: BenchSimulateOptions = {}): Promise<BenchSimulateResult> {
  const spec: ModelSpec = typeof opts.model === 'string' ? { name: opts.model } : (opts.model ?? { name: 'fadnet' });
  const fadnet = spec.name === 'fadnet' && spec.path === undefined && spec.module === undefined;
  const silos = positive('silos', opts.silos ?? 11);
  const size = fadnet ? positive('size', opts.size ?? 64) : undefined;
  if (!fadnet && opts.size !== undefined)
    throw new Error("dflsim bench simulate: size is FADNet's input side; give another model its sizes in trainerOptions");
  const batch = positive('batch', opts.batch ?? 16);
  const rounds = positive('rounds', opts.rounds ?? 10);
  const localSteps = positive('localSteps', opts.localSteps ?? 1);
  const workers = Math.min(positive('workers', opts.workers ?? defaultWorkerCount()), silos);
  const seed = opts.seed ?? 0;
  const trainerOptions: TrainerOptions = opts.trainerOptions ?? (fadnet ? { inputSize: size, seed } : { seed });
  const dataKind = opts.data ?? (fadnet ? 'frames' : 'images');
  const t = await benchTrainer({
    spec,
    fadnet,
    trainerOptions,
    workers,
    threads: opts.threads,
    backend: opts.backend,
    seed,
    where: opts.where ?? 'config',
  });
  try {
    const f = t.facts;
    const side = f.inputShape[0]!;
    const data: EngineData =
      dataKind === 'frames'
        ? { shards: randomShards(silos, side, batch, seed), test: randomShards(1, side, 1, seed + 1)[0]! }
        : { shards: randomImageShards(silos, f, batch, seed), test: randomImageShards(1, f, 1, seed + 1)[0]! };
    const schedule = benchRingSchedule(silos);
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
    const path = t.path();
    return {
      model: f.name,
      modelOrigin: f.origin,
      silos,
      ...(size !== undefined ? { size } : {}),
      inputShape: f.inputShape,
      ...(f.loss === 'categorical-crossentropy' ? { classes: f.outputs } : {}),
      loss: f.loss,
      batch,
      rounds,
      localSteps,
      workers,
      threads: t.threads,
      backend: t.backend,
      ...(t.kernels ? { kernels: t.kernels } : {}),
      path: path.native ? 'native' : 'layers',
      ...(path.notice ? { pathNotice: path.notice } : {}),
      ...(f.yardstick ? { yardstick: f.yardstick } : {}),
      ...(f.yardstickMismatch ? { yardstickMismatch: f.yardstickMismatch } : {}),
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
