/**
 * A run's data: the dataset loaded or generated, split into train and test, partitioned
 * over the silos (or pooled), and the baseline a model must beat (the constant predictor,
 * the majority class).
 */
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { constantPredictorRmse, datasetToShard, poolShards, splitBySequence, type DrivingDataset, type Shard } from '../data/dataset.js';
import { partitionBySequence, partitionDirichlet, partitionIid } from '../data/partition.js';
import { CHARACTER_DATASET_KINDS, loadCharacterDataset, loadDataset } from '../data/registry.js';
import { majorityClassAccuracy, partitionByWriter, splitWritersSamples, writersToShard, type CharacterShard } from '../data/characters.js';
import { CHARACTER_CLASSES } from '../data/character-glyphs.js';
import type { CharacterDataset } from '../data/synthetic-characters.js';
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
  if (cfg.partition === 'by-writer')
    throw new DflsimInputError(
      `${configFile}: partition`,
      `"by-writer" needs a character dataset; dataset "${cfg.dataset.kind}" has sequences`,
    );
  return partitionDirichlet(train, n, { alpha: cfg.partition.alpha, bins: cfg.partition.bins }, rng);
}

/** Whether a config trains on characters (classification) rather than driving frames (regression). */
export function isCharacterConfig(cfg: Pick<TrainConfig, 'dataset'>): boolean {
  return (CHARACTER_DATASET_KINDS as readonly string[]).includes(cfg.dataset.kind);
}

/** The data of a run: silo shards, the common test set and the dataset, by task. */
export type PreparedData =
  | { task: 'regression'; shards: Shard[]; test: Shard; dataset: DrivingDataset }
  | { task: 'classification'; shards: CharacterShard[]; test: CharacterShard; dataset: CharacterDataset };

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
  return { task: 'classification', shards, test: testShard, dataset: ds };
}

/**
 * The shards and test set of a config: driving data loaded, split by sequence and
 * partitioned (regression), or characters split per writer and dealt by writer
 * (classification).
 */
export async function prepareData(cfg: TrainConfig, configFile: string, silos: number): Promise<PreparedData> {
  if (isCharacterConfig(cfg)) return prepareCharacters(cfg, configFile, silos);
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
  return { task: 'regression', shards, test: poolShards([datasetToShard(test)]), dataset: ds };
}

/** The baseline a run has to beat: the constant predictor's RMSE (regression) or the majority class's accuracy (classification). */
export function baselineOf(data: PreparedData): { constantPredictorRmse: number; majorityClassAccuracy: number | null } {
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
export function trainerOptionsOf(cfg: TrainConfig): CreateModelOptions {
  return siloTrainerOptions(cfg.model, isCharacterConfig(cfg), cfg.seed);
}

/**
 * The trainer options of a model (a config's `model`) on characters or driving frames.
 * @param seed the model's own seed (dropout; a trainer given a seed per call reseeds)
 */
export function siloTrainerOptions(
  model: { name?: string; inputSize: number; loss?: LossName },
  characters: boolean,
  seed: number,
): CreateModelOptions {
  const loss = model.loss !== undefined ? { loss: model.loss } : {};
  if (model.name === undefined || !isBuiltinModel(model.name)) {
    // a registered model, a model file or a module: the data's sample shape, classes or targets
    const data = dataShapeOf(model, characters);
    return {
      inputSize: model.inputSize,
      inputShape: data.sampleShape,
      seed,
      ...(data.classes !== undefined ? { numClasses: data.classes } : { targets: data.targets }),
      ...loss,
    };
  }
  // the linear model reads the frame's pixels as features, scaled as FADNet scales its input;
  // on characters (pixels already in [0, 1]) it is a 62-class softmax regression
  const features = model.inputSize * model.inputSize;
  return model.name === 'linear'
    ? characters
      ? { inputSize: features, numClasses: CHARACTER_CLASSES.length, seed, ...loss }
      : { inputSize: features, pixelInput: true, seed, ...loss }
    : { inputSize: model.inputSize, seed, ...loss };
}

/**
 * What a config's data gives a model: characters are 28x28x1 images with one of 62 class
 * labels; driving frames are inputSize x inputSize x 1 with one steering angle.
 */
export function dataShapeOf(model: { inputSize: number }, characters: boolean): DataShape {
  return characters
    ? { sampleShape: [28, 28, 1], labelKind: 'class', classes: CHARACTER_CLASSES.length, targets: 1 }
    : { sampleShape: [model.inputSize, model.inputSize, 1], labelKind: 'values', targets: 1 };
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
