/**
 * Partitioners: split a driving dataset into `n` silo shards.
 *
 * - {@link partitionBySequence}: whole sequences per silo, as in the FADNet papers
 *   (Nguyen et al., IEEE IV 2022; Marfoq et al., NeurIPS 2020 assign sequences, not
 *   frames). Grouping sequences by condition makes silos non-IID: each silo mostly sees
 *   its own weather and daytime.
 * - {@link partitionIid}: frames shuffled and dealt into equal shards.
 * - {@link partitionDirichlet}: label skew over a binned steering angle; each silo's
 *   bin proportions are drawn from Dirichlet(alpha) (Hsu, Qi & Brown 2019, "Measuring
 *   the effects of non-identical data distribution for federated visual
 *   classification"). Small alpha: each silo sees few bins; large alpha: near IID.
 */
import { DflsimInputError } from '../errors.js';
import { shuffled as shuffle, type Rng } from '../random.js';
import { allTargets, countFrames, sequenceOffsets, shardFromFrames, type DrivingDataset, type Shard } from './dataset.js';

/** Options of {@link partitionBySequence}. */
export interface BySequenceOptions {
  /**
   * Sort sequences by condition before dealing contiguous blocks, so that each silo
   * mostly sees its own conditions (default true). When false, sequences are shuffled
   * (needs `rng`) and silos are close to IID at the sequence level.
   */
  groupByCondition?: boolean;
  /** Shuffles sequences within each condition (or all of them without grouping); default: dataset order. */
  rng?: Rng;
}

/** Defaults of {@link BySequenceOptions}. */
export const DEFAULT_BY_SEQUENCE_OPTIONS: Readonly<{ groupByCondition: boolean }> = { groupByCondition: true };

/**
 * Assign whole sequences to `n` silos: order the sequences (by condition, then by
 * position or a seeded shuffle), then cut the order into `n` contiguous blocks whose
 * frame counts are as close as possible to `total / n` (every silo gets at least one
 * sequence).
 * @param ds dataset with at least `n` sequences
 * @param n number of silos
 * @param options grouping and shuffling
 */
export function partitionBySequence(ds: DrivingDataset, n: number, options: BySequenceOptions = {}): Shard[] {
  checkSilos(n);
  const m = ds.sequences.length;
  if (m < n) throw new DflsimInputError(`${ds.name}`, `has ${m} sequences, fewer than the ${n} silos (bySequence keeps sequences whole)`);
  const group = options.groupByCondition ?? DEFAULT_BY_SEQUENCE_OPTIONS.groupByCondition;
  if (!group && !options.rng) throw new DflsimInputError('partition.rng', 'bySequence without condition grouping needs a seeded rng');
  let order = ds.sequences.map((_, i) => i);
  if (options.rng) order = shuffle(order, options.rng.fork('bySequence'));
  if (group) {
    const pos = new Map(order.map((si, k) => [si, k]));
    order.sort((a, b) => {
      const ca = ds.sequences[a].condition,
        cb = ds.sequences[b].condition;
      return ca < cb ? -1 : ca > cb ? 1 : pos.get(a)! - pos.get(b)!;
    });
  }
  const lengths = order.map((si) => ds.sequences[si].frames);
  const cuts = balancedCuts(lengths, n);
  const offsets = sequenceOffsets(ds);
  const shards: Shard[] = [];
  for (let s = 0; s < n; s++) {
    const frames: number[] = [];
    for (let k = cuts[s]; k < cuts[s + 1]; k++) {
      const si = order[k];
      for (let g = offsets[si]; g < offsets[si + 1]; g++) frames.push(g);
    }
    shards.push(shardFromFrames(ds, frames, s));
  }
  return shards;
}

/**
 * Frames shuffled and dealt into `n` shards whose sizes differ by at most one.
 * @param ds dataset with at least `n` frames
 * @param n number of silos
 * @param rng seeded source
 */
export function partitionIid(ds: DrivingDataset, n: number, rng: Rng): Shard[] {
  checkSilos(n);
  const total = countFrames(ds);
  if (total < n) throw new DflsimInputError(`${ds.name}`, `has ${total} frames, fewer than the ${n} silos`);
  const perm = shuffle(
    Array.from({ length: total }, (_, i) => i),
    rng.fork('iid'),
  );
  const shards: Shard[] = [];
  for (let s = 0; s < n; s++) {
    const lo = Math.floor((s * total) / n),
      hi = Math.floor(((s + 1) * total) / n);
    shards.push(shardFromFrames(ds, perm.slice(lo, hi), s));
  }
  return shards;
}

/** Options of {@link partitionDirichlet}. */
export interface DirichletOptions {
  /** Concentration of each silo's bin proportions (> 0): small = skewed, large = near IID. */
  alpha: number;
  /** Number of steering bins (default 5). */
  bins?: number;
  /** `quantile` bins hold equal numbers of frames (default); `uniform` bins have equal widths. */
  binning?: 'quantile' | 'uniform';
}

/** Defaults of {@link DirichletOptions} besides `alpha`. */
export const DEFAULT_DIRICHLET_OPTIONS: Readonly<{ bins: number; binning: 'quantile' | 'uniform' }> = {
  bins: 5,
  binning: 'quantile',
};

/**
 * Label-skewed partition: bin the steering angle, draw each silo's bin proportions
 * `q_s ~ Dirichlet(alpha)`, and fill `n` equal-sized shards (sizes differ by at most
 * one) frame by frame, silos taking turns: each slot draws a bin from `q_s`
 * renormalised over the bins that still have frames, then a random frame of that bin.
 * Every frame is assigned exactly once; late slots fall back on the remaining bins, so
 * the realised skew is somewhat below the drawn one.
 * @param ds dataset with at least `n` frames
 * @param n number of silos
 * @param options alpha, bins
 * @param rng seeded source
 */
export function partitionDirichlet(ds: DrivingDataset, n: number, options: DirichletOptions, rng: Rng): Shard[] {
  checkSilos(n);
  const { alpha } = options;
  const bins = options.bins ?? DEFAULT_DIRICHLET_OPTIONS.bins;
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new DflsimInputError('partition.alpha', `must be a positive number, got ${alpha}`);
  if (!Number.isInteger(bins) || bins < 1) throw new DflsimInputError('partition.bins', `must be a positive integer, got ${bins}`);
  const total = countFrames(ds);
  if (total < n) throw new DflsimInputError(`${ds.name}`, `has ${total} frames, fewer than the ${n} silos`);
  const y = allTargets(ds);
  const { bin } = binSteering(y, bins, options.binning ?? DEFAULT_DIRICHLET_OPTIONS.binning);
  const assigned = dirichletAssignment(bin, bins, n, alpha, rng);
  return assigned.map((frames, s) => shardFromFrames(ds, frames, s));
}

/**
 * The slot-filling of {@link partitionDirichlet} on any binned items: draw each silo's bin
 * proportions `q_s ~ Dirichlet(alpha)`, then fill `n` shards whose sizes differ by at most
 * one, silos taking turns, each slot drawing a bin from `q_s` renormalised over the bins
 * that still have items, then a random item of that bin. Every item is assigned exactly
 * once.
 * @param bin each item's bin, in [0, bins)
 * @param bins number of bins
 * @param n number of silos
 * @param alpha concentration (> 0)
 * @param rng seeded source (forks `dirichlet:frames`, `dirichlet:proportions`, `dirichlet:slots`)
 * @returns the item indices of each silo, in the order they were dealt
 */
export function dirichletAssignment(bin: ArrayLike<number>, bins: number, n: number, alpha: number, rng: Rng): number[][] {
  const total = bin.length;
  // Frames of each bin, shuffled; taken from the end.
  const pools: number[][] = Array.from({ length: bins }, () => []);
  for (let g = 0; g < total; g++) pools[bin[g]].push(g);
  const fr = rng.fork('dirichlet:frames');
  for (let b = 0; b < bins; b++) pools[b] = shuffle(pools[b], fr);
  const pr = rng.fork('dirichlet:proportions');
  const q = Array.from({ length: n }, () => sampleDirichlet(new Array<number>(bins).fill(alpha), pr));
  const capacity = Array.from({ length: n }, (_, s) => Math.floor(((s + 1) * total) / n) - Math.floor((s * total) / n));
  const assigned: number[][] = Array.from({ length: n }, () => []);
  const pick = rng.fork('dirichlet:slots');
  let left = total;
  while (left > 0) {
    for (let s = 0; s < n && left > 0; s++) {
      if (assigned[s].length >= capacity[s]) continue;
      let mass = 0;
      for (let b = 0; b < bins; b++) if (pools[b].length > 0) mass += q[s][b];
      let chosen = -1;
      if (mass > 0) {
        let u = pick.next() * mass;
        for (let b = 0; b < bins; b++) {
          if (pools[b].length === 0) continue;
          chosen = b;
          u -= q[s][b];
          if (u < 0) break;
        }
      } else {
        // This silo's bins are exhausted: take from the fullest remaining bin.
        for (let b = 0; b < bins; b++) if (chosen < 0 || pools[b].length > pools[chosen].length) chosen = b;
      }
      assigned[s].push(pools[chosen].pop()!);
      left--;
    }
  }
  return assigned;
}

/**
 * Bin steering values.
 * @param y targets
 * @param bins number of bins
 * @param binning `quantile` (equal counts, default) or `uniform` (equal widths over [min, max])
 * @returns the `bins + 1` edges and each value's bin in [0, bins)
 */
export function binSteering(
  y: ArrayLike<number>,
  bins: number,
  binning: 'quantile' | 'uniform' = 'quantile',
): { edges: number[]; bin: Uint16Array } {
  const n = y.length;
  const sorted = Float64Array.from(y).sort();
  const lo = n ? sorted[0] : 0,
    hi = n ? sorted[n - 1] : 0;
  const edges: number[] = [lo];
  for (let b = 1; b < bins; b++) {
    edges.push(binning === 'uniform' ? lo + ((hi - lo) * b) / bins : sorted[Math.min(n - 1, Math.floor((b * n) / bins))]);
  }
  edges.push(hi);
  const bin = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    while (b < bins - 1 && y[i] >= edges[b + 1]) b++;
    bin[i] = b;
  }
  return { edges, bin };
}

/** A silo's summary, from {@link describeShards}. */
export interface ShardDescription {
  silo: number;
  /** Frames. */
  size: number;
  /** Mean and population standard deviation of the steering angle. */
  meanSteering: number;
  stdSteering: number;
  /** Whole or partial sequences contributing frames. */
  sequences: number;
  /** Frames per condition. */
  conditions: Record<string, number>;
}

/**
 * Per-silo sizes, steering statistics and conditions.
 * @param shards the partition
 */
export function describeShards(shards: readonly Shard[]): ShardDescription[] {
  return shards.map((s) => {
    let m = 0;
    for (let i = 0; i < s.size; i++) m += s.y[i];
    m = s.size ? m / s.size : NaN;
    let v = 0;
    for (let i = 0; i < s.size; i++) v += (s.y[i] - m) ** 2;
    return {
      silo: s.silo,
      size: s.size,
      meanSteering: m,
      stdSteering: s.size ? Math.sqrt(v / s.size) : NaN,
      sequences: s.sequences.length,
      conditions: { ...s.conditions },
    };
  });
}

/**
 * Label skew of a partition: the mean over silos of the total-variation distance
 * between the silo's steering-bin histogram and the pooled one (0 = identical
 * proportions, 1 = disjoint bins).
 * @param shards the partition
 * @param bins number of quantile bins of the pooled steering (default 5)
 */
export function steeringSkew(shards: readonly Shard[], bins = 5): number {
  const total = shards.reduce((a, s) => a + s.size, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const s of shards) {
    all.set(s.y.subarray(0, s.size), o);
    o += s.size;
  }
  const { bin } = binSteering(all, bins);
  const global = new Float64Array(bins);
  for (let i = 0; i < total; i++) global[bin[i]] += 1 / total;
  let tv = 0;
  o = 0;
  for (const s of shards) {
    const h = new Float64Array(bins);
    for (let i = 0; i < s.size; i++) h[bin[o + i]] += 1 / s.size;
    o += s.size;
    let d = 0;
    for (let b = 0; b < bins; b++) d += Math.abs(h[b] - global[b]);
    tv += d / 2;
  }
  return tv / shards.length;
}

/**
 * A Gamma(shape, 1) variate, Marsaglia & Tsang (2000), "A simple method for generating
 * gamma variables", ACM TOMS 26(3). For `shape < 1` it uses the boost
 * `Gamma(shape + 1) * U^(1/shape)`.
 * @param shape k > 0
 * @param rng seeded source
 */
export function sampleGamma(shape: number, rng: Rng): number {
  return Math.exp(logGamma(shape, rng));
}

/**
 * A Dirichlet(alpha) variate (normalised Gamma variates, computed in log space so
 * that tiny alphas do not underflow to an all-zero vector).
 * @param alpha concentrations, each > 0
 * @param rng seeded source
 */
export function sampleDirichlet(alpha: readonly number[], rng: Rng): number[] {
  if (alpha.length === 0) return [];
  const logs = alpha.map((a) => {
    if (!(a > 0)) throw new DflsimInputError('alpha', `Dirichlet concentrations must be > 0, got ${a}`);
    return logGamma(a, rng);
  });
  const mx = Math.max(...logs);
  const e = logs.map((l) => Math.exp(l - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** log of a Gamma(shape, 1) variate (Marsaglia-Tsang, with the boost for shape < 1). */
function logGamma(shape: number, rng: Rng): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new DflsimInputError('shape', `Gamma shape must be a positive number, got ${shape}`);
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return logGamma(shape + 1, rng) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return Math.log(d * v);
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/**
 * Cut `lengths` (in order) into `n` non-empty contiguous blocks whose sums are as close
 * as possible to the ideal `k * total / n` boundaries. Returns `n + 1` cut positions.
 */
function balancedCuts(lengths: readonly number[], n: number): number[] {
  const m = lengths.length;
  const prefix = [0];
  for (const l of lengths) prefix.push(prefix[prefix.length - 1] + l);
  const total = prefix[m];
  const cuts = [0];
  for (let k = 1; k < n; k++) {
    const target = (k * total) / n;
    const lo = cuts[k - 1] + 1,
      hi = m - (n - k);
    let best = lo;
    for (let c = lo; c <= hi; c++) if (Math.abs(prefix[c] - target) < Math.abs(prefix[best] - target)) best = c;
    cuts.push(best);
  }
  cuts.push(m);
  return cuts;
}

function checkSilos(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new DflsimInputError('partition.silos', `must be a positive integer, got ${n}`);
}
