/**
 * The general in-memory format of a user's own data: samples of any shape as one
 * row-major `Float32Array`, with class labels or regression targets, and optionally a
 * natural-silo key per sample. The readers (`numpy.ts`, `csv-table.ts`, `image-folder.ts`)
 * produce it; `tensor-partition.ts` deals it to silos and splits it.
 *
 * Labels follow one rule for every reader ({@link resolveLabels}):
 * - strings are class names; `classes` is their sorted set (code-unit order) and a label is
 *   an index into it;
 * - integers (an integer array, or integer text) are class indices themselves: `classes`
 *   is `'0'..'max'`, so that files with different classes present still agree;
 * - other numbers are regression targets.
 * A reader's `task` option overrides the guess (`'value'` for integer targets, `'class'`
 * for integer-valued floats).
 */
import { DflsimInputError } from '../errors.js';

/** A dataset in memory: `count` samples of `sampleShape`, with labels or targets. */
export interface TensorDataset {
  /** Name, e.g. the file or folder name. */
  name: string;
  /** One sample's shape without the batch axis: `[28, 28, 1]`, `[features]`, ... */
  sampleShape: number[];
  /** Number of samples. */
  count: number;
  /** `count * prod(sampleShape)` values, row-major. */
  x: Float32Array;
  /** Classification labels or regression targets. */
  labelKind: 'class' | 'value';
  /** `'class'`: the class index per sample (`count` floats); `'value'`: `count * targets`. */
  y: Float32Array;
  /** Regression outputs per sample (1 for `'class'`). */
  targets: number;
  /** `'class'`: class names, index = label (sorted, stable). */
  classes?: string[];
  /** Optional natural-silo key per sample (a group column's value, a source file name, ...). */
  groups?: string[];
  /**
   * Where `groups` come from: `'file'` when each sample's group is the file it was read
   * from (a list of files), else the column or array name (`hospital`, `silo`). Names the
   * field in errors and lets the `by-file` partition check that groups are files.
   */
  groupField?: string;
}

/** One silo's samples (or a test set), contiguous, in the trainer's format. */
export interface TensorShard {
  /** Silo index (0-based), or -1 for a pooled / test shard. */
  silo: number;
  /** `size * prod(sampleShape)` values. */
  x: Float32Array;
  /** `size` class indices, or `size * targets` targets. */
  y: Float32Array;
  /** Number of samples. */
  size: number;
  /** One sample's shape. */
  sampleShape: number[];
  /** Regression outputs per sample (1 for `'class'`). */
  targets: number;
  /** Classification or regression. */
  labelKind: 'class' | 'value';
  /** Index of each sample in the dataset it was taken from (checks "every sample exactly once"). */
  indices: Int32Array;
  /**
   * The distinct groups contributing samples, in first-seen order (when the dataset has
   * groups); after `splitShards`, the groups of the shard each part was split from.
   */
  groups?: string[];
}

/** Largest number of classes a reader accepts (an integer label above it is a mistake, not a class). */
export const MAX_CLASSES = 100_000;

/** Largest number of regression targets per sample. */
export const MAX_TARGETS = 4096;

/** Default bound on the bytes a reader holds for one dataset (2 GiB). */
export const DEFAULT_MAX_DATASET_BYTES = 2 * 1024 ** 3;

/** The number of values in one sample: the product of `shape` (1 for `[]`). */
export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The labels of one part of a dataset (a file, a table), as read, before the task is known.
 * `values` holds `count * width` numbers, or `count` strings (then `width` is 1).
 */
export interface RawLabels {
  /** The file they come from, for errors. */
  file: string;
  /** The array, column or field within the file (`y`, `label`), for errors. */
  field: string;
  /** The values, row-major. */
  values: ArrayLike<number> | readonly string[];
  /** True when the values are integers by type (an integer dtype, integer text). */
  integer: boolean;
  /** Values per sample. */
  width: number;
  /** For text sources: the line of each sample (1-based), to name in errors. */
  lines?: ArrayLike<number>;
}

/** What {@link resolveLabels} decides. */
export interface ResolvedLabels {
  labelKind: 'class' | 'value';
  /** One `Float32Array` per part, in order. */
  y: Float32Array[];
  targets: number;
  classes?: string[];
}

function isStrings(v: RawLabels['values']): v is readonly string[] {
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string');
}

function whereOf(part: RawLabels): string {
  return `${part.file}: ${part.field}`;
}

/** Where sample `i`'s label is: `file:line: column` for text, `file: field[i]` for arrays. */
function at(part: RawLabels, i: number): string {
  return part.lines ? `${part.file}:${part.lines[i]}: ${part.field}` : `${part.file}: ${part.field}[${i}]`;
}

/**
 * Decide the label kind of one or more parts of a dataset together (the files of one
 * dataset, or a training file and its held-out test file), and convert them.
 * @param parts each part's raw labels
 * @param task `'class'` or `'value'` to override the guess (strings are always classes)
 * @param taskWhere the field to name when `task` does not fit the labels
 * @throws DflsimInputError naming the part (and line or index) of a label that does not fit
 */
export function resolveLabels(parts: readonly RawLabels[], task?: 'class' | 'value', taskWhere = 'task'): ResolvedLabels {
  const strings = parts.some((p) => isStrings(p.values));
  if (strings) {
    if (task === 'value') {
      const p = parts.find((q) => isStrings(q.values))!;
      throw new DflsimInputError(
        taskWhere,
        `is "value" (regression) but ${whereOf(p)} holds text labels such as "${(p.values as string[])[0]}"`,
      );
    }
    const names = new Set<string>();
    for (const p of parts) {
      if (p.width !== 1) throw new DflsimInputError(whereOf(p), `class labels need one value per sample, got ${p.width}`);
      if (isStrings(p.values)) for (const s of p.values) names.add(s);
      else for (let i = 0; i < p.values.length; i++) names.add(numberName(p.values[i]));
    }
    const classes = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (classes.length > MAX_CLASSES)
      throw new DflsimInputError(whereOf(parts[0]), `has ${classes.length} distinct labels, more than ${MAX_CLASSES}`);
    const index = new Map(classes.map((c, i) => [c, i]));
    const y = parts.map((p) => {
      const out = new Float32Array(p.values.length);
      for (let i = 0; i < p.values.length; i++) {
        const v = p.values[i];
        out[i] = index.get(typeof v === 'string' ? v : numberName(v))!;
      }
      return out;
    });
    return { labelKind: 'class', y, targets: 1, classes };
  }
  const kind: 'class' | 'value' = task ?? (parts.every((p) => p.integer && p.width === 1) ? 'class' : 'value');
  if (kind === 'value') {
    const width = parts[0]?.width ?? 1;
    for (const p of parts) {
      if (p.width !== width)
        throw new DflsimInputError(whereOf(p), `has ${p.width} targets per sample, but ${whereOf(parts[0])} has ${width}`);
      if (width > MAX_TARGETS) throw new DflsimInputError(whereOf(p), `has ${width} targets per sample, more than ${MAX_TARGETS}`);
    }
    const y = parts.map((p) => {
      const v = p.values as ArrayLike<number>;
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) throw new DflsimInputError(at(p, Math.floor(i / p.width)), `target ${v[i]} is not a finite number`);
        out[i] = v[i];
      }
      return out;
    });
    return { labelKind: 'value', y, targets: width };
  }
  let max = -1;
  for (const p of parts) {
    if (p.width !== 1)
      throw new DflsimInputError(
        whereOf(p),
        `class labels need one value per sample, got ${p.width} (use task "value" for several targets)`,
      );
    const v = p.values as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) {
      const l = v[i];
      if (!Number.isInteger(l) || l < 0 || l >= MAX_CLASSES)
        throw new DflsimInputError(
          at(p, i),
          `class label ${l} is not an integer in 0..${MAX_CLASSES - 1}${task === 'class' ? ' (task is "class")' : ' (for regression targets, set task "value")'}`,
        );
      if (l > max) max = l;
    }
  }
  const classes = Array.from({ length: max + 1 }, (_, c) => String(c));
  return { labelKind: 'class', y: parts.map((p) => Float32Array.from(p.values as ArrayLike<number>)), targets: 1, classes };
}

function numberName(v: number): string {
  return String(v);
}

/**
 * Check a dataset's invariants (lengths agree with `count`, `sampleShape` and `targets`;
 * labels are class indices within `classes`; groups one per sample).
 * @throws DflsimInputError naming the dataset and the field
 */
export function checkTensorDataset(ds: TensorDataset): void {
  const w = ds.name;
  if (!Number.isInteger(ds.count) || ds.count < 0)
    throw new DflsimInputError(`${w}: count`, `must be a non-negative integer, got ${ds.count}`);
  if (!ds.sampleShape.every((d) => Number.isInteger(d) && d >= 1))
    throw new DflsimInputError(`${w}: sampleShape`, `dimensions must be positive integers, got [${ds.sampleShape.join(', ')}]`);
  const per = sampleSize(ds.sampleShape);
  if (ds.x.length !== ds.count * per)
    throw new DflsimInputError(`${w}: x`, `has ${ds.x.length} values, expected ${ds.count} samples x ${per} = ${ds.count * per}`);
  const targets = ds.labelKind === 'class' ? 1 : ds.targets;
  if (ds.labelKind === 'class' && ds.targets !== 1)
    throw new DflsimInputError(`${w}: targets`, `must be 1 for class labels, got ${ds.targets}`);
  if (ds.y.length !== ds.count * targets)
    throw new DflsimInputError(`${w}: y`, `has ${ds.y.length} values, expected ${ds.count} samples x ${targets} = ${ds.count * targets}`);
  if (ds.labelKind === 'class') {
    const k = ds.classes?.length;
    for (let i = 0; i < ds.count; i++) {
      const l = ds.y[i];
      if (!Number.isInteger(l) || l < 0 || (k !== undefined && l >= k))
        throw new DflsimInputError(`${w}: y[${i}]`, `class label ${l} is not an index into the ${k ?? '?'} classes`);
    }
  }
  if (ds.groups && ds.groups.length !== ds.count)
    throw new DflsimInputError(`${w}: groups`, `has ${ds.groups.length} entries for ${ds.count} samples`);
}

/**
 * The samples `indices` of `ds` as a shard (in the given order).
 * @param ds the dataset
 * @param indices sample indices
 * @param silo silo index, or -1
 */
export function shardOf(ds: TensorDataset, indices: ArrayLike<number>, silo: number): TensorShard {
  const per = sampleSize(ds.sampleShape);
  const t = ds.labelKind === 'class' ? 1 : ds.targets;
  const n = indices.length;
  const x = new Float32Array(n * per);
  const y = new Float32Array(n * t);
  const idx = new Int32Array(n);
  const seen = ds.groups ? new Set<string>() : undefined;
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    idx[k] = i;
    x.set(ds.x.subarray(i * per, (i + 1) * per), k * per);
    y.set(ds.y.subarray(i * t, (i + 1) * t), k * t);
    seen?.add(ds.groups![i]);
  }
  const shard: TensorShard = { silo, x, y, size: n, sampleShape: [...ds.sampleShape], targets: t, labelKind: ds.labelKind, indices: idx };
  if (seen) shard.groups = [...seen];
  return shard;
}

/**
 * The samples `indices` of `ds` as a new dataset (in the given order).
 * @param ds the dataset
 * @param indices sample indices
 * @param name the new dataset's name (default: `ds.name`)
 */
export function subsetTensor(ds: TensorDataset, indices: ArrayLike<number>, name = ds.name): TensorDataset {
  const s = shardOf(ds, indices, -1);
  const out: TensorDataset = {
    name,
    sampleShape: [...ds.sampleShape],
    count: s.size,
    x: s.x,
    labelKind: ds.labelKind,
    y: s.y,
    targets: ds.targets,
  };
  if (ds.classes) out.classes = [...ds.classes];
  if (ds.groups) out.groups = Array.from(s.indices, (i) => ds.groups![i]);
  if (ds.groupField !== undefined) out.groupField = ds.groupField;
  return out;
}

/** Counts per class, or per-target mean and standard deviation, from {@link datasetSummary}. */
export interface DatasetSummary {
  name: string;
  count: number;
  sampleShape: number[];
  labelKind: 'class' | 'value';
  /** `'class'`: samples per class, in class order. */
  classCounts?: { name: string; count: number }[];
  /** `'value'`: mean and population standard deviation of each target. */
  targetStats?: { mean: number; std: number }[];
  /** Distinct groups, when the dataset has them. */
  groups?: number;
  /** One line for a log. */
  text: string;
}

/**
 * Sizes and label statistics of a dataset, for logs.
 * @param ds the dataset
 */
export function datasetSummary(ds: TensorDataset): DatasetSummary {
  const base = `${ds.name}: ${ds.count} sample${ds.count === 1 ? '' : 's'} of [${ds.sampleShape.join(', ')}]`;
  const groups = ds.groups ? new Set(ds.groups).size : undefined;
  const groupText = groups !== undefined ? `; ${groups} group${groups === 1 ? '' : 's'} (${ds.groupField ?? 'groups'})` : '';
  if (ds.labelKind === 'class') {
    const k = ds.classes?.length ?? classCount(ds);
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < ds.count; i++) counts[ds.y[i]]++;
    const classCounts = counts.map((count, c) => ({ name: ds.classes?.[c] ?? String(c), count }));
    const text = `${base}; ${k} class${k === 1 ? '' : 'es'}: ${classCounts.map((c) => `${c.name} ${c.count}`).join(', ')}${groupText}`;
    const out: DatasetSummary = { name: ds.name, count: ds.count, sampleShape: [...ds.sampleShape], labelKind: 'class', classCounts, text };
    if (groups !== undefined) out.groups = groups;
    return out;
  }
  const t = ds.targets;
  const targetStats = Array.from({ length: t }, (_, j) => {
    let m = 0;
    for (let i = 0; i < ds.count; i++) m += ds.y[i * t + j];
    m = ds.count ? m / ds.count : NaN;
    let v = 0;
    for (let i = 0; i < ds.count; i++) v += (ds.y[i * t + j] - m) ** 2;
    return { mean: m, std: ds.count ? Math.sqrt(v / ds.count) : NaN };
  });
  const text = `${base}; ${t} target${t === 1 ? '' : 's'}: ${targetStats.map((s) => `mean ${fmt(s.mean)} std ${fmt(s.std)}`).join(', ')}${groupText}`;
  const out: DatasetSummary = { name: ds.name, count: ds.count, sampleShape: [...ds.sampleShape], labelKind: 'value', targetStats, text };
  if (groups !== undefined) out.groups = groups;
  return out;
}

/**
 * The number of classes of a class-labelled dataset: `classes.length`, or one more than the
 * largest label when `classes` is missing.
 */
export function classCount(ds: TensorDataset): number {
  if (ds.classes) return ds.classes.length;
  let k = 0;
  for (let i = 0; i < ds.count; i++) if (ds.y[i] + 1 > k) k = ds.y[i] + 1;
  return k;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}

/**
 * A held-out test dataset made to fit a training dataset: the same sample shape, label kind
 * and targets; class labels re-indexed into the training set's classes (by name).
 * @param train the training dataset
 * @param test the test dataset (e.g. another file)
 * @returns the test dataset with `classes` equal to the training set's
 * @throws DflsimInputError naming both datasets when shapes, kinds or targets differ, or a
 *   test class is not among the training classes
 */
export function alignTestDataset(train: TensorDataset, test: TensorDataset): TensorDataset {
  const both = `${test.name} (test) and ${train.name} (training)`;
  if (train.sampleShape.length !== test.sampleShape.length || train.sampleShape.some((d, i) => d !== test.sampleShape[i]))
    throw new DflsimInputError(
      test.name,
      `sample shape [${test.sampleShape.join(', ')}] differs from ${train.name}'s [${train.sampleShape.join(', ')}]: ${both} must have samples of one shape`,
    );
  if (train.labelKind !== test.labelKind)
    throw new DflsimInputError(test.name, `has ${kindText(test.labelKind)} but ${train.name} has ${kindText(train.labelKind)}`);
  if (train.labelKind === 'value') {
    if (train.targets !== test.targets)
      throw new DflsimInputError(test.name, `has ${test.targets} targets per sample but ${train.name} has ${train.targets}`);
    return test;
  }
  const trainClasses = train.classes ?? [];
  const index = new Map(trainClasses.map((c, i) => [c, i]));
  const y = new Float32Array(test.count);
  for (let i = 0; i < test.count; i++) {
    const name = test.classes?.[test.y[i]] ?? String(test.y[i]);
    const j = index.get(name);
    if (j === undefined)
      throw new DflsimInputError(
        test.name,
        `sample ${i} has class "${name}", which ${train.name} does not have (its classes: ${trainClasses.slice(0, 20).join(', ')}${trainClasses.length > 20 ? ', ...' : ''})`,
      );
    y[i] = j;
  }
  return { ...test, y, classes: [...trainClasses] };
}

function kindText(kind: 'class' | 'value'): string {
  return kind === 'class' ? 'class labels' : 'regression targets';
}
