/**
 * Character datasets (FEMNIST from LEAF, or the synthetic characters) for the DPASGD
 * engine: LEAF's per-writer train/test split, the `by-writer` partition (whole writers to
 * silos, as LEAF and the multigraph paper split FEMNIST), shards of images with their labels
 * as floats, and the majority-class baseline that a classifier has to beat.
 *
 * Caldas et al., "LEAF: A Benchmark for Federated Settings" (2018): each user's samples are
 * split into train and test ("sample" split), so every writer appears on both sides.
 */
import { DflsimInputError } from '../errors.js';
import { shuffled, type Rng } from '../random.js';
import { CHARACTER_SIZE, type CharacterDataset, type CharacterWriter } from './synthetic-characters.js';

const PIXELS = CHARACTER_SIZE * CHARACTER_SIZE;

/**
 * The images of one silo (or the pooled test set), contiguous: what the engine trains on.
 * `x` is `[size, 28, 28, 1]` row-major, pixels in [0, 1]; `y` the class labels as floats.
 */
export interface CharacterShard {
  /** Silo index (0-based), or -1 for a pooled / test shard. */
  silo: number;
  /** `size * 28 * 28` pixels in [0, 1]. */
  x: Float32Array;
  /** Class label (0..61) of each image, as a float (the trainer's label format). */
  y: Float32Array;
  /** Number of images. */
  size: number;
  /** Ids of the writers contributing images, in order. */
  writers: string[];
}

/** Options of {@link splitWritersSamples}. */
export interface WriterSplitOptions {
  /** Share of each writer's images held out for testing, in (0, 1). */
  testFraction: number;
}

/**
 * LEAF's per-writer split: each writer's images are shuffled (a stream per writer id) and
 * `round(testFraction * count)` of them held out, at least one on each side when the
 * writer has two or more images (a writer with one image keeps it for training).
 * The input is not modified.
 * @param ds the dataset
 * @param options the test share
 * @param rng seeded source (the same seed gives the same split)
 */
export function splitWritersSamples(
  ds: CharacterDataset,
  options: WriterSplitOptions,
  rng: Rng,
): { train: CharacterDataset; test: CharacterDataset } {
  const f = options.testFraction;
  if (!(f > 0 && f < 1)) throw new DflsimInputError('dataset.testFraction', `must be in (0, 1), got ${f}`);
  const train: CharacterWriter[] = [];
  const test: CharacterWriter[] = [];
  for (const w of ds.writers) {
    const order = shuffled(
      Array.from({ length: w.count }, (_, i) => i),
      rng.fork(`split:${w.id}`),
    );
    let k = Math.round(f * w.count);
    if (w.count >= 2) k = Math.min(Math.max(k, 1), w.count - 1);
    else k = 0;
    const pick = (idx: number[]): CharacterWriter => {
      const x = new Float32Array(idx.length * PIXELS);
      const y = new Int32Array(idx.length);
      idx.forEach((s, j) => {
        x.set(w.x.subarray(s * PIXELS, (s + 1) * PIXELS), j * PIXELS);
        y[j] = w.y[s];
      });
      return { id: w.id, x, y, count: idx.length };
    };
    // keep each side in the writer's own image order
    const held = order.slice(0, k).sort((a, b) => a - b);
    const kept = order.slice(k).sort((a, b) => a - b);
    train.push(pick(kept));
    if (held.length) test.push(pick(held));
  }
  return { train: { ...ds, writers: train }, test: { ...ds, writers: test } };
}

/**
 * Writers' images as one shard (in the given order).
 * @param writers the writers
 * @param silo silo index, or -1
 */
export function writersToShard(writers: readonly CharacterWriter[], silo: number): CharacterShard {
  const size = writers.reduce((a, w) => a + w.count, 0);
  const x = new Float32Array(size * PIXELS);
  const y = new Float32Array(size);
  let o = 0;
  for (const w of writers) {
    x.set(w.x.subarray(0, w.count * PIXELS), o * PIXELS);
    for (let i = 0; i < w.count; i++) y[o + i] = w.y[i];
    o += w.count;
  }
  return { silo, x, y, size, writers: writers.map((w) => w.id) };
}

/**
 * The `by-writer` partition: whole writers to `n` silos, dealt round-robin over a seeded
 * shuffle of the writers (writer k of the shuffle goes to silo k mod n). Silos therefore
 * hold `floor(W / n)` or `ceil(W / n)` writers, and their image counts differ as the
 * writers' do.
 * @param ds dataset with at least `n` writers
 * @param n number of silos
 * @param rng seeded source
 * @param where field to name when there are too few writers (default `dataset`)
 */
export function partitionByWriter(ds: CharacterDataset, n: number, rng: Rng, where = 'dataset'): CharacterShard[] {
  if (!Number.isInteger(n) || n < 1) throw new DflsimInputError('partition.silos', `must be a positive integer, got ${n}`);
  if (ds.writers.length < n)
    throw new DflsimInputError(
      where,
      `has ${ds.writers.length} writers, fewer than the ${n} silos (by-writer keeps writers whole: give at least ${n} writers)`,
    );
  const order = shuffled(
    ds.writers.map((_, i) => i),
    rng.fork('by-writer'),
  );
  const groups: CharacterWriter[][] = Array.from({ length: n }, () => []);
  order.forEach((wi, k) => groups[k % n].push(ds.writers[wi]));
  return groups.map((g, s) => writersToShard(g, s));
}

/** Images per class (length `classes`) of labels. */
export function classCounts(y: ArrayLike<number>, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]]++;
  return c;
}

/**
 * Accuracy on `testY` of the majority-class predictor: always answer the most frequent
 * class of `trainY` (the lowest label on ties). The classification counterpart of the
 * constant predictor of the regression runs.
 * @param trainY training labels
 * @param testY labels to score on
 * @param classes number of classes
 */
export function majorityClassAccuracy(trainY: ArrayLike<number>, testY: ArrayLike<number>, classes: number): number {
  if (testY.length === 0) return NaN;
  const counts = classCounts(trainY, classes);
  let best = 0;
  for (let c = 1; c < classes; c++) if (counts[c] > counts[best]) best = c;
  let hit = 0;
  for (let i = 0; i < testY.length; i++) if (testY[i] === best) hit++;
  return hit / testY.length;
}
