/**
 * The shapes of a training run: its options, where its checkpoints go, and what it writes
 * (`summary.json`, with what it simulated).
 */
import type { MetricRow } from '../learning/dpasgd.js';
import type { LocalTrainer } from '../learning/trainer.js';
import { encodeCheckpoint } from './checkpoint.js';
import type { QueueTarget } from './queue/names.js';

/** Options of a run. */
export interface RunOptions {
  /** Results directory. */
  outDir: string;
  /** Continue from the last checkpoint in `outDir`. */
  resume?: boolean;
  /** Allow writing into a non-empty directory (starting over). */
  force?: boolean;
  /** Called after every round. */
  onRound?: (row: MetricRow, totalRounds: number) => void;
  /** Polled after every round; true writes a checkpoint and stops. */
  shouldStop?: () => boolean;
  /** Informational lines. */
  log?: (line: string) => void;
  /** Worker threads training silos in parallel (overrides the config's `workers` and DFLSIM_WORKERS). */
  workers?: number;
  /** Injected trainer (tests); default: the TensorFlow.js trainer of `cfg.model`. */
  trainer?: LocalTrainer;
  /** Where checkpoints go (e.g. Redis for a queued run); default: `checkpoint.bin` in `outDir`. */
  checkpointStore?: CheckpointStore;
  /** `distributeSilos`: train the silos on this Redis queue's workers. */
  siloQueue?: QueueTarget;
  /** Keep a finished run's checkpoint (default: removed once the run is complete). */
  keepCheckpoints?: boolean;
}

/** A place for a run's checkpoint bytes (those of {@link encodeCheckpoint}). */
export interface CheckpointStore {
  /** What to name in errors about the checkpoint (a file, a Redis key). */
  where: string;
  /** The last checkpoint written, or undefined when there is none. */
  read(): Promise<Uint8Array | undefined>;
  /** Store a checkpoint (may complete later; the store keeps the writes in order). */
  write(bytes: Uint8Array): void;
}

/** What a run wrote. */
export interface RunSummary {
  name: string;
  topology: string;
  network: string;
  silos: number;
  rounds: number;
  completed: boolean;
  interrupted: boolean;
  final: MetricRow | null;
  /** 'regression' (driving frames: RMSE) or 'classification' (characters: accuracy); absent in older summaries: regression. */
  task?: 'regression' | 'classification';
  /** RMSE on the test set of predicting the training mean (NaN, null in summary.json, for classification). */
  constantPredictorRmse: number;
  /** Final test RMSE of the averaged model over the constant predictor's. */
  rmseRatioToConstant: number | null;
  /** Classification: test accuracy of always answering the training set's most frequent class (null for regression). */
  majorityClassAccuracy?: number | null;
  /** Classification: final test accuracy of the averaged model. */
  testAccuracy?: number | null;
  /** Classification with `evalSilos`: final test accuracy of each silo's own model, by silo. */
  siloTestAccuracy?: number[] | null;
  /** The topology's cycle time on the run's network and workload (ms per round), when it has one. */
  cycleTimeMs?: number | null;
  /** Mean number of isolated silos per round (the multigraph's weak-only silos), over the rounds run. */
  meanIsolated?: number;
  /** Rounds in which at least one silo was isolated. */
  roundsWithIsolated?: number;
  /** Mean number of silos per round that kept their own model (no strong in-edge; see MetricRow.keptOwn). */
  meanKeptOwn?: number;
  simulatedMs: number;
  wallMs: number;
  /** What the run simulated: clock, model size and compute time with their sources, profile, evaluation period (absent in older summaries). */
  simulated?: SimulationRecord;
  /** Per silo: images or frames; driving data: mean steering and conditions; characters: writers and classes present. */
  shards: {
    silo: number;
    size: number;
    meanSteering?: number;
    conditions?: Record<string, number>;
    writers?: number;
    classes?: number;
    groups?: number;
  }[];
  /** The trained model: its name (or file), input side, trainable parameters; on users' data the samples' shape. */
  model: { name: string; inputSize: number; params: number; inputShape?: number[] };
  /**
   * Backend, compute threads per model, worker threads training silos in parallel, and on
   * wasm the convolution kernels ('native-fma', the same bits on every code path; 'wasm',
   * XNNPACK where the addon is not built, other bits).
   */
  backend: { backend: string; threads: number; workers?: number; kernels?: string };
  seed: number;
  version: string;
  outDir: string;
}

/** What a run simulated, as recorded in its summary and resolved config (and shown by reports). */
export interface SimulationRecord {
  /** The clock in words (`max-plus`, `events, fair sharing, lognormal stragglers (sigma 0.5), failures`). */
  clock: string;
  /** Model size on every link (bits), and where it comes from. */
  modelSizeBits: number;
  modelSizeSource: string;
  /** Compute time of one local step (ms), and where it comes from. */
  computeMs: number;
  computeMsSource: string;
  /** Per-silo compute and access capacities: a CSV file, a generator, or none. */
  siloProfile: string;
  /** Underlay link capacities: ignored, or read from the GML. */
  linkCapacities: string;
  /** Evaluation period (rounds) and the rounds the run was to train (within its budget). */
  evalEvery: number;
  roundsPlanned: number;
  /** The simulated-time budget (ms), if any. */
  simulatedBudgetMs: number | null;
}
