/**
 * Experiment configs (JSON or YAML), validated by a zod schema that also emits a JSON
 * Schema for editors. Unknown fields are errors; every error names the field path and what
 * was expected. A config may sweep fields, giving one run per combination.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DflsimInputError, describeValue, expectString } from '../errors.js';
import { parseJsonInput, parseYamlInput, readInputFile } from '../input-file.js';
import { expectedTopologies, findTopology, topologyNames, topologySchemaPatterns } from '../overlay/catalogue.js';
import type { Topology } from '../overlay/topology.js';
import { getWorkload, WORKLOAD_NAMES, type Workload } from '../timing/workload.js';
import { PUBLISHED_NAMES } from './published.js';
import { CHARACTER_DATASET_KINDS } from '../data/registry.js';
import { closestNames, didYouMean } from '../suggest.js';
import { DEFAULT_T_MAX } from '../multigraph/multigraph.js';
import { DEFAULT_MATCHA_OPTIONS } from '../overlay/matcha.js';
import { USER_DATA_KINDS } from '../data/user-data.js';
import { QUEUE_PREFIX_PATTERN } from './queue/names.js';
import { LOSS_NAMES, modelNames } from '../learning/model-registry.js';

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

const WORKLOAD_ACCEPTED = `a preset name (${WORKLOAD_NAMES.map((n) => `"${n}"`).join(', ')}) or an object {"name"?, "modelSizeBits", "computeMs", "rounds"?} (bits, ms per local update)`;

const workloadSchema = z
  .union(
    [
      z.enum(WORKLOAD_NAMES as [string, ...string[]]),
      z
        .object({
          name: z.string().default('custom').describe('a name for reports'),
          modelSizeBits: positive.describe('size of the model on every link (bits)'),
          computeMs: z.number().nonnegative().describe('compute time of one local update (ms)'),
          rounds: positiveInt.optional().describe("rounds K the multigraph's cycle time is averaged over (default 6400)"),
        })
        .strict(),
    ],
    {
      error: (iss) =>
        `expected ${WORKLOAD_ACCEPTED}${typeof iss.input === 'string' ? `, got "${iss.input}"${didYouMean(iss.input, WORKLOAD_NAMES)}` : ''}`,
    },
  )
  .describe(`the model size and compute time the clock uses: ${WORKLOAD_ACCEPTED}`);

/** A per-silo value of a generated profile: a constant or a seeded distribution. */
const profileValueSchema = z.union([
  positive,
  z
    .object({
      lognormal: z
        .object({ median: positive.describe('median'), sigma: z.number().nonnegative().describe('standard deviation of the logarithm') })
        .strict()
        .describe('a seeded lognormal draw per silo'),
    })
    .strict(),
  z
    .object({
      uniform: z
        .object({ min: positive.describe('smallest value'), max: positive.describe('largest value') })
        .strict()
        .describe('a seeded uniform draw per silo'),
    })
    .strict(),
  z
    .object({
      choice: z
        .object({
          values: z.array(positive).min(1).describe('the values a silo may get'),
          weights: z.array(z.number().nonnegative()).min(1).optional().describe('relative weights of the values (default: equal)'),
        })
        .strict()
        .describe('a seeded choice per silo'),
    })
    .strict(),
]);

const siloProfileSchema = z
  .union([
    z
      .string()
      .min(1)
      .describe('a CSV file (silo,computeMs,uploadGbps,downloadGbps; any subset of the value columns), relative to the config file'),
    z
      .object({
        computeMs: profileValueSchema.optional().describe('compute time of one local step (ms) per silo'),
        uploadGbps: profileValueSchema.optional().describe("upload capacity of each silo's access link (Gbit/s)"),
        downloadGbps: profileValueSchema.optional().describe("download capacity of each silo's access link (Gbit/s)"),
        seed: z.number().int().nonnegative().optional().describe("seed of the draws (default: the config's seed)"),
      })
      .strict()
      .describe(
        'a seeded generator: each field a constant or {"lognormal": {"median", "sigma"}}, {"uniform": {"min", "max"}}, {"choice": {"values", "weights"}}',
      ),
  ])
  .describe("per-silo compute and access capacities; absent: every silo uses the workload's compute time and accessGbps");

const siloNames = z.array(z.string().min(1)).min(1);
export const stragglerSchema = z
  .discriminatedUnion('model', [
    z
      .object({
        model: z.literal('lognormal'),
        sigma: positive.describe("sigma of log(compute multiplier); the median is the silo's own compute time"),
        silos: siloNames.optional().describe('only these silos (default: all)'),
      })
      .strict(),
    z
      .object({
        model: z.literal('two-point'),
        p: z.number().gt(0).lte(1).describe('probability that a silo is slow in a round'),
        slowdown: z.number().gt(1).describe('compute multiplier of a slow round'),
        silos: siloNames.optional().describe('only these silos (default: all)'),
      })
      .strict(),
  ])
  .describe('random per-round compute times (event clock only), seeded by (seed, silo, round)');

const roundInterval = {
  fromRound: z.number().int().nonnegative().describe('first round down (0-based)'),
  toRound: z.number().int().nonnegative().describe('last round down (inclusive)'),
};
export const failureSchema = z
  .object({
    silos: z
      .array(z.object({ silo: z.string().min(1).describe("the silo's name in the network"), ...roundInterval }).strict())
      .optional()
      .describe('silos down for rounds fromRound..toRound'),
    links: z
      .array(
        z
          .object({
            between: z.tuple([z.string().min(1), z.string().min(1)]).describe('the two silos of the overlay link'),
            ...roundInterval,
          })
          .strict(),
      )
      .optional()
      .describe('overlay links down (both directions) for rounds fromRound..toRound'),
    rate: z
      .object({
        perRound: z.number().gt(0).lt(1).describe('probability that an up silo goes down at a round'),
        meanDownRounds: z.number().gte(1).describe('mean rounds a failure lasts (geometric)'),
      })
      .strict()
      .optional()
      .describe('seeded random failures of every silo'),
  })
  .strict()
  .describe(
    'silos and links that are down (event clock only): a down silo neither trains, sends, receives nor mixes; its neighbours skip it that round',
  );

const timingFields = {
  network: z.string().min(1).describe('built-in network (gaia-cities, aws-na-cities) or a GML file path, relative to the config file'),
  silos: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'the nodes that hold silos (GML labels, raw or as displayed); every other node is a router: it carries traffic and counts in shortest paths but holds no model (default: every node but those with "silo 0" or "router 1")',
    ),
  component: z
    .enum(['all', 'largest'])
    .optional()
    .describe(
      'which connected component of the network is used: all (default: a disconnected network is an error) or largest (the rest dropped, with a warning naming what)',
    ),
  workload: workloadSchema.default('femnist'),
  modelSizeBits: positive.optional().describe("overrides the workload's model size (bits)"),
  computeMs: z.number().nonnegative().optional().describe("overrides the workload's compute time per local update (ms)"),
  accessGbps: positive.default(10).describe('access-link capacity of every silo (Gbit/s)'),
  uploadGbps: positive.optional().describe("upload capacity of every silo's access link (Gbit/s; default accessGbps)"),
  downloadGbps: positive.optional().describe("download capacity of every silo's access link (Gbit/s; default accessGbps)"),
  coreGbps: positive.default(1).describe('bandwidth of a path through the core network (Gbit/s), when links carry no capacities'),
  localUpdates: positiveInt.default(1).describe('local updates per round, for the timing model'),
  tMax: positiveInt.default(DEFAULT_T_MAX).describe('multigraph: maximum number of edges between two silos'),
  budget: z.number().gt(0).lte(1).default(DEFAULT_MATCHA_OPTIONS.budget).describe('MATCHA communication budget'),
  baseGraph: z
    .enum(['dflsim', 'reference'])
    .optional()
    .describe(
      "Base-(k+1) construction: dflsim (default: no redundant exchanges) or reference (the authors' base_graph.py, edge for edge); same period and exact averaging",
    ),
  equidynEta: z
    .number()
    .gt(0)
    .lte(1)
    .optional()
    .describe(
      "EquiDyn weight parameter eta in (0, 1] (default n/(2(n-1)): each matched pair averages exactly; the authors' code defaults to 1, their deep-learning runs use 0.53)",
    ),
  seed: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('seed of every random choice (data, partition, initial weights, batches, MATCHA, generated profiles, stragglers, failures)'),
  siloProfile: siloProfileSchema.optional(),
  linkCapacities: z
    .enum(['ignore', 'gml'])
    .default('ignore')
    .describe(
      'underlay link capacities: ignore them (the papers) or use the GML "capacity" (bit/s) / "capacityGbps" of each link: a path\'s bandwidth is its bottleneck link\'s capacity over its hops',
    ),
  clock: z
    .enum(['max-plus', 'events'])
    .default('max-plus')
    .describe("max-plus (exact, the papers' model) or events (a discrete-event simulation: fair sharing, stragglers, failures)"),
  sharing: z
    .enum(['fixed', 'fair'])
    .default('fixed')
    .describe(
      'event clock: access links divided by degree (fixed, equals max-plus) or shared max-min fairly among concurrent transfers (fair)',
    ),
  stragglers: stragglerSchema.optional(),
  failures: failureSchema.optional(),
  missingCoordinates: z
    .enum(['error', 'drop', 'neighbours'])
    .default('error')
    .describe(
      'GML nodes without Latitude/Longitude: refuse (error), drop them with their links, or place them at the mean position of their neighbours',
    ),
};

/**
 * A topology name from the catalogue that satisfies `filter` (a listed name or one
 * matching a pattern such as base-(k+1)); the JSON Schema lists the names.
 */
function topologyField(filter: (t: Topology) => boolean, one = false) {
  const names = topologyNames(filter);
  const open = topologySchemaPatterns();
  const typeError = (iss: { input: unknown }): string =>
    one && Array.isArray(iss.input)
      ? 'takes one topology name; to train several, list them in "sweep": {"topology": [...]} (one run each)'
      : `expected a topology name (a string), got ${JSON.stringify(iss.input)}`;
  return z
    .string({ error: typeError })
    .refine(
      (name) => {
        const t = findTopology(name);
        return t !== undefined && filter(t);
      },
      {
        error: (iss) => {
          const name = String(iss.input);
          const known = findTopology(name);
          if (known) return `topology "${name}" cannot be used here; expected one of ${expectedTopologies(filter)}`;
          return `unknown topology ${JSON.stringify(iss.input)}${didYouMean(name, topologyNames(filter))}; expected one of ${expectedTopologies(filter)}`;
        },
      },
    )
    .meta({ anyOf: [{ enum: names }, ...open.map((pattern) => ({ pattern }))] });
}

const trainTopology = topologyField((t) => t.supports.training);
const cycleTopology = topologyField((t) => t.supports.cycleTime);
/** The `topology` field of a train config: one name (an array points at `sweep`). */
const oneTrainTopology = topologyField((t) => t.supports.training, true);

/** Largest `model.inputSize` (pixels a side): bounds the memory a model takes, also for a job from the queue. */
export const MAX_INPUT_SIZE = 1024;

/** Files of a user's dataset: one path, or a list (one per natural silo). */
const dataFiles = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(10_000)]);
const labelTask = z
  .enum(['class', 'value'])
  .optional()
  .describe('class (classification) or value (regression); default: integer and text labels are classes, other numbers regression targets');
const normalize = z
  .enum(['none', 'standard', 'minmax'])
  .default('none')
  .describe(
    "feature scaling: none (as given), standard (each feature minus the training samples' mean, over their standard deviation) or minmax (to [0, 1] by their minimum and maximum); the test set is scaled with the training figures",
  );
const testFraction = z
  .number()
  .gt(0)
  .lt(1)
  .default(0.2)
  .describe("share of EACH silo's samples held out for the common test set (ignored with test)");

const datasetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('synthetic-driving'),
      sequences: positiveInt.default(66).describe('driving sequences generated (whole sequences go to silos with partition by-sequence)'),
      framesPerSequence: positiveInt.default(40).describe('frames per sequence'),
      testFraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.2)
        .describe('share of the sequences held out for the test set (per driving condition)'),
      seed: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe("seed of the generated frames (default: the run's seed, so each seed draws its own data)"),
    })
    .strict()
    .describe('seeded synthetic driving frames with steering angles (regression)'),
  z
    .object({
      kind: z.literal('dronet'),
      root: z.string().min(1).describe('folder of sequence folders (images/ + sync_steering.txt)'),
      maxFramesPerSequence: positiveInt.optional().describe('read at most this many frames of each sequence'),
      testFraction: z.number().gt(0).lt(1).default(0.2).describe('share of the sequences held out for the test set'),
    })
    .strict()
    .describe('DroNet-style recorded driving sequences (not sent over the queue)'),
  z
    .object({
      kind: z.literal('synthetic-characters'),
      writers: positiveInt
        .default(110)
        .describe("number of writers (default 110: 10 per silo on Gaia's 11); whole writers go to silos (partition by-writer)"),
      seed: z.number().int().nonnegative().optional().describe("seed of the images (default: the config's seed)"),
      meanSamplesPerWriter: z
        .number()
        .min(10)
        .optional()
        .describe("mean images per writer (default FEMNIST's 226.8; the spread keeps FEMNIST's ratio to the mean)"),
      digitWeight: positive.optional().describe('how many times as likely each digit is as each letter (default 3)'),
      testFraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.2)
        .describe("share of EACH writer's images held out for the test set (LEAF's per-user split)"),
    })
    .strict()
    .describe('seeded handwritten-like characters, 62 classes at 28x28, non-IID by writer (the built-in stand-in for FEMNIST)'),
  z
    .object({
      kind: z.literal('leaf-femnist'),
      files: z
        .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
        .describe('a folder of LEAF FEMNIST *.json files, a file, or a list of them, relative to the config file'),
      invert: z
        .enum(['auto', 'yes', 'no'])
        .default('auto')
        .describe("flip pixels to ink = 1 (auto: when a file's mean pixel is above 0.5, as LEAF's white background)"),
      testFraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.2)
        .describe("share of EACH writer's images held out for the test set (LEAF's per-user split)"),
    })
    .strict()
    .describe("FEMNIST in LEAF's JSON layout (users, num_samples, user_data)"),
  ...userDataSchemas(),
]);

/** The dataset kinds of users' own data (src/data/user-data.ts). */
function userDataSchemas() {
  return [
    z
      .object({
        kind: z.literal('npz'),
        files: dataFiles.describe('a .npz file (numpy.savez), or one per natural silo (partition by-file), relative to the config'),
        x: z.string().min(1).optional().describe("the samples' array: [samples, ...shape] (default x)"),
        y: z.string().min(1).optional().describe("the labels' or targets' array: [samples] or [samples, targets] (default y)"),
        group: z.string().min(1).optional().describe('an array with a natural silo per sample (partition by-group)'),
        task: labelTask,
        test: dataFiles.optional().describe('held-out test file(s) with the same arrays, instead of a split'),
        normalize,
        testFraction,
      })
      .strict()
      .describe('numpy arrays in .npz files (float32/64, (u)int8-64, bool; text labels and groups)'),
    z
      .object({
        kind: z.literal('npy'),
        x: z.string().min(1).describe("the samples' .npy file: [samples, ...shape]"),
        y: z.string().min(1).describe("the labels' or targets' .npy file"),
        task: labelTask,
        test: z
          .object({
            x: z.string().min(1).describe("the test samples' .npy file"),
            y: z.string().min(1).describe("the test labels' .npy file"),
          })
          .strict()
          .optional()
          .describe('held-out test .npy files'),
        normalize,
        testFraction,
      })
      .strict()
      .describe('two numpy .npy files: samples and labels'),
    z
      .object({
        kind: z.literal('csv'),
        file: z.string().min(1).describe('the CSV table (a header row, one sample per row), relative to the config'),
        label: z
          .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(4096)])
          .describe('the label column, or several target columns (regression)'),
        columns: z.array(z.string().min(1)).min(1).optional().describe('feature columns (default: every other column)'),
        group: z.string().min(1).optional().describe("a column with each row's natural silo (partition by-group)"),
        task: labelTask,
        test: z.string().min(1).optional().describe('a held-out test CSV with the same columns'),
        normalize,
        testFraction,
      })
      .strict()
      .describe('a CSV table: numeric feature columns and a label column'),
    z
      .object({
        kind: z.literal('image-folder'),
        root: z.string().min(1).describe('a folder with one subfolder per class, or images and a labels CSV'),
        size: positiveInt.max(MAX_INPUT_SIZE).optional().describe("square side the images are resized to (default: the model's input)"),
        height: positiveInt.max(MAX_INPUT_SIZE).optional().describe('image height (with width, instead of size)'),
        width: positiveInt.max(MAX_INPUT_SIZE).optional().describe('image width (with height, instead of size)'),
        channels: z
          .union([z.literal(1), z.literal(3)])
          .default(1)
          .describe('1 (grayscale) or 3 (RGB)'),
        labels: z.string().min(1).optional().describe('a CSV inside the folder with file and label columns (numbers: regression)'),
        group: z.string().min(1).optional().describe("the labels CSV's column with a natural silo per image (partition by-group)"),
        task: labelTask,
        test: z.string().min(1).optional().describe('a held-out test folder of the same layout'),
        testFraction,
      })
      .strict()
      .describe('PNG/JPEG images (resized to cover, centre-cropped; pixels in [0, 1])'),
    z
      .object({
        kind: z.literal('registered'),
        name: z.string().min(1).describe('a name a library user registered with registerDataset'),
        options: z.record(z.string(), z.unknown()).optional().describe("passed to the dataset's load as given"),
        testFraction,
      })
      .strict()
      .describe('a dataset registered in this process (registerDataset)'),
  ] as const;
}

const partitionSchema = z
  .union([
    z.enum(['by-sequence', 'iid', 'by-writer', 'by-group', 'by-file']),
    z
      .object({
        kind: z.literal('dirichlet'),
        alpha: positive.describe('concentration: small gives each silo few classes (or steering / target bins), large is near IID'),
        bins: positiveInt.default(5).describe('steering-angle (or regression target) bins the label skew is drawn over'),
        sizes: z
          .enum(['free', 'equal'])
          .optional()
          .describe(
            "users' data only: free (default: each class split over the silos by Dirichlet proportions, sizes vary) or equal (equal shards, each silo's class mix drawn)",
          ),
      })
      .strict(),
  ])
  .default('by-sequence')
  .describe(
    "how the training data is split over silos: by-sequence (default for driving data), iid, dirichlet; by-writer (whole writers per silo: the default, and the only choice, for character datasets); users' data (npz, npy, csv, image-folder, registered): iid (the default), dirichlet, by-group (whole groups: the dataset's group column or array; the default when it has one) or by-file (one file per silo; the default with several files)",
  );

const modelSchema = z
  .object({
    name: z
      .string()
      .refine((n) => modelNames().includes(n), {
        error: (iss) =>
          `unknown model ${JSON.stringify(iss.input)}${didYouMean(String(iss.input), modelNames())}; expected one of ${modelNames().join(', ')} (or give "path" or "module")`,
      })
      .optional()
      .meta({ anyOf: [{ enum: ['fadnet', 'dronet', 'femnist-cnn', 'linear'] }, { type: 'string' }] })
      .describe(
        "a registered model (default fadnet when neither path nor module is given): fadnet (steering regression, Nguyen et al. 2022), dronet (DroNet's steering head, Loquercio et al. 2018: the FADNet paper's baseline), femnist-cnn (62-class character classification, Marfoq et al. 2020's FEMNIST CNN; character datasets only), linear (a linear model on the pixels), or a name a library user registered (registerModel)",
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        "a TensorFlow.js LayersModel's model.json (with its weight shards beside it), relative to the config file: what tf.io's model.save() and tensorflowjs_converter write. Its weights start every silo (see init); its input shape must fit the data",
      ),
    module: z
      .string()
      .min(1)
      .optional()
      .describe(
        "an ES module, relative to the config file, exporting createModel(inputShape, options) that returns a tf.LayersModel built with options.tf (dflsim's TensorFlow.js), seeded by options.seed; never sent over the queue",
      ),
    init: z
      .enum(['file', 'seeded'])
      .optional()
      .describe(
        "with path: every silo starts from the file's weights (file, the default) or from weights drawn from the seed as the built-ins' (seeded)",
      ),
    inputSize: positiveInt
      .max(MAX_INPUT_SIZE)
      .default(64)
      .describe(`frame height and width (pixels, at most ${MAX_INPUT_SIZE}); character datasets are 28x28 (femnist-cnn's fixed input)`),
    loss: z
      .enum(LOSS_NAMES)
      .optional()
      .describe(
        "the loss (Keras semantics): mse, categorical-crossentropy (class labels; from logits when the last layer is linear, from probabilities when it is a softmax) or binary-crossentropy (0/1 labels; logits or sigmoid). Default: the model's own (fadnet mse, femnist-cnn categorical; a file or module by its last layer: softmax categorical, sigmoid binary, linear categorical on class labels and mse on values). See docs/models.md",
      ),
  })
  .strict()
  .superRefine((m, ctx) => {
    const given = (['name', 'path', 'module'] as const).filter((k) => m[k] !== undefined);
    if (given.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [given[1]],
        message: `give one of "name", "path" and "module", not ${given.map((g) => `"${g}"`).join(' and ')}`,
      });
    if (m.init !== undefined && m.path === undefined)
      ctx.addIssue({ code: 'custom', path: ['init'], message: 'only a model file ("path") has weights to start from' });
  });

/** A config's model in one word: its name, or its file's base name. */
export function modelLabel(m: { name?: string; path?: string; module?: string }): string {
  return m.name ?? path.basename(m.path ?? m.module ?? 'fadnet');
}

const seedValue = z.number().int().nonnegative();

const sweepSchema = z
  .object({
    topology: z.array(trainTopology).min(1).optional().describe('topologies, one run each'),
    tMax: z.array(positiveInt).min(1).optional().describe('multigraph t values'),
    accessGbps: z.array(positive).min(1).optional().describe('access-link capacities (Gbit/s)'),
    modelSizeBits: z.array(positive).min(1).optional().describe('model sizes on the links (bits)'),
    localSteps: z.array(positiveInt).min(1).optional().describe('local steps per round'),
    seed: z.array(seedValue).min(1).optional().describe('seeds, one run each (the same as "seeds")'),
  })
  .strict()
  .describe('fields to vary: one run per combination (seeds last), each in its own directory such as topology=ring,seed=2');

const verdictSchema = z
  .object({
    margin: z
      .number()
      .min(0)
      .lt(1)
      .default(0.05)
      .describe(
        "how far the target must beat the baseline: test RMSE at most (1 - margin) x the constant predictor's, or test error at most (1 - margin) x the majority class's",
      ),
    confidence: z
      .number()
      .gt(0.5)
      .lt(1)
      .default(0.95)
      .describe('confidence of the intervals, and 1 - the p-value a difference must beat to be called clear'),
    target: positive
      .optional()
      .describe(
        'the level every topology is timed to: a test RMSE (regression) or a test accuracy in (0, 1] (classification); default: the best level every run reached',
      ),
  })
  .strict()
  .describe("the rules a report's verdict follows (see docs/verdicts.md)");

/** A training experiment. */
export const trainConfigSchema = z
  .object({
    $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
    kind: z.literal('train').describe('a training experiment (the default when "kind" is left out)'),
    name: z.string().min(1).default('run').describe("the experiment's name (results and reports)"),
    description: z.string().optional().describe('free text shown in nothing but the config'),
    ...timingFields,
    workload: workloadSchema
      .optional()
      .describe(
        `the model size and compute time the clock uses: ${WORKLOAD_ACCEPTED}. Default in a train config: the trained model's parameter count x 32 bits, and computeMs's default`,
      ),
    modelSizeBits: positive
      .optional()
      .describe("size of the model on every link (bits); default: the workload's, else the trained model's parameter count x 32"),
    computeMs: z
      .number()
      .nonnegative()
      .optional()
      .describe(
        "compute time of one local step (ms); default: the workload's, else the model's documented default (fadnet 25, femnist-cnn 4.6, linear 1.5; any other model: its multiply-adds per sample x batchSize at the FEMNIST CNN's rate of 4.6 ms per 11,999,104 x 32 multiply-adds), with a notice",
      ),
    // one setting, one meaning: a training round's compute is localSteps x computeMs
    localUpdates: z
      .never({
        error:
          'not a train-config field: the simulated clock counts localSteps (each round computes localSteps x computeMs); use localSteps',
      })
      .optional()
      .describe('not allowed in a train config: localSteps sets both the training and the simulated compute per round'),
    seeds: z
      .array(seedValue)
      .min(1)
      .optional()
      .describe('run every sweep point once per seed (a seed axis: one run directory each, aggregated in the report with 95% intervals)'),
    repeats: positiveInt.optional().describe('run every sweep point with seeds seed, seed+1, ..., seed+repeats-1 (instead of "seeds")'),
    topology: oneTrainTopology.default('ring').describe('the topology trained (one name; several go in "sweep")'),
    mixing: z
      .enum(['metropolis', 'uniform'])
      .default('metropolis')
      .describe("weights of static overlays other than RING, and of a schedule file's rounds"),
    overlay: z.string().optional().describe('overlay file for the "overlay" and "multigraph-overlay" topologies'),
    schedule: z
      .string()
      .optional()
      .describe('schedule file for the "schedule" topology: a JSON list of overlays, one per round of a period'),
    model: modelSchema.default({ name: 'fadnet', inputSize: 64 }).describe('the model every silo trains'),
    dataset: datasetSchema
      .default({ kind: 'synthetic-driving', sequences: 66, framesPerSequence: 40, testFraction: 0.2 })
      .describe('the data: generated or read, split into a test set and silo shards'),
    partition: partitionSchema,
    rounds: positiveInt.default(300).describe('rounds to train (a run with simulatedBudgetMs stops earlier)'),
    simulatedBudgetMs: positive
      .optional()
      .describe(
        'simulated-time budget (ms): a run trains the rounds that end within it and stops before the first that would end after it',
      ),
    localSteps: positiveInt.default(1).describe('local steps per round: trained, and timed as localSteps x computeMs per round'),
    batchSize: positiveInt.default(32).describe('mini-batch size of a local step'),
    lr: positive.default(1e-3).describe('learning rate (Adam)'),
    evalEvery: positiveInt
      .optional()
      .describe(
        'evaluate the averaged model every this many rounds, and always at the last round; default: about 20 evaluations per run (floor(rounds run / 20), at least 1)',
      ),
    evalSilos: z.boolean().default(false).describe("also evaluate every silo's own model (slower)"),
    verdict: verdictSchema.optional(),
    checkpointEvery: positiveInt
      .default(50)
      .describe('write a checkpoint every this many rounds (a finished run keeps none unless --keep-checkpoints)'),
    backend: z
      .enum(['auto', 'node', 'wasm', 'cpu'])
      .default('auto')
      .describe(
        "TensorFlow.js backend (auto: node if installed, else wasm with dflsim's kernels); results are the same bits on native and portable kernels",
      ),
    threads: positiveInt.optional().describe('wasm compute threads per model (default: DFLSIM_THREADS or 1)'),
    queue: z
      .string()
      .optional()
      .describe(
        'run the sweep over the Redis queue at this URL (redis:// or rediss://), as --queue does (--queue and DFLSIM_QUEUE come first); never written to results',
      ),
    queuePrefix: z
      .string()
      .regex(QUEUE_PREFIX_PATTERN)
      .optional()
      .describe(
        'key prefix of the queue in Redis (default "dflsim"), as --queue-prefix does (--queue-prefix and DFLSIM_QUEUE_PREFIX come first): users or builds sharing one Redis each use their own; never written to results',
      ),
    distributeSilos: z
      .boolean()
      .default(false)
      .describe(
        "with --queue: train this run's silos on the queue's workers, in groups, round by round (the coordinator keeps mixing, metrics and checkpoints); the same bits as a local run",
      ),
    siloGroups: positiveInt
      .optional()
      .describe(
        "distributeSilos: groups a round's silos are split into (default: the workers on the queue when the run starts); results do not depend on it",
      ),
    workers: positiveInt
      .optional()
      .describe(
        "worker threads that train a round's silos in parallel, each with its own model (default: DFLSIM_WORKERS or the machine's cores; 1 trains in the main thread); results are the same bits whatever the count",
      ),
    sweep: sweepSchema.optional(),
  })
  .strict();

/** A cycle-time comparison over networks. */
export const cycleTimeConfigSchema = z
  .object({
    $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
    kind: z.literal('cycle-times').describe('a cycle-time comparison over networks (no training)'),
    name: z.string().min(1).default('cycle-times').describe("the experiment's name (results and reports)"),
    description: z.string().optional().describe('free text shown in nothing but the config'),
    networks: z.array(z.string().min(1)).min(1).describe('built-in names or GML paths, relative to the config file'),
    ...timingFields,
    network: z.string().optional().describe('not used by cycle-time configs: list the networks in "networks"'),
    topologies: z
      .array(cycleTopology)
      .min(1)
      .optional()
      .describe("topologies to time (default: the papers' comparison: star, matcha, matcha+, mst, delta-mbst, ring, multigraph-ring)"),
    rounds: positiveInt.optional().describe("rounds K that time-varying topologies are averaged over (default: the workload's)"),
    overlay: z.string().optional().describe('overlay file for the "overlay" and "multigraph-overlay" topologies'),
    schedule: z
      .string()
      .optional()
      .describe('schedule file for the "schedule" topology: a JSON list of overlays, one per round of a period'),
    networkOverlays: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe(
        'per network (a "networks" entry): an overlay file, e.g. the reference implementation\'s RING tour; adds the "overlay" topology for it, and "multigraph-overlay" when "multigraph-ring" is timed',
      ),
    published: z
      .enum(PUBLISHED_NAMES)
      .optional()
      .describe('a published table to show beside the results (do2023-table3: Do et al., ICCV 2023, Table 3)'),
    sweep: z
      .object({
        tMax: z.array(positiveInt).min(1).optional().describe('multigraph t values'),
        accessGbps: z.array(positive).min(1).optional().describe('access-link capacities (Gbit/s)'),
        modelSizeBits: z.array(positive).min(1).optional().describe('model sizes on the links (bits)'),
        localUpdates: z.array(positiveInt).min(1).optional().describe('local updates per round'),
      })
      .strict()
      .optional()
      .describe('fields to vary: one comparison per combination'),
  })
  .strict();

/** Any experiment config. */
export const configSchema = z.discriminatedUnion('kind', [trainConfigSchema, cycleTimeConfigSchema]);

/** A training experiment's config (`kind: "train"`), as validated (fields: `docs/config-reference.md`). */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
/** A cycle-time experiment's config (`kind: "cycle-times"`), as validated. */
export type CycleTimeConfig = z.infer<typeof cycleTimeConfigSchema>;
/** An experiment config of either kind. */
export type ExperimentConfig = z.infer<typeof configSchema>;

/** The JSON Schema of configs (for editors). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}

/** A field path as written in a config (`dataset.sequences`, `sweep.topology[1]`). */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
};
let schemaCache: JsonSchemaNode | undefined;

/**
 * The field names a config accepts at `path` (for "did you mean"), from the JSON Schema; of
 * a union of kinds (`dataset`), the branch of the kind the config gives there.
 */
function knownFields(path: readonly PropertyKey[], raw: unknown): string[] {
  schemaCache ??= configJsonSchema() as JsonSchemaNode;
  const kindAt = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? (v as { kind?: unknown }).kind : undefined);
  const expand = (ns: JsonSchemaNode[], value: unknown): JsonSchemaNode[] => {
    const all = ns.flatMap((n) => [n, ...expand([...(n.anyOf ?? []), ...(n.oneOf ?? [])], value)]);
    const kind = kindAt(value) ?? (value === raw ? 'train' : undefined);
    const matching = all.filter((n) => {
      const k = (n.properties?.kind as { const?: unknown } | undefined)?.const;
      return k === undefined || k === kind;
    });
    return kind === undefined ? all : matching;
  };
  let nodes: JsonSchemaNode[] = [schemaCache];
  let value: unknown = raw;
  for (const p of path) {
    nodes = expand(nodes, value).flatMap((n) => {
      if (typeof p === 'number') return n.items ? [n.items] : [];
      const child = n.properties?.[String(p)] ?? (typeof n.additionalProperties === 'object' ? n.additionalProperties : undefined);
      return child ? [child] : [];
    });
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  }
  return [...new Set(expand(nodes, value).flatMap((n) => Object.keys(n.properties ?? {})))];
}

/**
 * The issues of a union the input did not match: those of the one branch whose type it has
 * (an object given for a preset-or-object field: the object's own errors), else the union's.
 */
function unionBranchIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !Array.isArray(issue.errors)) return undefined;
  const typed = (issue.errors as z.core.$ZodIssue[][]).filter(
    (branch) => branch.length > 0 && !branch.some((b) => b.path.length === 0 && (b.code === 'invalid_type' || b.code === 'invalid_value')),
  );
  if (typed.length !== 1) return undefined;
  return typed[0].map((b) => ({ ...b, path: [...issue.path, ...b.path] }));
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const branch = unionBranchIssues(issue);
  if (branch) return branch.flatMap((b) => describeIssue(b, raw));
  const where = issue.path.length ? fieldPath(issue.path) : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = knownFields(issue.path, raw);
    const head = where === '(top level)' ? '' : `${where}: `;
    return issue.keys.map((k) => {
      const close = closestNames(k, known);
      const hint = close.length
        ? ` (did you mean ${close.map((c) => `"${c}"`).join(' or ')}?)`
        : known.length && known.length <= 12
          ? ` (accepted here: ${known.join(', ')})`
          : ' (docs/config-reference.md lists every field)';
      return `${head}unknown field "${k}"${hint}`;
    });
  }
  return [`${where}: ${issue.message}`];
}

/**
 * Validate a parsed config object.
 * @param source file name for messages
 */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  expectString(source, 'validateConfig: source', "a name for messages (the config's file path)");
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('kind' in raw)) raw = { kind: 'train', ...(raw as object) };
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.flatMap((i) => describeIssue(i, raw));
    // a single bad field names it in the error's place, so a caller can tell which
    const only = r.error.issues.length === 1 && r.error.issues[0].path.length ? fieldPath(r.error.issues[0].path) : undefined;
    if (only && lines.length === 1 && lines[0].startsWith(`${only}: `))
      throw new DflsimInputError(`${source}: ${only}`, lines[0].slice(only.length + 2));
    throw new DflsimInputError(source, `invalid config:\n  ${lines.join('\n  ')}`);
  }
  checkClockFields(r.data, source);
  if (r.data.kind === 'train') {
    const m = r.data.model;
    if (m.name === undefined && m.path === undefined && m.module === undefined) m.name = 'fadnet';
    checkDataFields(r.data, raw, source);
    checkSeedFields(r.data, source);
  }
  return r.data;
}

/** `seeds`, `repeats` and `sweep.seed` are three ways to say one thing: at most one, without repeats. */
export function checkSeedFields(c: Pick<TrainConfig, 'seeds' | 'repeats' | 'sweep'>, source: string): void {
  const given = [c.seeds ? 'seeds' : '', c.repeats !== undefined ? 'repeats' : '', c.sweep?.seed ? 'sweep.seed' : ''].filter(Boolean);
  if (given.length > 1)
    throw new DflsimInputError(`${source}: ${given[1]}`, `give the seeds once: "${given[0]}" and "${given[1]}" both set them`);
  const list = c.seeds ?? c.sweep?.seed;
  if (list) {
    const dup = list.find((x, i) => list.indexOf(x) !== i);
    if (dup !== undefined)
      throw new DflsimInputError(`${source}: ${c.seeds ? 'seeds' : 'sweep.seed'}`, `seed ${dup} is listed twice (each seed is one run)`);
  }
}

/**
 * The seeds a train config runs: `seeds`, or `repeats` seeds from `seed` (seed, seed+1, ...),
 * or `sweep.seed`, or just `seed`.
 */
export function configSeeds(c: Pick<TrainConfig, 'seed' | 'seeds' | 'repeats' | 'sweep'>): number[] {
  if (c.seeds) return [...c.seeds];
  if (c.repeats !== undefined) return Array.from({ length: c.repeats }, (_, i) => c.seed + i);
  if (c.sweep?.seed) return [...c.sweep.seed];
  return [c.seed];
}

/**
 * Model, dataset and partition must fit together: fadnet trains on driving frames,
 * femnist-cnn on characters; character datasets are split by writer (the default there)
 * and are 28x28 (`model.inputSize` is set to 28). Fills those defaults in `cfg`.
 * @param raw the config as given (to tell a default from a choice)
 */
export function checkDataFields(
  cfg: { model: { name?: string; inputSize: number }; dataset: { kind: string }; partition: unknown },
  raw: unknown,
  source: string,
): void {
  const given = (raw && typeof raw === 'object' ? raw : {}) as { partition?: unknown; model?: { inputSize?: unknown } };
  const characters = (CHARACTER_DATASET_KINDS as readonly string[]).includes(cfg.dataset.kind);
  if ((USER_DATA_KINDS as readonly string[]).includes(cfg.dataset.kind)) {
    checkUserDataFields(cfg, given.partition !== undefined, source);
    return;
  }
  if (characters) {
    if (cfg.model.name === 'fadnet' || cfg.model.name === 'dronet')
      throw new DflsimInputError(
        `${source}: model.name`,
        `"${cfg.model.name}" regresses steering angles from driving frames; dataset "${cfg.dataset.kind}" holds characters: use "femnist-cnn" (or "linear")`,
      );
    if (given.partition === undefined) cfg.partition = 'by-writer';
    else if (cfg.partition !== 'by-writer') {
      const what = typeof cfg.partition === 'string' ? cfg.partition : 'dirichlet';
      throw new DflsimInputError(
        `${source}: partition`,
        `"${what}" splits driving data; dataset "${cfg.dataset.kind}" is split by writer (whole writers per silo, as LEAF): use "by-writer" or leave "partition" out`,
      );
    }
    const size = given.model?.inputSize;
    if (size !== undefined && size !== 28)
      throw new DflsimInputError(
        `${source}: model.inputSize`,
        `dataset "${cfg.dataset.kind}" has 28x28 images; got ${String(size)} (leave it out or set 28)`,
      );
    cfg.model.inputSize = 28;
  } else {
    if (cfg.model.name === 'femnist-cnn')
      throw new DflsimInputError(
        `${source}: model.name`,
        `"femnist-cnn" classifies 28x28 characters; dataset "${cfg.dataset.kind}" holds driving frames: use a character dataset ("synthetic-characters" or "leaf-femnist") or model "fadnet"`,
      );
    if (cfg.partition === 'by-writer')
      throw new DflsimInputError(
        `${source}: partition`,
        `"by-writer" splits character datasets by writer; dataset "${cfg.dataset.kind}" has sequences: use "by-sequence", "iid" or a dirichlet partition`,
      );
    if (cfg.partition === 'by-group' || cfg.partition === 'by-file')
      throw new DflsimInputError(
        `${source}: partition`,
        `"${cfg.partition}" splits users' own data (npz, npy, csv, image-folder); dataset "${cfg.dataset.kind}" has sequences: use "by-sequence", "iid" or a dirichlet partition`,
      );
  }
}

/**
 * Users' own data: the partition defaults to by-file (several files), by-group (a group
 * column or array) or iid; the driving and character partitions do not apply; FADNet's
 * input scaling and steering head are for driving frames.
 */
function checkUserDataFields(
  cfg: { model: { name?: string }; dataset: { kind: string } & Record<string, unknown>; partition: unknown },
  partitionGiven: boolean,
  source: string,
): void {
  const d = cfg.dataset;
  if (cfg.model.name === 'fadnet' || cfg.model.name === 'dronet')
    throw new DflsimInputError(
      `${source}: model.name`,
      `"${cfg.model.name}" regresses steering angles from driving frames (pixels in [0, 255]); for a "${d.kind}" dataset use "linear", "femnist-cnn" (28x28x1 images), or your own model ("path" to a model.json, or "module")`,
    );
  if (!partitionGiven) {
    const files = d.kind === 'npz' && Array.isArray(d.files) && d.files.length > 1;
    cfg.partition = files ? 'by-file' : typeof d.group === 'string' ? 'by-group' : 'iid';
    return;
  }
  if (cfg.partition === 'by-sequence' || cfg.partition === 'by-writer')
    throw new DflsimInputError(
      `${source}: partition`,
      `"${cfg.partition}" splits the built-in ${cfg.partition === 'by-writer' ? 'character' : 'driving'} data; a "${d.kind}" dataset is split "iid", by "dirichlet", "by-group" or "by-file"`,
    );
}

/** Stragglers, failures and fair sharing run only on the event clock. */
export function checkClockFields(c: { clock: string; sharing: string; stragglers?: unknown; failures?: unknown }, source: string): void {
  if (c.clock === 'events') return;
  const bad = [c.sharing !== 'fixed' ? 'sharing' : '', c.stragglers ? 'stragglers' : '', c.failures ? 'failures' : ''].filter(Boolean);
  if (bad.length)
    throw new DflsimInputError(
      `${source}: ${bad[0]}`,
      `${bad.join(', ')} ${bad.length > 1 ? 'run' : 'runs'} only on the event clock: add "clock": "events" (the max-plus clock is exact and has none)`,
    );
}

/** Resolve a path in a config relative to the config file (built-in names stay as they are). */
export function resolveConfigPath(p: string, configFile: string): string {
  if (!/[\\/]|\.(gml|json|ya?ml|csv)$/i.test(p)) return p;
  return path.resolve(path.dirname(configFile), p);
}

/**
 * Command-line overrides of config fields (`dflsim run --clock events ...`): each replaces the
 * field before validation; `flag` names the option in errors. A path value is taken relative to
 * the working directory, not to the config file.
 */
export interface ConfigOverride {
  field: 'clock' | 'sharing' | 'siloProfile' | 'linkCapacities' | 'seeds' | 'silos' | 'component' | 'rounds';
  flag: string;
  value: string | number | number[] | string[];
  isPath?: boolean;
}

/** Read, parse (JSON or YAML by extension) and validate a config file; check that referenced files exist. */
export function loadConfig(file: string, overrides: ConfigOverride[] = []): ExperimentConfig {
  expectString(file, 'loadConfig: file', 'a config file path (JSON or YAML)');
  if (!Array.isArray(overrides))
    throw new DflsimInputError('loadConfig: overrides', `expected an array of {field, value}, got ${describeValue(overrides)}`);
  const text = readInputFile(file, 'config file');
  const raw = /\.ya?ml$/i.test(file) ? parseYamlInput(text, file) : parseJsonInput(text, file);
  if (overrides.length && (raw === null || typeof raw !== 'object' || Array.isArray(raw)))
    throw new DflsimInputError(file, 'expected a JSON object (a config)');
  for (const o of overrides) {
    if (o.field === 'seeds') {
      // --seeds replaces the config's seeds, whichever way it gave them
      const r = raw as Record<string, unknown>;
      delete r.repeats;
      if (r.sweep && typeof r.sweep === 'object' && !Array.isArray(r.sweep)) delete (r.sweep as Record<string, unknown>).seed;
      r.seeds = o.value;
    } else if (o.isPath && typeof o.value === 'string') {
      const abs = path.resolve(o.value);
      if (!existsSync(abs)) throw new DflsimInputError(o.flag, `file not found: ${abs}`);
      if (statSync(abs).isDirectory()) throw new DflsimInputError(o.flag, `${abs} is a directory, not a file`);
      (raw as Record<string, unknown>)[o.field] = abs;
    } else (raw as Record<string, unknown>)[o.field] = o.value;
  }
  let cfg: ExperimentConfig;
  try {
    cfg = validateConfig(raw, file);
  } catch (e) {
    // a bad value that came from the command line names the option, not the file
    const o = e instanceof DflsimInputError ? overrides.find((x) => e.where === `${file}: ${x.field}`) : undefined;
    if (o && e instanceof DflsimInputError) throw new DflsimInputError(o.flag, e.message.slice(e.where.length + 2));
    throw e;
  }
  const check = (p: string | undefined, field: string): void => {
    if (p === undefined) return;
    const resolved = resolveConfigPath(p, file);
    if (resolved !== p && !existsSync(resolved))
      throw new DflsimInputError(
        `${file}: ${field}`,
        `file not found: ${resolved}${/shared/.test(p) ? " (the papers' networks are in ../shared/networks beside the project)" : ''}`,
      );
    if (resolved !== p && statSync(resolved).isDirectory())
      throw new DflsimInputError(`${file}: ${field}`, `${resolved} is a directory, not a file`);
  };
  if (typeof cfg.siloProfile === 'string') check(cfg.siloProfile, 'siloProfile');
  if (cfg.kind === 'train') {
    check(cfg.network, 'network');
    check(cfg.overlay, 'overlay');
    check(cfg.schedule, 'schedule');
    const ds = cfg.dataset;
    if (ds.kind === 'leaf-femnist') {
      const one = typeof ds.files === 'string';
      (one ? [ds.files as string] : (ds.files as string[])).forEach((f, i) => {
        const p = path.resolve(path.dirname(file), f);
        if (!existsSync(p)) throw new DflsimInputError(`${file}: dataset.files${one ? '' : `[${i}]`}`, `not found: ${p}`);
      });
    }
    for (const field of ['path', 'module'] as const) {
      const v = cfg.model[field];
      if (v === undefined) continue;
      const p = path.resolve(path.dirname(file), v);
      if (!existsSync(p)) throw new DflsimInputError(`${file}: model.${field}`, `file not found: ${p}`);
      if (statSync(p).isDirectory()) throw new DflsimInputError(`${file}: model.${field}`, `${p} is a directory, not a file`);
    }
    if (cfg.dataset.kind === 'dronet' && !existsSync(resolveConfigPath(cfg.dataset.root + '/', file)))
      throw new DflsimInputError(`${file}: dataset.root`, `folder not found: ${resolveConfigPath(cfg.dataset.root + '/', file)}`);
  } else {
    cfg.networks.forEach((n, i) => check(n, `networks[${i}]`));
    check(cfg.overlay, 'overlay');
    check(cfg.schedule, 'schedule');
    for (const [net, overlay] of Object.entries(cfg.networkOverlays ?? {})) {
      if (!cfg.networks.includes(net))
        throw new DflsimInputError(`${file}: networkOverlays`, `"${net}" is not one of "networks" (${cfg.networks.join(', ')})`);
      check(overlay, `networkOverlays["${net}"]`);
    }
  }
  return cfg;
}

/**
 * The runs of a train config: its sweep with the seeds as the last axis (`topology=ring,seed=2`;
 * no seed axis for one seed), each run config with its own `seed` and without `sweep`, `seeds`
 * and `repeats`, so that a run of seed s is the run a config with `"seed": s` makes.
 */
export function expandTrainRuns(cfg: TrainConfig): { label: string; config: Omit<TrainConfig, 'sweep'> }[] {
  const seeds = configSeeds(cfg);
  const { seeds: _s, repeats: _r, ...rest } = cfg;
  const { seed: _sweepSeed, ...axes } = cfg.sweep ?? {};
  const sweep = { ...axes, ...(seeds.length > 1 ? { seed: seeds } : {}) };
  const base = { ...rest, seed: seeds[0], sweep: Object.keys(sweep).length ? sweep : undefined } as TrainConfig;
  return expandSweep(base);
}

/**
 * A sweep point's label (`topology=ring,seed=2`, as {@link expandSweep} writes it) back
 * into its `axis -> value` pairs, in order; `run` (no sweep) gives none.
 */
export function sweepLabelPairs(label: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of label.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** Expand a config's sweep into one config per combination (without `sweep`). */
export function expandSweep<T extends { sweep?: Record<string, unknown[] | undefined> }>(
  cfg: T,
): { label: string; config: Omit<T, 'sweep'> }[] {
  const { sweep, ...base } = cfg;
  const axes = Object.entries(sweep ?? {}).filter(([, v]) => Array.isArray(v) && v.length) as [string, unknown[]][];
  let combos: { label: string; config: Record<string, unknown> }[] = [{ label: '', config: { ...base } }];
  for (const [key, values] of axes) {
    combos = combos.flatMap((c) =>
      values.map((v) => {
        const config = { ...c.config, [key]: v };
        return { label: `${c.label}${c.label ? ',' : ''}${key}=${String(v)}`, config };
      }),
    );
  }
  return combos.map((c) => ({ label: c.label || 'run', config: c.config as Omit<T, 'sweep'> }));
}

/** The timing workload of a config: its preset or custom workload, with `modelSizeBits` / `computeMs` overrides applied. */
export function configWorkload(c: { workload: CycleTimeConfig['workload']; modelSizeBits?: number; computeMs?: number }): Workload {
  const base = typeof c.workload === 'string' ? getWorkload(c.workload) : { rounds: 6400, ...c.workload };
  return getWorkload('custom', {
    ...base,
    ...(c.modelSizeBits !== undefined ? { modelSizeBits: c.modelSizeBits } : {}),
    ...(c.computeMs !== undefined ? { computeMs: c.computeMs } : {}),
  });
}

/** The clock's workload of a training run, and where its two figures come from. */
export interface TrainTiming {
  workload: Workload;
  /** `config modelSizeBits`, `workload fadnet-64`, or `model: 341,930 parameters x 32 bits`. */
  modelSizeSource: string;
  /** `config computeMs`, `workload ...`, or `default for fadnet (...)`. */
  computeMsSource: string;
  /** A one-line notice when a documented default was used (the compute time). */
  notice?: string;
}

/**
 * The workload of a training config: `modelSizeBits` and `computeMs` as the config sets them
 * (directly or through `workload`), else the trained model's parameter count x 32 bits and
 * the model's documented default step time (with a notice). Never another model's figures.
 * @param model the trained model's parameter count and default step time
 */
export function trainTiming(
  c: Pick<TrainConfig, 'workload' | 'modelSizeBits' | 'computeMs' | 'model'>,
  model: { paramCount: number; bitsPerParameter: number; stepTime: { computeMs: number; source: string } },
): TrainTiming {
  const preset =
    c.workload === undefined ? undefined : typeof c.workload === 'string' ? getWorkload(c.workload) : { rounds: 6400, ...c.workload };
  const sizeFromModel = model.paramCount * model.bitsPerParameter;
  const modelSizeBits = c.modelSizeBits ?? preset?.modelSizeBits ?? sizeFromModel;
  const computeMs = c.computeMs ?? preset?.computeMs ?? model.stepTime.computeMs;
  const modelSizeSource =
    c.modelSizeBits !== undefined
      ? 'config modelSizeBits'
      : preset
        ? `workload ${preset.name}`
        : `model: ${model.paramCount.toLocaleString('en-US')} parameters x ${model.bitsPerParameter} bits`;
  const computeMsSource =
    c.computeMs !== undefined
      ? 'config computeMs'
      : preset
        ? `workload ${preset.name}`
        : `default for ${modelLabel(c.model)}: ${model.stepTime.source}`;
  const notice =
    c.computeMs === undefined && !preset
      ? `computeMs not set: each local step is timed as ${model.stepTime.computeMs} ms, ${modelLabel(c.model)}'s default (${model.stepTime.source}); set "computeMs" to your silos' step time (ms)`
      : undefined;
  const workload = getWorkload('custom', {
    name: preset?.name ?? modelLabel(c.model),
    rounds: preset?.rounds ?? 6400,
    modelSizeBits,
    computeMs,
  });
  return { workload, modelSizeSource, computeMsSource, ...(notice ? { notice } : {}) };
}
