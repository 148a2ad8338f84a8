/**
 * Partitions and train/test splits of a {@link TensorDataset}:
 *
 * - `iid`: samples shuffled and dealt into shards whose sizes differ by at most one;
 * - `dirichlet`: label skew over the classes (for regression, over quantile bins of the
 *   first target). By default each class is split over the silos by proportions drawn from
 *   Dirichlet(alpha) (Yurochkin et al. 2019, "Bayesian nonparametric federated learning of
 *   neural networks"; the label-Dirichlet split of NIID-Bench and Flower Datasets), silos
 *   already holding their share of the samples taking no more (self-balancing): silo sizes
 *   vary, and a tiny alpha gives near-single-class silos. With `sizes: 'equal'`, each
 *   silo's class proportions are drawn instead and equal-sized shards filled slot by slot
 *   (Hsu, Qi & Brown 2019; the driving data's {@link dirichletAssignment}): sizes differ by
 *   at most one, but silos that drew the same class share it, so the skew is capped;
 * - `by-group`: natural silos: whole groups (a group column's values) dealt to silos;
 * - `by-file`: `by-group` where the groups are the files the dataset was read from.
 *
 * Nothing moves silently: every sample is in exactly one shard (`indices` say which), and
 * the splits return the counts a caller reports ("N samples of M went to the test set").
 */
import { DflsimInputError } from '../errors.js';
import { shuffled, type Rng } from '../random.js';
import { binSteering, dirichletAssignment, sampleDirichlet } from './partition.js';
import { classCount, sampleSize, shardOf, subsetTensor, type TensorDataset, type TensorShard } from './tensor-dataset.js';

/** How {@link partitionTensor} deals samples to silos. */
export type TensorPartitionSpec =
  | 'iid'
  | 'by-group'
  | 'by-file'
  | { kind: 'iid' }
  | { kind: 'by-group' }
  | { kind: 'by-file' }
  | {
      kind: 'dirichlet';
      /** Concentration (> 0): small gives each silo few classes, large is near IID. */
      alpha: number;
      /** Regression only: quantile bins of the first target the skew is drawn over (default 5). */
      bins?: number;
      /** `free` (default): each class split over silos, sizes vary; `equal`: shard sizes differ by at most one. */
      sizes?: 'free' | 'equal';
      /** `free` only: the fewest samples a silo may get (default 1); draws are repeated up to 10 times to meet it. */
      minSize?: number;
    };

/** Default number of target bins of a Dirichlet partition of regression data. */
export const DEFAULT_TENSOR_DIRICHLET_BINS = 5;

/**
 * Deal a dataset's samples to `silos` shards.
 *
 * `by-group` keeps groups whole: with as many groups as silos, the k-th group (in order of
 * first appearance, e.g. the files in the order given) goes to silo k; with more groups,
 * groups go largest first to the silo holding the fewest samples so far (ties between
 * equal groups broken by a seeded shuffle, between silos by the lower index). Within a
 * shard, samples keep the dataset's order.
 * @param ds the dataset, with at least `silos` samples (and groups, for `by-group`)
 * @param silos number of silos
 * @param spec the partition
 * @param rng seeded source (the same seed gives the same shards)
 * @param where the field to name in errors (default `partition`)
 * @throws DflsimInputError naming `where` or the dataset's group field: too few samples or
 *   groups, no groups, groups that are not files (`by-file`), a bad alpha or bin count
 */
export function partitionTensor(ds: TensorDataset, silos: number, spec: TensorPartitionSpec, rng: Rng, where = 'partition'): TensorShard[] {
  if (!Number.isInteger(silos) || silos < 1) throw new DflsimInputError(`${where}: silos`, `must be a positive integer, got ${silos}`);
  const kind = typeof spec === 'string' ? spec : spec.kind;
  if (kind === 'by-group' || kind === 'by-file') return byGroup(ds, silos, kind, rng, where);
  if (ds.count < silos) throw new DflsimInputError(ds.name, `has ${ds.count} samples, fewer than the ${silos} silos`);
  if (kind === 'iid') {
    const perm = shuffled(
      Array.from({ length: ds.count }, (_, i) => i),
      rng.fork('iid'),
    );
    return Array.from({ length: silos }, (_, s) =>
      shardOf(ds, sortedIndices(perm.slice(Math.floor((s * ds.count) / silos), Math.floor(((s + 1) * ds.count) / silos))), s),
    );
  }
  if (kind === 'dirichlet' && typeof spec === 'object' && 'alpha' in spec) {
    const { alpha } = spec;
    if (!(alpha > 0) || !Number.isFinite(alpha)) throw new DflsimInputError(`${where}: alpha`, `must be a positive number, got ${alpha}`);
    let bin: ArrayLike<number>;
    let bins: number;
    if (ds.labelKind === 'class') {
      bins = Math.max(1, classCount(ds));
      bin = ds.y;
    } else {
      bins = spec.bins ?? DEFAULT_TENSOR_DIRICHLET_BINS;
      if (!Number.isInteger(bins) || bins < 1 || bins > 1000)
        throw new DflsimInputError(`${where}: bins`, `must be an integer in 1..1000, got ${bins}`);
      const first = Float32Array.from({ length: ds.count }, (_, i) => ds.y[i * ds.targets]);
      bin = binSteering(first, bins, 'quantile').bin;
    }
    const sizes = spec.sizes ?? 'free';
    if (sizes !== 'free' && sizes !== 'equal')
      throw new DflsimInputError(`${where}: sizes`, `must be "free" or "equal", got ${JSON.stringify(sizes)}`);
    const assigned =
      sizes === 'equal'
        ? dirichletAssignment(bin, bins, silos, alpha, rng)
        : dirichletPerClass(bin, bins, silos, alpha, spec.minSize ?? 1, rng, where, ds.labelKind === 'class' ? 'classes' : 'target bins');
    return assigned.map((idx, s) => shardOf(ds, sortedIndices(idx), s));
  }
  throw new DflsimInputError(
    where,
    `unknown partition ${JSON.stringify(spec)}; expected "iid", "by-group", "by-file" or {"kind": "dirichlet", "alpha": ...}`,
  );
}

/** Attempts of {@link dirichletPerClass} at giving every silo `minSize` samples. */
const DIRICHLET_ATTEMPTS = 10;

/**
 * The per-class Dirichlet split: the samples of each bin, shuffled, split over the `n`
 * silos by proportions `p ~ Dirichlet(alpha)` (largest-remainder rounding, ties to the lower
 * silo), where silos already holding `total / n` samples or more get none of the bin. Drawn
 * again (up to {@link DIRICHLET_ATTEMPTS} times, each from its own stream) while a silo ends
 * with fewer than `minSize` samples.
 */
function dirichletPerClass(
  bin: ArrayLike<number>,
  bins: number,
  n: number,
  alpha: number,
  minSize: number,
  rng: Rng,
  where: string,
  binsName: string,
): number[][] {
  if (!Number.isInteger(minSize) || minSize < 0)
    throw new DflsimInputError(`${where}: minSize`, `must be a non-negative integer, got ${minSize}`);
  const total = bin.length;
  if (minSize * n > total)
    throw new DflsimInputError(`${where}: minSize`, `${minSize} samples for each of ${n} silos is more than the ${total} samples`);
  const pools: number[][] = Array.from({ length: bins }, () => []);
  for (let i = 0; i < total; i++) pools[bin[i]].push(i);
  const sr = rng.fork('dirichlet:samples');
  for (let b = 0; b < bins; b++) pools[b] = shuffled(pools[b], sr);
  const fair = total / n;
  let smallest = 0;
  for (let attempt = 0; attempt < DIRICHLET_ATTEMPTS; attempt++) {
    const pr = rng.fork(`dirichlet:proportions:${attempt}`);
    const assigned: number[][] = Array.from({ length: n }, () => []);
    for (let b = 0; b < bins; b++) {
      const pool = pools[b];
      if (pool.length === 0) continue;
      const p = sampleDirichlet(new Array<number>(n).fill(alpha), pr);
      for (let s = 0; s < n; s++) if (assigned[s].length >= fair) p[s] = 0;
      let mass = p.reduce((a, v) => a + v, 0);
      if (!(mass > 0)) {
        // every silo open to this bin drew ~0: split it evenly over the open ones (or over all, if none is open)
        const open = assigned.map((a) => (a.length < fair ? 1 : 0));
        const any = open.some((v) => v > 0);
        for (let s = 0; s < n; s++) p[s] = any ? open[s] : 1;
        mass = p.reduce((a, v) => a + v, 0);
      }
      const counts = largestRemainder(
        p.map((v) => (v / mass) * pool.length),
        pool.length,
      );
      let o = 0;
      for (let s = 0; s < n; s++) {
        for (let k = 0; k < counts[s]; k++) assigned[s].push(pool[o + k]);
        o += counts[s];
      }
    }
    smallest = Math.min(...assigned.map((a) => a.length));
    if (smallest >= minSize) return assigned;
  }
  throw new DflsimInputError(
    `${where}: alpha`,
    `Dirichlet(${alpha}) over ${bins} ${binsName} left a silo with ${smallest} sample${smallest === 1 ? '' : 's'} (fewer than minSize ${minSize}) in ${DIRICHLET_ATTEMPTS} draws: raise alpha, use fewer silos, or sizes "equal"`,
  );
}

/** Integers summing to `total`, each the floor of `shares[i]` plus one for the largest remainders (ties: lower index). */
function largestRemainder(shares: readonly number[], total: number): number[] {
  const counts = shares.map((v) => Math.floor(v));
  let left = total - counts.reduce((a, v) => a + v, 0);
  const order = shares.map((_, i) => i).sort((a, b) => shares[b] - Math.floor(shares[b]) - (shares[a] - Math.floor(shares[a])) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]]++;
  return counts;
}

function sortedIndices(idx: readonly number[]): number[] {
  return [...idx].sort((a, b) => a - b);
}

function byGroup(ds: TensorDataset, silos: number, kind: 'by-group' | 'by-file', rng: Rng, where: string): TensorShard[] {
  if (!ds.groups)
    throw new DflsimInputError(
      where,
      `"${kind}" needs a group per sample, and ${ds.name} has none (${kind === 'by-file' ? 'read the dataset from a list of files, one per silo' : 'name a group column or array'})`,
    );
  if (kind === 'by-file' && ds.groupField !== 'file')
    throw new DflsimInputError(
      where,
      `"by-file" needs a dataset read from a list of files, but ${ds.name}'s groups come from "${ds.groupField ?? '?'}" (use "by-group")`,
    );
  const field = ds.groupField === 'file' ? 'files' : `groups (field "${ds.groupField ?? 'group'}")`;
  const members = new Map<string, number[]>();
  ds.groups.forEach((g, i) => {
    let m = members.get(g);
    if (!m) members.set(g, (m = []));
    m.push(i);
  });
  const names = [...members.keys()];
  if (names.length < silos)
    throw new DflsimInputError(
      ds.groupField === 'file' ? where : `${ds.name}: ${ds.groupField ?? 'group'}`,
      `${ds.name} has ${names.length} ${field}, fewer than the ${silos} silos ("${kind}" keeps each whole)`,
    );
  const owner = new Array<number>(names.length);
  if (names.length === silos) names.forEach((_, k) => (owner[k] = k));
  else {
    const rank = new Map(shuffled(names, rng.fork(kind)).map((g, r) => [g, r]));
    const order = names
      .map((_, k) => k)
      .sort((a, b) => members.get(names[b])!.length - members.get(names[a])!.length || rank.get(names[a])! - rank.get(names[b])!);
    const load = new Array<number>(silos).fill(0);
    for (const k of order) {
      let best = 0;
      for (let s = 1; s < silos; s++) if (load[s] < load[best]) best = s;
      owner[k] = best;
      load[best] += members.get(names[k])!.length;
    }
  }
  const groupOf = new Map(names.map((g, k) => [g, k]));
  const idx: number[][] = Array.from({ length: silos }, () => []);
  ds.groups.forEach((g, i) => idx[owner[groupOf.get(g)!]].push(i));
  return idx.map((ix, s) => shardOf(ds, ix, s));
}

/** Options of {@link splitTensor} and {@link splitShards}. */
export interface TensorSplitOptions {
  /** Share of the samples held out for testing, in (0, 1). */
  testFraction: number;
  /** {@link splitTensor} only: hold out `testFraction` of each class (default true for class labels). */
  stratify?: boolean;
  /** The field to name in errors (default `testFraction`). */
  where?: string;
}

/** A global train/test split and its counts. */
export interface TensorSplit {
  train: TensorDataset;
  test: TensorDataset;
  /** Samples held out. */
  testCount: number;
  /** Samples before the split. */
  total: number;
}

function checkFraction(options: TensorSplitOptions): number {
  const f = options.testFraction;
  if (!(f > 0 && f < 1)) throw new DflsimInputError(options.where ?? 'testFraction', `must be in (0, 1), got ${f}`);
  return f;
}

/** How many of `n` samples a split holds out: `round(f * n)`, at least one on each side when `n >= 2`. */
function heldOut(f: number, n: number): number {
  if (n < 2) return 0;
  return Math.min(Math.max(Math.round(f * n), 1), n - 1);
}

/**
 * A global train/test split: each class's samples (or all samples, for regression or
 * `stratify: false`) shuffled and `round(testFraction * count)` of them held out, at least
 * one on each side of a group of two or more. Both sides keep the dataset's order.
 * @param ds the dataset
 * @param options the test share, stratification
 * @param rng seeded source
 */
export function splitTensor(ds: TensorDataset, options: TensorSplitOptions, rng: Rng): TensorSplit {
  const f = checkFraction(options);
  const strata = new Map<number, number[]>();
  const stratify = (options.stratify ?? true) && ds.labelKind === 'class';
  for (let i = 0; i < ds.count; i++) {
    const key = stratify ? ds.y[i] : 0;
    let m = strata.get(key);
    if (!m) strata.set(key, (m = []));
    m.push(i);
  }
  const test: number[] = [];
  for (const key of [...strata.keys()].sort((a, b) => a - b)) {
    const members = strata.get(key)!;
    const order = shuffled(members, rng.fork(`split:${key}`));
    test.push(...order.slice(0, heldOut(f, members.length)));
  }
  const isTest = new Uint8Array(ds.count);
  for (const i of test) isTest[i] = 1;
  const trainIdx: number[] = [],
    testIdx: number[] = [];
  for (let i = 0; i < ds.count; i++) (isTest[i] ? testIdx : trainIdx).push(i);
  return {
    train: subsetTensor(ds, trainIdx),
    test: subsetTensor(ds, testIdx, `${ds.name} (test)`),
    testCount: testIdx.length,
    total: ds.count,
  };
}

/** A per-silo train/test split and its counts. */
export interface ShardSplit {
  /** Each silo's training part (same silo indices). */
  train: TensorShard[];
  /** Each silo's test part (same silo indices). */
  test: TensorShard[];
  /** Samples held out over all silos. */
  testCount: number;
  /** Samples before the split. */
  total: number;
}

/**
 * Split each silo's shard into train and test (as LEAF's per-user split): each shard's
 * samples shuffled (a stream per silo) and `round(testFraction * size)` held out, at least
 * one on each side of a shard of two or more. Both sides keep the shard's order; `indices`
 * still name the samples of the original dataset.
 * @param shards the partition
 * @param options the test share
 * @param rng seeded source
 */
export function splitShards(shards: readonly TensorShard[], options: TensorSplitOptions, rng: Rng): ShardSplit {
  const f = checkFraction(options);
  const train: TensorShard[] = [],
    test: TensorShard[] = [];
  let testCount = 0,
    total = 0;
  for (const s of shards) {
    const order = shuffled(
      Array.from({ length: s.size }, (_, i) => i),
      rng.fork(`split:${s.silo}`),
    );
    const k = heldOut(f, s.size);
    const held = order.slice(0, k).sort((a, b) => a - b);
    const kept = order.slice(k).sort((a, b) => a - b);
    train.push(pickRows(s, kept));
    test.push(pickRows(s, held));
    testCount += k;
    total += s.size;
  }
  return { train, test, testCount, total };
}

/**
 * Shards concatenated into one (a pooled test set), in order.
 * @param shards the shards (of one dataset)
 * @param silo the result's silo index (default -1)
 */
export function concatShards(shards: readonly TensorShard[], silo = -1): TensorShard {
  if (shards.length === 0) throw new DflsimInputError('shards', 'nothing to concatenate');
  const first = shards[0];
  const per = sampleSize(first.sampleShape);
  const size = shards.reduce((a, s) => a + s.size, 0);
  const x = new Float32Array(size * per);
  const y = new Float32Array(size * first.targets);
  const indices = new Int32Array(size);
  const groups = new Set<string>();
  let o = 0;
  for (const s of shards) {
    x.set(s.x, o * per);
    y.set(s.y, o * first.targets);
    indices.set(s.indices, o);
    for (const g of s.groups ?? []) groups.add(g);
    o += s.size;
  }
  const out: TensorShard = {
    silo,
    x,
    y,
    size,
    sampleShape: [...first.sampleShape],
    targets: first.targets,
    labelKind: first.labelKind,
    indices,
  };
  if (shards.some((s) => s.groups)) out.groups = [...groups];
  return out;
}

/** Rows `rows` (positions within the shard) of a shard, as a shard of the same silo. */
function pickRows(s: TensorShard, rows: readonly number[]): TensorShard {
  const per = sampleSize(s.sampleShape);
  const t = s.targets;
  const x = new Float32Array(rows.length * per);
  const y = new Float32Array(rows.length * t);
  const indices = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    x.set(s.x.subarray(r * per, (r + 1) * per), k * per);
    y.set(s.y.subarray(r * t, (r + 1) * t), k * t);
    indices[k] = s.indices[r];
  });
  const out: TensorShard = {
    silo: s.silo,
    x,
    y,
    size: rows.length,
    sampleShape: [...s.sampleShape],
    targets: t,
    labelKind: s.labelKind,
    indices,
  };
  if (s.groups) out.groups = [...s.groups];
  return out;
}
