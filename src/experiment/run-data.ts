/**
 * A run's data: the dataset loaded or generated, split into train and test, partitioned
 * over the silos (or pooled), and the baseline a model must beat (the constant predictor,
 * the majority class).
 */
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import {
  constantPredictorRmse,
  countFrames,
  datasetToShard,
  poolShards,
  splitBySequence,
  type DrivingDataset,
  type Shard,
} from '../data/dataset.js';
import { partitionBySequence, partitionDirichlet, partitionIid } from '../data/partition.js';
import { CHARACTER_DATASET_KINDS, loadCharacterDataset, loadDataset } from '../data/registry.js';
import { majorityClassAccuracy, partitionByWriter, splitWritersSamples, writersToShard, type CharacterShard } from '../data/characters.js';
import { CHARACTER_CLASSES } from '../data/character-glyphs.js';
import type { CharacterDataset } from '../data/synthetic-characters.js';
import { loadUserData, scaleFeatures, USER_DATA_KINDS, type LoadedUserData, type UserDataSpec } from '../data/user-data.js';
import { concatShards, partitionTensor, splitShards, type TensorPartitionSpec } from '../data/tensor-partition.js';
import { classCount, sampleSize, shardOf, type TensorDataset, type TensorShard } from '../data/tensor-dataset.js';
import { createRng } from '../random.js';
import { resolveConfigPath, type TrainConfig } from './config.js';
import { getTopologyValue, topologyNames } from '../overlay/catalogue.js';
import type { Topology } from '../overlay/topology.js';
import { isBuiltinModel, type LossName } from '../learning/model-registry.js';
import type { DataShape } from '../learning/model-data.js';
import type { CreateModelOptions } from '../learning/tf/models/registry.js';
import type { ModelSpec } from '../learning/tf/models/build.js';

/** The training shards of a driving dataset over `n` silos, by the config's partition. */
export function partition(cfg: TrainConfig, train: DrivingDataset, n: number, configFile: string): Shard[] {
  const rng = createRng(cfg.seed).fork('partition');
  if (cfg.partition === 'by-sequence') return partitionBySequence(train, n);
  if (cfg.partition === 'iid') return partitionIid(train, n, rng);
  if (typeof cfg.partition === 'string')
    throw new DflsimInputError(
      `${configFile}: partition`,
      `"${cfg.partition}" needs ${cfg.partition === 'by-writer' ? 'a character dataset' : "a user's own dataset"}; dataset "${cfg.dataset.kind}" has sequences`,
    );
  return partitionDirichlet(train, n, { alpha: cfg.partition.alpha, bins: cfg.partition.bins }, rng);
}

/** Whether a config trains on characters (classification) rather than driving frames (regression). */
export function isCharacterConfig(cfg: Pick<TrainConfig, 'dataset'>): boolean {
  return (CHARACTER_DATASET_KINDS as readonly string[]).includes(cfg.dataset.kind);
}

/** The data of a run: silo shards, the common test set and the dataset, by task. */
export type PreparedData =
  | { source: 'driving'; task: 'regression'; shards: Shard[]; test: Shard; dataset: DrivingDataset; heldOut: HeldOut }
  | {
      source: 'characters';
      task: 'classification';
      shards: CharacterShard[];
      test: CharacterShard;
      dataset: CharacterDataset;
      heldOut: HeldOut;
    }
  | {
      source: 'user';
      task: 'regression' | 'classification';
      shards: TensorShard[];
      test: TensorShard;
      dataset: TensorDataset;
      heldOut: HeldOut;
    };

/** What went to the test set, for the log: nothing of a user's data moves silently. */
export interface HeldOut {
  /** One line: "13 of 66 sequences went to the test set (testFraction 0.2 of each condition)". */
  text: string;
}

/** Whether a config trains on a user's own data (npz, npy, csv, image-folder, registered). */
export function isUserDataConfig(cfg: Pick<TrainConfig, 'dataset'>): boolean {
  return (USER_DATA_KINDS as readonly string[]).includes(cfg.dataset.kind);
}

/**
 * A user's data: read (with its held-out test set, if the config names one), partitioned
 * over the silos by the config's partition, and, without a test file, each silo's shard
 * split into train and test (`testFraction` of each silo: the test set is the silos' held-out
 * parts together, so every silo's data is represented in it). Pooled topologies train on the
 * silos' training parts together.
 * @param imageSize the model's input side, for an image folder without `size`
 */
export async function prepareUserData(cfg: TrainConfig, configFile: string, silos: number, imageSize?: number): Promise<PreparedData> {
  const where = `${configFile}: dataset`;
  const d = cfg.dataset as UserDataSpec & { testFraction: number };
  const loaded = await loadConfigUserData(cfg, configFile, imageSize ?? (await imageSideOf(cfg, configFile)));
  const ds = loaded.train;
  const spec = (typeof cfg.partition === 'object' ? cfg.partition : cfg.partition) as TensorPartitionSpec;
  const partitionRng = createRng(cfg.seed).fork('partition');
  const shards = partitionTensor(ds, silos, spec, partitionRng, `${configFile}: partition`);
  let train: TensorShard[];
  let test: TensorShard;
  let heldOut: HeldOut;
  if (loaded.test) {
    train = shards;
    test = shardOf(
      loaded.test,
      Array.from({ length: loaded.test.count }, (_, i) => i),
      -1,
    );
    heldOut = { text: `test set: ${loaded.test.count} samples of ${loaded.test.name} (dataset.test); all ${ds.count} of ${ds.name} train` };
  } else {
    const split = splitShards(shards, { testFraction: d.testFraction, where: `${where}.testFraction` }, createRng(cfg.seed).fork('split'));
    train = split.train;
    test = concatShards(split.test);
    heldOut = {
      text: `${split.testCount} of ${split.total} samples went to the test set (testFraction ${d.testFraction} of each silo's shard; give dataset.test for a held-out file)`,
    };
  }
  const empty = train.findIndex((s) => s.size === 0);
  if (empty >= 0)
    throw new DflsimInputError(
      `${configFile}: partition`,
      `silo ${empty} gets no training data (${ds.count} samples for ${silos} silos): use more data, fewer silos or another partition`,
    );
  if (test.size === 0) throw new DflsimInputError(`${where}.testFraction`, 'leaves no test samples: raise it or give dataset.test');
  const scaled = scaleFeatures(('normalize' in d && d.normalize) || 'none', train, [test], sampleSize(ds.sampleShape));
  if (scaled) heldOut = { text: `${heldOut.text}; ${scaled}` };
  const pooled = trainedTopology(cfg.topology).needs.pooledData;
  return {
    source: 'user',
    task: ds.labelKind === 'class' ? 'classification' : 'regression',
    shards: pooled ? [concatShards(train, -1)] : train,
    test,
    dataset: ds,
    heldOut,
  };
}

/**
 * Characters: the dataset generated or read, each writer's images split into train and
 * test (LEAF's per-user split), whole writers dealt to silos (`by-writer`), or pooled into
 * one shard for a topology that trains on pooled data.
 */
export function prepareCharacters(cfg: TrainConfig, configFile: string, silos: number): PreparedData {
  const where = `${configFile}: dataset`;
  const d = cfg.dataset;
  const ds =
    d.kind === 'synthetic-characters'
      ? loadCharacterDataset(
          {
            kind: 'synthetic-characters',
            writers: d.writers,
            seed: d.seed ?? cfg.seed,
            meanSamplesPerWriter: d.meanSamplesPerWriter,
            digitWeight: d.digitWeight,
          },
          { where },
        )
      : d.kind === 'leaf-femnist'
        ? loadCharacterDataset(
            { kind: 'leaf-femnist', files: d.files, invert: d.invert },
            { where, baseDir: path.dirname(path.resolve(configFile)) },
          )
        : undefined;
  if (!ds) throw new DflsimInputError(`${where}.kind`, `"${d.kind}" is not a character dataset`);
  if (cfg.partition !== 'by-writer')
    throw new DflsimInputError(`${configFile}: partition`, `dataset "${d.kind}" is split by writer: use "by-writer"`);
  const { train, test } = splitWritersSamples(ds, { testFraction: d.testFraction }, createRng(cfg.seed).fork('split'));
  const shards = trainedTopology(cfg.topology).needs.pooledData
    ? [writersToShard(train.writers, -1)]
    : partitionByWriter(train, silos, createRng(cfg.seed).fork('partition'), where);
  const testShard = writersToShard(test.writers, -1);
  if (testShard.size === 0)
    throw new DflsimInputError(`${where}.testFraction`, 'leaves no test images (writers with a single image keep it for training)');
  const images = (w: readonly { count: number }[]) => w.reduce((a, x) => a + x.count, 0);
  const heldOut = {
    text: `${images(test.writers)} of ${images(ds.writers)} images went to the test set (testFraction ${d.testFraction} of each writer's, as LEAF)`,
  };
  return { source: 'characters', task: 'classification', shards, test: testShard, dataset: ds, heldOut };
}

/**
 * The shards and test set of a config: driving data loaded, split by sequence and
 * partitioned (regression), or characters split per writer and dealt by writer
 * (classification).
 */
export async function prepareData(cfg: TrainConfig, configFile: string, silos: number): Promise<PreparedData> {
  if (isCharacterConfig(cfg)) return prepareCharacters(cfg, configFile, silos);
  if (isUserDataConfig(cfg)) return prepareUserData(cfg, configFile, silos);
  const size = cfg.model.inputSize;
  const d = cfg.dataset;
  const ds =
    d.kind === 'synthetic-driving'
      ? await loadDataset(
          { kind: 'synthetic-driving', size, sequences: d.sequences, framesPerSequence: d.framesPerSequence, seed: d.seed ?? cfg.seed },
          { where: `${configFile}: dataset` },
        )
      : d.kind === 'dronet'
        ? await loadDataset(
            { kind: 'dronet', root: resolveConfigPath(d.root + '/', configFile), size, maxFramesPerSequence: d.maxFramesPerSequence },
            { where: `${configFile}: dataset` },
          )
        : undefined;
  if (!ds) throw new DflsimInputError(`${configFile}: dataset.kind`, `"${d.kind}" is not a driving dataset`);
  const { train, test } = splitBySequence(ds, { testFraction: d.testFraction }, createRng(cfg.seed).fork('split'));
  const pooled = trainedTopology(cfg.topology).needs.pooledData;
  if (!pooled && cfg.partition === 'by-sequence' && train.sequences.length < silos) {
    const field = d.kind === 'dronet' ? 'dataset.root' : 'dataset.sequences';
    throw new DflsimInputError(
      `${configFile}: ${field}`,
      `${ds.sequences.length} sequence${ds.sequences.length === 1 ? '' : 's'}: ${test.sequences.length} went to the test set (testFraction ${d.testFraction}) and ${train.sequences.length} are left for ${silos} silos, but partition "by-sequence" gives each silo whole sequences: give more sequences (about ${Math.ceil(silos / (1 - d.testFraction))} or more; the test set takes testFraction of each condition's), or use partition "iid"`,
    );
  }
  const shards = pooled ? [datasetToShard(train)] : partition(cfg, train, silos, configFile);
  const empty = shards.findIndex((s) => s.size === 0);
  if (empty >= 0)
    throw new DflsimInputError(
      `${configFile}: dataset`,
      `silo ${empty} gets no data: ${ds.sequences.length} sequences for ${silos} silos (add sequences or use partition "iid")`,
    );
  const heldOut = {
    text: `${test.sequences.length} of ${ds.sequences.length} sequences (${countFrames(test)} of ${countFrames(ds)} frames) went to the test set (testFraction ${d.testFraction} of each condition's sequences)`,
  };
  return { source: 'driving', task: 'regression', shards, test: poolShards([datasetToShard(test)]), dataset: ds, heldOut };
}

/** The baseline a run has to beat: the constant predictor's RMSE (regression) or the majority class's accuracy (classification). */
export function baselineOf(data: PreparedData): { constantPredictorRmse: number; majorityClassAccuracy: number | null } {
  if (data.source === 'user') return userBaseline(data.shards, data.test, data.task);
  if (data.task === 'regression')
    return { constantPredictorRmse: constantPredictorRmse(poolShards(data.shards).y, data.test.y), majorityClassAccuracy: null };
  let trainY: Float32Array;
  if (data.shards.length === 1) trainY = data.shards[0].y;
  else {
    trainY = new Float32Array(data.shards.reduce((a, s) => a + s.size, 0));
    let o = 0;
    for (const s of data.shards) {
      trainY.set(s.y, o);
      o += s.size;
    }
  }
  return { constantPredictorRmse: NaN, majorityClassAccuracy: majorityClassAccuracy(trainY, data.test.y, CHARACTER_CLASSES.length) };
}

/**
 * The baselines on a user's data: the constant predictor (the training targets' mean per
 * target, RMSE over every test target) or the majority class of the training labels.
 */
function userBaseline(
  shards: readonly TensorShard[],
  test: TensorShard,
  task: 'regression' | 'classification',
): { constantPredictorRmse: number; majorityClassAccuracy: number | null } {
  const t = test.targets;
  if (task === 'regression') {
    const mean = new Float64Array(t);
    let n = 0;
    for (const s of shards) {
      for (let i = 0; i < s.size * t; i++) mean[i % t] += s.y[i];
      n += s.size;
    }
    for (let j = 0; j < t; j++) mean[j] /= n;
    let sq = 0;
    for (let i = 0; i < test.size * t; i++) sq += (test.y[i] - mean[i % t]) ** 2;
    return { constantPredictorRmse: Math.sqrt(sq / (test.size * t)), majorityClassAccuracy: null };
  }
  const counts = new Map<number, number>();
  for (const s of shards) for (let i = 0; i < s.size; i++) counts.set(s.y[i], (counts.get(s.y[i]) ?? 0) + 1);
  let best = -1,
    bestCount = -1;
  for (const [c, k] of [...counts].sort((a, b) => a[0] - b[0])) if (k > bestCount) [best, bestCount] = [c, k];
  let hits = 0;
  for (let i = 0; i < test.size; i++) if (test.y[i] === best) hits++;
  return { constantPredictorRmse: NaN, majorityClassAccuracy: hits / test.size };
}

/**
 * The catalogue's topology of a config, checked to be trainable.
 * @param field where to point an error
 */
export function trainedTopology(name: string, field = 'topology'): Topology {
  const t = getTopologyValue(name, field);
  if (!t.supports.training)
    throw new DflsimInputError(
      field,
      `cannot train over "${name}"; expected one of ${topologyNames((x) => x.supports.training).join(', ')}`,
    );
  return t;
}

/**
 * The trainer options of a config's model on its data.
 * @param shape the data's shape ({@link configDataShape})
 */
export function trainerOptionsOf(cfg: TrainConfig, shape: DataShape, configFile = 'config'): CreateModelOptions {
  return siloTrainerOptions(cfg.model, shape, cfg.seed, {
    pixelInput: !isCharacterConfig(cfg) && !isUserDataConfig(cfg),
    where: configFile,
  });
}

/**
 * The trainer options of a model (a config's `model`) on data of a shape.
 * @param seed the model's own seed (dropout; a trainer given a seed per call reseeds)
 * @param opts pixelInput: the samples are driving frames in [0, 255] (the linear model scales them as FADNet does)
 */
export function siloTrainerOptions(
  model: { name?: string; inputSize: number; loss?: LossName },
  data: DataShape,
  seed: number,
  opts: { pixelInput?: boolean; where?: string } = {},
): CreateModelOptions {
  const loss = model.loss !== undefined ? { loss: model.loss } : {};
  const labels = data.labelKind === 'class' ? { numClasses: data.classes! } : {};
  if (model.name === undefined || !isBuiltinModel(model.name)) {
    // a registered model, a model file or a module: the data's sample shape, classes or targets
    return {
      inputSize: model.inputSize,
      inputShape: data.sampleShape,
      seed,
      ...(data.classes !== undefined ? { numClasses: data.classes } : { targets: data.targets }),
      ...loss,
    };
  }
  if (model.name === 'linear') {
    // the linear model reads a sample's values as features; driving frames' pixels are
    // scaled as FADNet scales its input; class labels make it a softmax regression
    if (data.labelKind !== 'class' && data.targets !== 1)
      throw new DflsimInputError(
        `${opts.where ?? 'config'}: model.name`,
        `"linear" regresses one target; the dataset has ${data.targets} per sample: use your own model ("path" or "module")`,
      );
    const features = data.sampleShape.reduce((a, b) => a * b, 1);
    return { inputSize: features, seed, ...labels, ...(opts.pixelInput ? { pixelInput: true } : {}), ...loss };
  }
  if (model.name === 'femnist-cnn' || model.name === 'cnn')
    return { inputSize: data.sampleShape[0], channels: data.sampleShape[2] ?? 1, seed, ...labels, ...loss };
  return { inputSize: model.inputSize, seed, ...loss };
}

/**
 * What a config's built-in data gives a model: characters are 28x28x1 images with one of 62
 * class labels; driving frames are inputSize x inputSize x 1 with one steering angle.
 */
export function dataShapeOf(model: { inputSize: number }, characters: boolean): DataShape {
  return characters
    ? { sampleShape: [28, 28, 1], labelKind: 'class', classes: CHARACTER_CLASSES.length, targets: 1 }
    : { sampleShape: [model.inputSize, model.inputSize, 1], labelKind: 'values', targets: 1 };
}

/** A user's dataset read once per process and specification (a sweep's runs share it). */
const userDataCache = new Map<string, Promise<LoadedUserData>>();

/**
 * A config's user data, read once (by specification, config folder and image size).
 * @param imageSize the model's input side, for an image folder without `size`
 */
export function loadConfigUserData(
  cfg: Pick<TrainConfig, 'dataset' | 'seed'>,
  configFile: string,
  imageSize?: number,
): Promise<LoadedUserData> {
  const baseDir = path.dirname(path.resolve(configFile));
  const d = cfg.dataset as UserDataSpec;
  const key = JSON.stringify([d, baseDir, imageSize ?? null, d.kind === 'registered' ? cfg.seed : null]);
  let p = userDataCache.get(key);
  if (!p) {
    p = loadUserData(d, { baseDir, where: `${configFile}: dataset`, seed: cfg.seed, ...(imageSize !== undefined ? { imageSize } : {}) });
    userDataCache.set(key, p);
    p.catch(() => userDataCache.delete(key));
  }
  return p;
}

/** Forget the user data read so far (tests; a long-lived process that reruns changed files). */
export function clearUserDataCache(): void {
  userDataCache.clear();
}

/**
 * The side an image folder without `size` is resized to: the model's input (a model file's
 * own, femnist-cnn's 28), else an error asking for it.
 */
async function imageSideOf(cfg: TrainConfig, configFile: string): Promise<number | undefined> {
  const d = cfg.dataset as UserDataSpec;
  if (d.kind !== 'image-folder' || d.size !== undefined || (d.height !== undefined && d.width !== undefined)) return undefined;
  if (cfg.model.name === 'femnist-cnn') return 28;
  if (cfg.model.path !== undefined) {
    const { describeModel } = await import('../learning/tf/models/build.js');
    const m = await describeModel(modelSpecOf(cfg.model, configFile), {}, configFile);
    if (m.inputShape.length === 3 && m.inputShape[0] === m.inputShape[1]) return m.inputShape[0];
    throw new DflsimInputError(
      `${configFile}: dataset.size`,
      `the model takes [${m.inputShape.join(', ')}]: give the image size (size, or height and width) the images are resized to`,
    );
  }
  throw new DflsimInputError(`${configFile}: dataset.size`, 'give the side (pixels) the images are resized to, e.g. "size": 28');
}

/**
 * The shape of a config's data: its built-in dataset's, or a user's dataset read (once) and
 * described: sample shape, class labels (and their count) or targets; labels in {0, 1} are
 * 0/1 labels when the loss is binary cross-entropy.
 */
export async function configDataShape(cfg: TrainConfig, configFile: string): Promise<DataShape> {
  if (!isUserDataConfig(cfg)) return dataShapeOf(cfg.model, isCharacterConfig(cfg));
  const { train } = await loadConfigUserData(cfg, configFile, await imageSideOf(cfg, configFile));
  return tensorDataShape(train, cfg.model.loss, configFile);
}

/** The {@link DataShape} of a tensor dataset under a loss. */
export function tensorDataShape(ds: TensorDataset, loss: LossName | undefined, configFile = 'config'): DataShape {
  if (loss === 'binary-crossentropy') {
    const binary = ds.labelKind === 'class' ? classCount(ds) <= 2 : ds.y.every((v) => v === 0 || v === 1);
    if (!binary)
      throw new DflsimInputError(
        `${configFile}: model.loss`,
        `"binary-crossentropy" needs labels in {0, 1}; ${ds.name} has ${ds.labelKind === 'class' ? `${classCount(ds)} classes` : 'other values'}`,
      );
    return { sampleShape: [...ds.sampleShape], labelKind: 'binary', targets: ds.labelKind === 'class' ? 1 : ds.targets };
  }
  return ds.labelKind === 'class'
    ? { sampleShape: [...ds.sampleShape], labelKind: 'class', classes: classCount(ds), targets: 1 }
    : { sampleShape: [...ds.sampleShape], labelKind: 'values', targets: ds.targets };
}

/**
 * The model of a config as a spec: its name, or its file or module resolved against the
 * config file, with `init` and `loss`.
 */
export function modelSpecOf(model: TrainConfig['model'], configFile: string): ModelSpec {
  const dir = path.dirname(path.resolve(configFile));
  return {
    ...(model.path !== undefined
      ? { path: path.resolve(dir, model.path), ...(model.init ? { init: model.init } : {}) }
      : model.module !== undefined
        ? { module: path.resolve(dir, model.module) }
        : { name: model.name ?? 'fadnet' }),
    ...(model.loss !== undefined ? { loss: model.loss } : {}),
  };
}
