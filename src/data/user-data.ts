/**
 * Users' own data as a run sees it: a dataset specification from a config (numpy arrays, a
 * CSV table, an image folder, or a dataset a library user registered) read into a
 * {@link TensorDataset}, with its held-out test set when the specification names one.
 *
 * Relative paths resolve against the config's folder. The readers bound sizes and name
 * the file and field of every bad input; this module names the config field.
 */
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { readCsvDataset } from './csv-table.js';
import { readImageFolder, type ImageDecoder } from './image-folder.js';
import { readNpyDataset, readNpzDataset } from './numpy.js';
import { alignTestDataset, checkTensorDataset, type TensorDataset } from './tensor-dataset.js';

/**
 * How features are scaled before training: `none` (as given), `standard` (each feature minus
 * the training samples' mean, over their standard deviation) or `minmax` (each feature to
 * [0, 1] by the training samples' minimum and maximum). The test set is scaled with the
 * training samples' figures.
 */
export type FeatureScaling = 'none' | 'standard' | 'minmax';

/** The label kind a user may force: `class` (classification) or `value` (regression). */
export type LabelTask = 'class' | 'value';

/** Numpy arrays in one `.npz` file, or one file per silo. */
export interface NpzDataSpec {
  kind: 'npz';
  /** A `.npz` path, or a list of them (one per natural silo: partition `by-file`). */
  files: string | readonly string[];
  /** The samples' array (default `x`). */
  x?: string;
  /** The labels' or targets' array (default `y`). */
  y?: string;
  /** An array with a natural-silo key per sample (partition `by-group`). */
  group?: string;
  task?: LabelTask;
  /** A held-out test file (or files) instead of a split. */
  test?: string | readonly string[];
  normalize?: FeatureScaling;
}

/** Two `.npy` files: samples and labels. */
export interface NpyDataSpec {
  kind: 'npy';
  /** The samples' `.npy` file. */
  x: string;
  /** The labels' or targets' `.npy` file. */
  y: string;
  task?: LabelTask;
  /** A held-out test set: `{x, y}` `.npy` files. */
  test?: { x: string; y: string };
  normalize?: FeatureScaling;
}

/** A CSV table: feature columns and a label column. */
export interface CsvDataSpec {
  kind: 'csv';
  file: string;
  /** The label column, or several target columns (regression). */
  label: string | readonly string[];
  /** Feature columns (default: all but the label and group columns). */
  columns?: readonly string[];
  /** A column with each row's natural silo (partition `by-group`). */
  group?: string;
  task?: LabelTask;
  /** A held-out test CSV with the same columns. */
  test?: string;
  normalize?: FeatureScaling;
}

/** A folder of images: one subfolder per class, or a CSV of `file,label`. */
export interface ImageFolderDataSpec {
  kind: 'image-folder';
  root: string;
  /** Side of the square images the model takes (pixels); or `height` and `width`. */
  size?: number;
  height?: number;
  width?: number;
  /** 1 (grayscale, the default) or 3 (RGB). */
  channels?: 1 | 3;
  /** A CSV inside the folder with `file` and `label` columns. */
  labels?: string;
  /** The CSV's column with a natural silo per image. */
  group?: string;
  task?: LabelTask;
  /** A held-out test folder of the same layout. */
  test?: string;
}

/** A dataset a library user registered with {@link registerDataset}. */
export interface RegisteredDataSpec {
  kind: 'registered';
  /** The registered name. */
  name: string;
  /** Passed to the dataset's `load` as given. */
  options?: Record<string, unknown>;
}

/** Any specification of users' own data. */
export type UserDataSpec = NpzDataSpec | NpyDataSpec | CsvDataSpec | ImageFolderDataSpec | RegisteredDataSpec;

/** Kinds of {@link UserDataSpec}. */
export const USER_DATA_KINDS: readonly UserDataSpec['kind'][] = ['npz', 'npy', 'csv', 'image-folder', 'registered'];

/** What a registered dataset's `load` receives besides its options. */
export interface DatasetLoadContext {
  /** The folder relative paths resolve against (the config's). */
  baseDir: string;
  /** The run's seed (for generated data). */
  seed: number;
  /** The config field of the dataset, for errors (`exp.json: dataset`). */
  where: string;
}

/** A dataset a library user adds: `load` returns the data (and optionally a held-out test set). */
export interface DatasetDefinition {
  /** One line for `--help`-like listings. */
  description?: string;
  /**
   * Returns the samples (split by the config's `testFraction`), or `{train, test}` with a
   * held-out test set; may be async. `options` is the config's `dataset.options` as given.
   */
  load(
    options: Record<string, unknown>,
    ctx: DatasetLoadContext,
  ):
    | TensorDataset
    | { train: TensorDataset; test?: TensorDataset }
    | Promise<TensorDataset | { train: TensorDataset; test?: TensorDataset }>;
}

const registered = new Map<string, DatasetDefinition>();

/**
 * Register a dataset under a name, for configs that give `"dataset": {"kind": "registered",
 * "name": ..., "options": {...}}` (in this process: register before running). The data stay
 * in the main thread (worker threads receive batches), so a registered dataset works with
 * any number of workers.
 * @param name a new name (letters, digits, `-`, `_`, `.`)
 * @param definition its loader
 * @throws DflsimInputError on a bad or taken name, or a definition without `load`
 */
export function registerDataset(name: string, definition: DatasetDefinition): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new DflsimInputError('registerDataset: name', `must be 1-64 letters, digits, '-', '_' or '.', got ${JSON.stringify(name)}`);
  if (!definition || typeof definition.load !== 'function')
    throw new DflsimInputError(`registerDataset: ${name}`, 'needs a definition with a load(options, ctx) function');
  if (registered.has(name)) throw new DflsimInputError('registerDataset: name', `"${name}" is already registered`);
  registered.set(name, definition);
}

/** Names of registered datasets, sorted. */
export function registeredDatasetNames(): string[] {
  return [...registered.keys()].sort();
}

/** Forget a registered dataset (tests). */
export function unregisterDataset(name: string): boolean {
  return registered.delete(name);
}

/** A loaded dataset, its held-out test set if the specification gives one, and where it came from. */
export interface LoadedUserData {
  train: TensorDataset;
  test?: TensorDataset;
}

/** Options of {@link loadUserData}. */
export interface LoadUserDataOptions {
  /** Folder that relative paths resolve against (the config's). */
  baseDir: string;
  /** Config field prefix for errors, e.g. `exp.json: dataset`. */
  where: string;
  /** The run's seed (registered datasets). */
  seed: number;
  /** Image side when an image folder gives none (the model's input). */
  imageSize?: number;
  /** Image decoder (tests). */
  decode?: ImageDecoder;
}

const within = (base: string, p: string) => path.resolve(base, p);

/**
 * Read a user's dataset (and its held-out test set).
 * @param spec the config's `dataset`
 * @param opts base folder, error prefix, seed, image size
 * @throws DflsimInputError naming the config field or the file
 */
export async function loadUserData(spec: UserDataSpec, opts: LoadUserDataOptions): Promise<LoadedUserData> {
  const { baseDir, where } = opts;
  const task = 'task' in spec ? spec.task : undefined;
  const common = { where, ...(task ? { task } : {}) };
  let train: TensorDataset;
  let test: TensorDataset | undefined;
  switch (spec.kind) {
    case 'npz': {
      const files = (f: string | readonly string[]) => (typeof f === 'string' ? within(baseDir, f) : f.map((g) => within(baseDir, g)));
      const arrays = { ...(spec.x ? { x: spec.x } : {}), ...(spec.y ? { y: spec.y } : {}), ...(spec.group ? { group: spec.group } : {}) };
      train = readNpzDataset(files(spec.files), { ...arrays, ...common });
      if (spec.test !== undefined) {
        const { group: _g, ...noGroup } = arrays;
        test = readNpzDataset(files(spec.test), { ...noGroup, ...common, where: `${where}.test` });
      }
      break;
    }
    case 'npy':
      train = readNpyDataset(within(baseDir, spec.x), within(baseDir, spec.y), common);
      if (spec.test !== undefined)
        test = readNpyDataset(within(baseDir, spec.test.x), within(baseDir, spec.test.y), { ...common, where: `${where}.test` });
      break;
    case 'csv': {
      const o = { label: spec.label, ...(spec.columns ? { columns: spec.columns } : {}), ...common };
      train = readCsvDataset(within(baseDir, spec.file), { ...o, ...(spec.group ? { group: spec.group } : {}) });
      if (spec.test !== undefined) test = readCsvDataset(within(baseDir, spec.test), { ...o, where: `${where}.test` });
      break;
    }
    case 'image-folder': {
      const side = spec.size ?? opts.imageSize;
      if (side === undefined && (spec.height === undefined || spec.width === undefined))
        throw new DflsimInputError(`${where}.size`, 'give the image side the model takes (pixels), or height and width');
      const o = {
        ...(spec.height !== undefined && spec.width !== undefined ? { height: spec.height, width: spec.width } : { size: side }),
        channels: spec.channels ?? 1,
        ...(spec.labels ? { labels: spec.labels } : {}),
        ...(opts.decode ? { decode: opts.decode } : {}),
        ...common,
      };
      train = await readImageFolder(within(baseDir, spec.root), { ...o, ...(spec.group ? { group: spec.group } : {}) });
      if (spec.test !== undefined) test = await readImageFolder(within(baseDir, spec.test), { ...o, where: `${where}.test` });
      break;
    }
    case 'registered': {
      const def = registered.get(spec.name);
      if (!def) {
        const known = registeredDatasetNames();
        throw new DflsimInputError(
          `${where}.name`,
          `no dataset "${spec.name}" is registered${didYouMean(spec.name, known)}${known.length ? ` (registered: ${known.join(', ')})` : ' (a library user registers one with registerDataset before running)'}`,
        );
      }
      const got = await def.load(spec.options ?? {}, { baseDir, seed: opts.seed, where });
      const pair = got && typeof got === 'object' && 'train' in got ? got : { train: got as TensorDataset };
      try {
        checkTensorDataset(pair.train);
        if (pair.test) checkTensorDataset(pair.test);
      } catch (e) {
        if (e instanceof DflsimInputError)
          throw new DflsimInputError(`${where} (registered "${spec.name}")`, `${e.where}: ${e.message.slice(e.where.length + 2)}`);
        throw e;
      }
      train = pair.train;
      test = pair.test;
      break;
    }
    default:
      throw new DflsimInputError(
        `${where}.kind`,
        `unknown kind "${String((spec as { kind?: unknown }).kind)}" (users' data: ${USER_DATA_KINDS.join(', ')})`,
      );
  }
  return test ? { train, test: alignTestDataset(train, test) } : { train };
}

/**
 * Scale features in place by the training shards' per-feature figures ({@link FeatureScaling}).
 * Sums run in float64 over the shards in order, samples in order; a feature with no spread is
 * only shifted.
 * @returns one line for the log, or undefined for `none`
 */
export function scaleFeatures(
  scaling: FeatureScaling,
  train: readonly { x: Float32Array; size: number }[],
  others: readonly { x: Float32Array; size: number }[],
  features: number,
): string | undefined {
  if (scaling === 'none') return undefined;
  const a = new Float64Array(features);
  const b = new Float64Array(features);
  let n = 0;
  if (scaling === 'standard') {
    for (const s of train) for (let i = 0; i < s.size * features; i++) a[i % features] += s.x[i];
    for (const s of train) n += s.size;
    for (let j = 0; j < features; j++) a[j] /= n;
    for (const s of train) for (let i = 0; i < s.size * features; i++) b[i % features] += (s.x[i] - a[i % features]) ** 2;
    for (let j = 0; j < features; j++) b[j] = Math.sqrt(b[j] / n) || 1;
  } else {
    a.fill(Infinity);
    b.fill(-Infinity);
    for (const s of train)
      for (let i = 0; i < s.size * features; i++) {
        const j = i % features;
        if (s.x[i] < a[j]) a[j] = s.x[i];
        if (s.x[i] > b[j]) b[j] = s.x[i];
      }
    for (let j = 0; j < features; j++) b[j] = b[j] - a[j] || 1;
  }
  const seen = new Set<Float32Array>();
  for (const s of [...train, ...others]) {
    if (seen.has(s.x)) continue;
    seen.add(s.x);
    for (let i = 0; i < s.size * features; i++) s.x[i] = (s.x[i] - a[i % features]) / b[i % features];
  }
  return scaling === 'standard'
    ? `features standardised by the training samples' mean and standard deviation (${features} features)`
    : `features scaled to [0, 1] by the training samples' minimum and maximum (${features} features)`;
}
