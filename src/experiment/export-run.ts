/**
 * `dflsim export-run`: what another trainer needs to replay a `dflsim run` exactly: the
 * run's plan (JSON Lines, `plan.jsonl`, and NumPy, `plan.npz`: its topology on its network
 * and clock, with the run's mixing), the silos' training shards and the test set (`data.npz`), the initial
 * weights (`init.npz`), every round's batch indices per silo and local step (`batches.npz`:
 * the engine's seeded sampling, `batchIndices`), and the run's settings (`run.json`: Adam's
 * constants, learning rate, evaluation period, the model's layout). For the built-in
 * `linear` model on a driving dataset (dflsim's synthetic one, or DroNet's frames): the
 * example `examples/python/dpasgd_plan.py` replays it in PyTorch.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import { writeFileAtomic } from '../io/files.js';
import { writeNpz, type NpyArrayInput } from '../data/numpy-write.js';
import { batchIndices, roundSeed } from '../learning/dpasgd.js';
import { expandTrainRuns, loadConfig, type TrainConfig } from './config.js';
import { prepareContext } from './cycle-times.js';
import { planExportOnContext, writePlanJsonl, writePlanNpz, type PlanHeader } from './plan-export.js';
import { isCharacterConfig, isUserDataConfig, prepareData, trainedTopology, trainerOptionsOf, dataShapeOf } from './run-data.js';
import { resolveEvalEvery, resolveTrainTiming, trainContextRequest } from './run-timing.js';

/** Adam's constants of dflsim's trainer (`learning/tf/silo-trainer.ts`): epsilon added to sqrt(v), Keras's placement. */
export const EXPORTED_ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** The test set's evaluation batch size (the trainer's default). */
export const EVAL_BATCH_SIZE = 64;

/** `run.json` of an exported run. */
export interface ExportedRun {
  schema: 'dflsim-run-export/1';
  name: string;
  topology: string;
  network: string;
  silos: string[];
  rounds: number;
  localSteps: number;
  batchSize: number;
  lr: number;
  seed: number;
  evalEvery: number;
  evalBatchSize: number;
  adam: { beta1: number; beta2: number; epsilon: number };
  model: {
    name: 'linear';
    features: number;
    outputs: 1;
    loss: 'mse';
    /** x -> x * float32(1 / 127.5) - 1 (float32) before the dense layer. */
    pixelInput: true;
    /** The flat weight vector's parts, in order (row-major). */
    layout: { name: string; shape: number[] }[];
  };
  /** Samples per silo. */
  shardSizes: number[];
  testSize: number;
  /** The plan as JSON Lines and as a sparse `.npz` (the same rounds), the data, the initial weights, the batches. */
  files: { plan: string; planNpz: string; data: string; init: string; batches: string };
  plan: PlanHeader;
}

/**
 * Export a train config's run for replay (see the file comment) into `outDir` (created; it
 * must be empty or absent). Every input error is raised before a file is written.
 * @returns what `run.json` says
 */
export async function exportRun(configFile: string, outDir: string): Promise<ExportedRun> {
  const raw = loadConfig(configFile);
  if (raw.kind !== 'train') throw new DflsimInputError(`${configFile}: kind`, 'export-run replays a training config ("kind": "train")');
  const runs = expandTrainRuns(raw);
  if (runs.length !== 1)
    throw new DflsimInputError(
      `${configFile}: sweep`,
      `the config expands to ${runs.length} runs; export-run replays one (drop its sweep and seeds)`,
    );
  const cfg = runs[0].config as TrainConfig;
  if (cfg.model.name !== 'linear' || isCharacterConfig(cfg) || isUserDataConfig(cfg))
    throw new DflsimInputError(
      `${configFile}: model`,
      'export-run replays the built-in "linear" model on a driving dataset (synthetic-driving or dronet): what examples/python/dpasgd_plan.py trains',
    );
  if (cfg.simulatedBudgetMs !== undefined)
    throw new DflsimInputError(`${configFile}: simulatedBudgetMs`, 'export-run replays a fixed number of rounds: drop the budget');
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
    throw new DflsimInputError('--out', `${outDir} is not an empty directory`);
  const timing = await resolveTrainTiming(cfg, configFile);
  const ctx = prepareContext(trainContextRequest(cfg, configFile, timing));
  const topology = trainedTopology(cfg.topology);
  if (topology.needs.pooledData)
    throw new DflsimInputError(`${configFile}: topology`, `"${cfg.topology}" pools the data: nothing to replay`);
  if (!topology.supports.cycleTime) throw new DflsimInputError(`${configFile}: topology`, `"${cfg.topology}" has no plan to export`);
  const data = await prepareData(cfg, configFile, ctx.cg.n);
  if (data.source !== 'driving') throw new DflsimInputError(`${configFile}: dataset`, 'expected a driving dataset');
  const { shards, test } = data;
  const shardSizes = shards.map((s) => s.size);
  const p = planExportOnContext(ctx, topology, { rounds: cfg.rounds, scheme: cfg.mixing, shardSizes });
  const n = p.header.silos.length;
  const { createTrainer } = await import('../learning/tf/silo-trainer.js');
  const opts = trainerOptionsOf(cfg, dataShapeOf(cfg.model, false), configFile);
  const trainer = createTrainer('linear', opts);
  const features = opts.inputSize!;
  if (trainer.weightCount !== features + 1)
    throw new Error(`export-run: the linear model has ${trainer.weightCount} weights, expected ${features + 1}`);
  const init = trainer.initWeights(cfg.seed);

  mkdirSync(outDir, { recursive: true });
  const files = { plan: 'plan.jsonl', planNpz: 'plan.npz', data: 'data.npz', init: 'init.npz', batches: 'batches.npz' };
  await writePlanJsonl(p, path.join(outDir, files.plan));
  writePlanNpz(p, path.join(outDir, files.planNpz), { sparse: true });
  const arrays: Record<string, NpyArrayInput> = {
    test_x: { dtype: 'float32', shape: [test.size, features], data: test.x },
    test_y: { dtype: 'float32', shape: [test.size], data: test.y },
  };
  shards.forEach((s, i) => {
    arrays[`x_${i}`] = { dtype: 'float32', shape: [s.size, features], data: s.x };
    arrays[`y_${i}`] = { dtype: 'float32', shape: [s.size], data: s.y };
  });
  writeNpz(path.join(outDir, files.data), arrays);
  writeNpz(path.join(outDir, files.init), { weights: { dtype: 'float32', shape: [init.length], data: init } });
  // batches[k, i, s, b]: sample b of silo i's step s in round k (-1 past a shard smaller than the batch)
  const R = cfg.rounds,
    S = cfg.localSteps,
    B = cfg.batchSize;
  const batches = new Int32Array(R * n * S * B).fill(-1);
  for (let k = 0; k < R; k++)
    for (let i = 0; i < n; i++)
      for (let s = 0; s < S; s++)
        batches.set(batchIndices(shardSizes[i], B, roundSeed(cfg.seed, `batch${s}`, k, i)), ((k * n + i) * S + s) * B);
  writeNpz(path.join(outDir, files.batches), { batches: { dtype: 'int32', shape: [R, n, S, B], data: batches } });
  const run: ExportedRun = {
    schema: 'dflsim-run-export/1',
    name: cfg.name,
    topology: cfg.topology,
    network: ctx.underlay.name,
    silos: p.header.silos,
    rounds: R,
    localSteps: S,
    batchSize: B,
    lr: cfg.lr,
    seed: cfg.seed,
    evalEvery: resolveEvalEvery(cfg.evalEvery, R),
    evalBatchSize: EVAL_BATCH_SIZE,
    adam: { ...EXPORTED_ADAM },
    model: {
      name: 'linear',
      features,
      outputs: 1,
      loss: 'mse',
      pixelInput: true,
      layout: [
        { name: 'kernel', shape: [features, 1] },
        { name: 'bias', shape: [1] },
      ],
    },
    shardSizes,
    testSize: test.size,
    files,
    plan: p.header,
  };
  writeFileAtomic(path.join(outDir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
  return run;
}
