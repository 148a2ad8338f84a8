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
import { loadUserData, USER_DATA_KINDS, type UserDataSpec } from '../data/user-data.js';
import { concatShards, partitionTensor, splitShards, type TensorPartitionSpec } from '../data/tensor-partition.js';
import { shardOf, type TensorDataset, type TensorShard } from '../data/tensor-dataset.js';
import { createRng } from '../random.js';
import { resolveConfigPath, type TrainConfig } from './config.js';
import { getTopologyValue, topologyNames } from '../overlay/catalogue.js';
import type { Topology } from '../overlay/topology.js';

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
  const loaded = await loadUserData(d, {
    baseDir: path.dirname(path.resolve(configFile)),
    where,
    seed: cfg.seed,
    ...(imageSize !== undefined ? { imageSize } : {}),
  });
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

/** The trainer options of a config's model. */
export function trainerOptionsOf(cfg: TrainConfig): { inputSize: number; seed: number; numClasses?: number; pixelInput?: boolean } {
  return siloTrainerOptions(cfg.model, isCharacterConfig(cfg), cfg.seed);
}

/**
 * The trainer options of a model (a config's `model`) on characters or driving frames.
 * @param seed the model's own seed (dropout; a trainer given a seed per call reseeds)
 */
export function siloTrainerOptions(
  model: { name: string; inputSize: number },
  characters: boolean,
  seed: number,
): { inputSize: number; seed: number; numClasses?: number; pixelInput?: boolean } {
  // the linear model reads the frame's pixels as features, scaled as FADNet scales its input;
  // on characters (pixels already in [0, 1]) it is a 62-class softmax regression
  const features = model.inputSize * model.inputSize;
  return model.name === 'linear'
    ? characters
      ? { inputSize: features, numClasses: CHARACTER_CLASSES.length, seed }
      : { inputSize: features, pixelInput: true, seed }
    : { inputSize: model.inputSize, seed };
}
