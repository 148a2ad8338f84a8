/**
 * The in-memory format of driving datasets (steering regression from one grayscale
 * frame, as in DroNet and FADNet) and the helpers the DPASGD engine needs around it:
 * shards, pooling, a seeded train/test split by sequence, seeded mini-batches and
 * target statistics.
 *
 * Pixels are raw grayscale values in [0, 255] stored as `Float32`; the model normalises
 * them to [-1, 1] itself. Frames are row-major `height x width` (channels = 1), so a block
 * of `n` frames is an `[n, height, width, 1]` NHWC tensor.
 */
import { DflsimInputError } from '../errors.js';
import type { Rng } from '../random.js';

/** A run of consecutive frames recorded (or generated) under one condition. */
export interface Sequence {
  /** Identifier, unique within its dataset (e.g. the sequence folder name). */
  id: string;
  /** Recording condition (weather/daytime, or the folder name for real datasets). */
  condition: string;
  /** `frames * height * width` pixels, row-major per frame, raw grayscale in [0, 255]. */
  x: Float32Array;
  /** Steering angle per frame (dataset units; the synthetic set uses [-1, 1]). */
  y: Float32Array;
  /** Number of frames. */
  frames: number;
}

/** A dataset: sequences of grayscale frames of one size. */
export interface DrivingDataset {
  /** Name (e.g. `synthetic-driving`, or the root folder's name). */
  name: string;
  /** Frame height in pixels. */
  height: number;
  /** Frame width in pixels. */
  width: number;
  /** Always 1 (grayscale). */
  channels: 1;
  /** The sequences, in a fixed order. */
  sequences: Sequence[];
}

/**
 * The frames of one silo (or of a pooled / evaluation set), contiguous.
 * `x` is `[size, height, width, 1]` row-major; `y` is `[size]` steering angles.
 */
export interface Shard {
  /** Silo index (0-based), or -1 for a pooled / whole-dataset shard. */
  silo: number;
  /** `size * height * width` pixels in [0, 255]. */
  x: Float32Array;
  /** Steering angle per frame. */
  y: Float32Array;
  /** Number of frames. */
  size: number;
  /** Frame height in pixels. */
  height: number;
  /** Frame width in pixels. */
  width: number;
  /** Ids of the sequences contributing at least one frame, in first-seen order. */
  sequences: string[];
  /** Frames per condition. */
  conditions: Record<string, number>;
  /**
   * Global index of each frame in the dataset it came from (frames numbered
   * sequence by sequence, in dataset order): lets callers check that a partition
   * assigns every frame exactly once, and trace a frame back to its sequence.
   */
  frameIndex: Int32Array;
}

/** Summary statistics of steering targets. */
export interface TargetStats {
  /** Number of targets. */
  count: number;
  /** Mean. */
  mean: number;
  /** Population standard deviation (= RMSE of predicting `mean` on the same targets). */
  std: number;
  /** Minimum. */
  min: number;
  /** Maximum. */
  max: number;
}

/** Pixels per frame (`height * width * channels`). */
export function frameLength(ds: Pick<DrivingDataset, 'height' | 'width'>): number {
  return ds.height * ds.width;
}

/** Total frames over all sequences. */
export function countFrames(ds: DrivingDataset): number {
  let n = 0;
  for (const s of ds.sequences) n += s.frames;
  return n;
}

/**
 * The pixels of one frame, as a view (no copy) into the sequence's buffer.
 * @param ds the dataset (for the frame size)
 * @param sequence a sequence of `ds`
 * @param frame 0-based frame number within the sequence
 */
export function frameOf(ds: DrivingDataset, sequence: Sequence, frame: number): Float32Array {
  const len = frameLength(ds);
  if (!Number.isInteger(frame) || frame < 0 || frame >= sequence.frames) {
    throw new DflsimInputError(`sequence ${sequence.id}`, `frame ${frame} out of range [0, ${sequence.frames})`);
  }
  return sequence.x.subarray(frame * len, (frame + 1) * len);
}

/** First global frame index of each sequence (and the total at the end). */
export function sequenceOffsets(ds: DrivingDataset): Int32Array {
  const off = new Int32Array(ds.sequences.length + 1);
  for (let i = 0; i < ds.sequences.length; i++) off[i + 1] = off[i] + ds.sequences[i].frames;
  return off;
}

/** All steering targets of the dataset, in global frame order. */
export function allTargets(ds: DrivingDataset): Float32Array {
  const y = new Float32Array(countFrames(ds));
  let o = 0;
  for (const s of ds.sequences) {
    y.set(s.y.subarray(0, s.frames), o);
    o += s.frames;
  }
  return y;
}

/**
 * Build a shard from global frame indices (copies the frames, in the given order).
 * @param ds source dataset
 * @param frameIndices global frame indices (see {@link Shard.frameIndex})
 * @param silo silo index, or -1
 */
export function shardFromFrames(ds: DrivingDataset, frameIndices: ArrayLike<number>, silo: number): Shard {
  const len = frameLength(ds);
  const offsets = sequenceOffsets(ds);
  const total = offsets[offsets.length - 1];
  const n = frameIndices.length;
  const x = new Float32Array(n * len);
  const y = new Float32Array(n);
  const frameIndex = new Int32Array(n);
  const seen = new Set<number>();
  const sequences: string[] = [];
  const conditions: Record<string, number> = {};
  for (let k = 0; k < n; k++) {
    const g = frameIndices[k];
    if (!Number.isInteger(g) || g < 0 || g >= total) {
      throw new DflsimInputError(`${ds.name}`, `frame index ${g} out of range [0, ${total})`);
    }
    const si = upperBound(offsets, g) - 1;
    const seq = ds.sequences[si];
    const f = g - offsets[si];
    x.set(seq.x.subarray(f * len, (f + 1) * len), k * len);
    y[k] = seq.y[f];
    frameIndex[k] = g;
    if (!seen.has(si)) {
      seen.add(si);
      sequences.push(seq.id);
    }
    conditions[seq.condition] = (conditions[seq.condition] ?? 0) + 1;
  }
  return { silo, x, y, size: n, height: ds.height, width: ds.width, sequences, conditions, frameIndex };
}

/**
 * Whole sequences as one shard (frames in sequence order).
 * @param ds source dataset
 * @param sequenceIndices indices into `ds.sequences`
 * @param silo silo index, or -1
 */
export function shardFromSequences(ds: DrivingDataset, sequenceIndices: readonly number[], silo: number): Shard {
  const offsets = sequenceOffsets(ds);
  const idx: number[] = [];
  for (const si of sequenceIndices) {
    if (!Number.isInteger(si) || si < 0 || si >= ds.sequences.length) {
      throw new DflsimInputError(`${ds.name}`, `sequence index ${si} out of range [0, ${ds.sequences.length})`);
    }
    for (let g = offsets[si]; g < offsets[si + 1]; g++) idx.push(g);
  }
  return shardFromFrames(ds, idx, silo);
}

/** The whole dataset as one shard (silo -1), e.g. for evaluation. */
export function datasetToShard(ds: DrivingDataset): Shard {
  return shardFromSequences(
    ds,
    ds.sequences.map((_, i) => i),
    -1,
  );
}

/**
 * Concatenate shards into one (centralised training on the union of silos' data).
 * The inputs are not modified.
 * @param shards shards of one frame size
 * @param silo silo index of the result (default -1, "pooled")
 */
export function poolShards(shards: readonly Shard[], silo = -1): Shard {
  if (shards.length === 0) throw new DflsimInputError('shards', 'nothing to pool');
  const { height, width } = shards[0];
  let n = 0;
  for (const s of shards) {
    if (s.height !== height || s.width !== width) {
      throw new DflsimInputError(`shards[${s.silo}]`, `frame size ${s.height}x${s.width} differs from ${height}x${width}`);
    }
    n += s.size;
  }
  const len = height * width;
  const x = new Float32Array(n * len);
  const y = new Float32Array(n);
  const frameIndex = new Int32Array(n);
  const sequences: string[] = [];
  const seen = new Set<string>();
  const conditions: Record<string, number> = {};
  let o = 0;
  for (const s of shards) {
    x.set(s.x.subarray(0, s.size * len), o * len);
    y.set(s.y.subarray(0, s.size), o);
    frameIndex.set(s.frameIndex.subarray(0, s.size), o);
    o += s.size;
    for (const id of s.sequences)
      if (!seen.has(id)) {
        seen.add(id);
        sequences.push(id);
      }
    for (const [c, k] of Object.entries(s.conditions)) conditions[c] = (conditions[c] ?? 0) + k;
  }
  return { silo, x, y, size: n, height, width, sequences, conditions, frameIndex };
}

/** Options of {@link splitBySequence}. */
export interface SplitOptions {
  /** Fraction of sequences held out for testing, in (0, 1). */
  testFraction: number;
  /**
   * Split each condition separately so that every condition with at least two
   * sequences appears in both parts (default true).
   */
  stratifyByCondition?: boolean;
}

/** Defaults of {@link SplitOptions}. */
export const DEFAULT_SPLIT_OPTIONS: Required<SplitOptions> = { testFraction: 0.2, stratifyByCondition: true };

/**
 * Seeded train/test split by whole sequences (frames of one sequence never straddle
 * the split, as consecutive frames are nearly identical). The input is not modified;
 * the parts share the sequences' buffers.
 * @param ds dataset with at least two sequences
 * @param options test fraction, stratification
 * @param rng seeded source (the same seed gives the same split)
 */
export function splitBySequence(ds: DrivingDataset, options: SplitOptions, rng: Rng): { train: DrivingDataset; test: DrivingDataset } {
  const o = { ...DEFAULT_SPLIT_OPTIONS, ...options };
  if (!(o.testFraction > 0 && o.testFraction < 1)) {
    throw new DflsimInputError('split.testFraction', `must be in (0, 1), got ${o.testFraction}`);
  }
  if (ds.sequences.length < 2) {
    throw new DflsimInputError(ds.name, `needs at least 2 sequences to split, has ${ds.sequences.length}`);
  }
  const groups = new Map<string, number[]>();
  ds.sequences.forEach((s, i) => {
    const key = o.stratifyByCondition ? s.condition : '';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const isTest = new Array<boolean>(ds.sequences.length).fill(false);
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!;
    const r = rng.fork(`split:${key}`);
    // Fisher-Yates on a copy
    const a = members.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    let k = Math.round(o.testFraction * a.length);
    if (a.length >= 2) k = Math.min(Math.max(k, 1), a.length - 1);
    for (let i = 0; i < k; i++) isTest[a[i]] = true;
  }
  if (isTest.every((t) => !t)) isTest[rng.fork('split:fallback').int(ds.sequences.length)] = true;
  if (isTest.every((t) => t)) isTest[rng.fork('split:fallback').int(ds.sequences.length)] = false;
  return {
    train: { ...ds, sequences: ds.sequences.filter((_, i) => !isTest[i]) },
    test: { ...ds, sequences: ds.sequences.filter((_, i) => isTest[i]) },
  };
}

/**
 * Mean, population standard deviation, min and max of targets.
 * @param y targets (e.g. `shard.y`)
 */
export function targetStats(y: ArrayLike<number>): TargetStats {
  const n = y.length;
  if (n === 0) return { count: 0, mean: NaN, std: NaN, min: NaN, max: NaN };
  let s = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - mean;
    q += d * d;
  }
  return { count: n, mean, std: Math.sqrt(q / n), min, max };
}

/**
 * RMSE of the constant predictor that always outputs the training mean, evaluated on
 * `evalY` (the papers' "constant baseline"). With `evalY` omitted it is evaluated on the
 * training targets themselves (= their standard deviation).
 * @param trainY targets whose mean is the prediction
 * @param evalY targets to score on
 */
export function constantPredictorRmse(trainY: ArrayLike<number>, evalY: ArrayLike<number> = trainY): number {
  const { mean } = targetStats(trainY);
  if (evalY.length === 0) return NaN;
  let q = 0;
  for (let i = 0; i < evalY.length; i++) {
    const d = evalY[i] - mean;
    q += d * d;
  }
  return Math.sqrt(q / evalY.length);
}

/** First index i with a[i] > v in a sorted array. */
function upperBound(a: Int32Array, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
