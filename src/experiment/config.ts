/**
 * Experiment configs (JSON or YAML), validated by a zod schema that also emits a JSON
 * Schema for editors. Unknown fields are errors; every error names the field path and what
 * was expected. A config may sweep fields, giving one run per combination.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DflsimInputError } from '../errors.js';
import { parseJsonInput, parseYamlInput, readInputFile } from '../input-file.js';
import { expectedTopologies, findTopology, topologyNames, topologySchemaPatterns } from '../overlay/catalogue.js';
import type { Topology } from '../overlay/topology.js';
import { getWorkload, WORKLOAD_NAMES, type Workload } from '../timing/workload.js';
import { PUBLISHED_NAMES } from './published.js';
import { CHARACTER_DATASET_KINDS } from '../data/registry.js';
import { QUEUE_PREFIX_PATTERN } from './queue/names.js';

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

const workloadSchema = z.union([
  z.enum(WORKLOAD_NAMES as [string, ...string[]]),
  z.object({
    name: z.string().default('custom'),
    modelSizeBits: positive.describe('size of the model on every link (bits)'),
    computeMs: z.number().nonnegative().describe('compute time of one local update (ms)'),
    rounds: positiveInt.optional(),
  }).strict(),
]).describe('a workload preset or a custom model size and compute time');

/** A per-silo value of a generated profile: a constant or a seeded distribution. */
const profileValueSchema = z.union([
  positive,
  z.object({ lognormal: z.object({ median: positive, sigma: z.number().nonnegative() }).strict() }).strict(),
  z.object({ uniform: z.object({ min: positive, max: positive }).strict() }).strict(),
  z.object({ choice: z.object({ values: z.array(positive).min(1), weights: z.array(z.number().nonnegative()).min(1).optional() }).strict() }).strict(),
]);

const siloProfileSchema = z.union([
  z.string().min(1).describe('a CSV file (silo,computeMs,uploadGbps,downloadGbps; any subset of the value columns), relative to the config file'),
  z.object({
    computeMs: profileValueSchema.optional().describe('compute time of one local step (ms) per silo'),
    uploadGbps: profileValueSchema.optional().describe('upload capacity of each silo\'s access link (Gbit/s)'),
    downloadGbps: profileValueSchema.optional().describe('download capacity of each silo\'s access link (Gbit/s)'),
    seed: z.number().int().nonnegative().optional().describe('seed of the draws (default: the config\'s seed)'),
  }).strict().describe('a seeded generator: each field a constant or {"lognormal": {"median", "sigma"}}, {"uniform": {"min", "max"}}, {"choice": {"values", "weights"}}'),
]).describe('per-silo compute and access capacities; absent: every silo uses the workload\'s compute time and accessGbps');

const siloNames = z.array(z.string().min(1)).min(1);
const stragglerSchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('lognormal'), sigma: positive.describe('sigma of log(compute multiplier); the median is the silo\'s own compute time'), silos: siloNames.optional().describe('only these silos (default: all)') }).strict(),
  z.object({ model: z.literal('two-point'), p: z.number().gt(0).lte(1).describe('probability that a silo is slow in a round'), slowdown: z.number().gt(1).describe('compute multiplier of a slow round'), silos: siloNames.optional() }).strict(),
]).describe('random per-round compute times (event clock only), seeded by (seed, silo, round)');

const roundInterval = { fromRound: z.number().int().nonnegative().describe('first round down (0-based)'), toRound: z.number().int().nonnegative().describe('last round down (inclusive)') };
const failureSchema = z.object({
  silos: z.array(z.object({ silo: z.string().min(1), ...roundInterval }).strict()).optional().describe('silos down for rounds fromRound..toRound'),
  links: z.array(z.object({ between: z.tuple([z.string().min(1), z.string().min(1)]), ...roundInterval }).strict()).optional().describe('overlay links down (both directions) for rounds fromRound..toRound'),
  rate: z.object({ perRound: z.number().gt(0).lt(1).describe('probability that an up silo goes down at a round'), meanDownRounds: z.number().gte(1).describe('mean rounds a failure lasts (geometric)') }).strict().optional().describe('seeded random failures of every silo'),
}).strict().describe('silos and links that are down (event clock only): a down silo neither trains, sends, receives nor mixes; its neighbours skip it that round');

const timingFields = {
  network: z.string().min(1).describe('built-in network (gaia-cities, aws-na-cities) or a GML file path, relative to the config file'),
  workload: workloadSchema.default('femnist'),
  modelSizeBits: positive.optional().describe('overrides the workload\'s model size (bits)'),
  computeMs: z.number().nonnegative().optional().describe('overrides the workload\'s compute time per local update (ms)'),
  accessGbps: positive.default(10).describe('access-link capacity of every silo (Gbit/s)'),
  uploadGbps: positive.optional(),
  downloadGbps: positive.optional(),
  coreGbps: positive.default(1),
  localUpdates: positiveInt.default(1).describe('local updates per round, for the timing model'),
  tMax: positiveInt.default(5).describe('multigraph: maximum number of edges between two silos'),
  budget: z.number().gt(0).lte(1).default(0.5).describe('MATCHA communication budget'),
  seed: z.number().int().nonnegative().default(0),
  siloProfile: siloProfileSchema.optional(),
  linkCapacities: z.enum(['ignore', 'gml']).default('ignore').describe('underlay link capacities: ignore them (the papers) or use the GML "capacity" (bit/s) / "capacityGbps" of each link: a path\'s bandwidth is its bottleneck link\'s capacity over its hops'),
  clock: z.enum(['max-plus', 'events']).default('max-plus').describe('max-plus (exact, the papers\' model) or events (a discrete-event simulation: fair sharing, stragglers, failures)'),
  sharing: z.enum(['fixed', 'fair']).default('fixed').describe('event clock: access links divided by degree (fixed, equals max-plus) or shared max-min fairly among concurrent transfers (fair)'),
  stragglers: stragglerSchema.optional(),
  failures: failureSchema.optional(),
  missingCoordinates: z.enum(['error', 'drop', 'neighbours']).default('error').describe('GML nodes without Latitude/Longitude: refuse (error), drop them with their links, or place them at the mean position of their neighbours'),
};

/**
 * A topology name from the catalogue that satisfies `filter` (a listed name or one
 * matching a pattern such as base-(k+1)); the JSON Schema lists the names.
 */
function topologyField(filter: (t: Topology) => boolean) {
  const names = topologyNames(filter);
  const open = topologySchemaPatterns();
  return z.string()
    .refine((name) => { const t = findTopology(name); return t !== undefined && filter(t); }, { error: (iss) => `unknown topology ${JSON.stringify(iss.input)}; expected one of ${expectedTopologies(filter)}` })
    .meta({ anyOf: [{ enum: names }, ...open.map((pattern) => ({ pattern }))] });
}

const trainTopology = topologyField((t) => t.supports.training);
const cycleTopology = topologyField((t) => t.supports.cycleTime);

const datasetSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('synthetic-driving'),
    sequences: positiveInt.default(66),
    framesPerSequence: positiveInt.default(40),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    seed: z.number().int().nonnegative().optional(),
  }).strict(),
  z.object({
    kind: z.literal('dronet'),
    root: z.string().min(1).describe('folder of sequence folders (images/ + sync_steering.txt)'),
    maxFramesPerSequence: positiveInt.optional(),
    testFraction: z.number().gt(0).lt(1).default(0.2),
  }).strict(),
  z.object({
    kind: z.literal('synthetic-characters'),
    writers: positiveInt.default(110).describe('number of writers (default 110: 10 per silo on Gaia\'s 11); whole writers go to silos (partition by-writer)'),
    seed: z.number().int().nonnegative().optional().describe('seed of the images (default: the config\'s seed)'),
    meanSamplesPerWriter: z.number().min(10).optional().describe('mean images per writer (default FEMNIST\'s 226.8; the spread keeps FEMNIST\'s ratio to the mean)'),
    digitWeight: positive.optional().describe('how many times as likely each digit is as each letter (default 3)'),
    testFraction: z.number().gt(0).lt(1).default(0.2).describe('share of EACH writer\'s images held out for the test set (LEAF\'s per-user split)'),
  }).strict().describe('seeded handwritten-like characters, 62 classes at 28x28, non-IID by writer (the built-in stand-in for FEMNIST)'),
  z.object({
    kind: z.literal('leaf-femnist'),
    files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('a folder of LEAF FEMNIST *.json files, a file, or a list of them, relative to the config file'),
    invert: z.enum(['auto', 'yes', 'no']).default('auto').describe('flip pixels to ink = 1 (auto: when a file\'s mean pixel is above 0.5, as LEAF\'s white background)'),
    testFraction: z.number().gt(0).lt(1).default(0.2).describe('share of EACH writer\'s images held out for the test set (LEAF\'s per-user split)'),
  }).strict().describe('FEMNIST in LEAF\'s JSON layout (users, num_samples, user_data)'),
]);

const partitionSchema = z.union([
  z.enum(['by-sequence', 'iid', 'by-writer']),
  z.object({ kind: z.literal('dirichlet'), alpha: positive, bins: positiveInt.default(5) }).strict(),
]).default('by-sequence').describe('how the training data is split over silos: by-sequence (default for driving data), iid, dirichlet; by-writer (whole writers per silo: the default, and the only choice, for character datasets)');

/** Largest `model.inputSize` (pixels a side): bounds the memory a model takes, also for a job from the queue. */
export const MAX_INPUT_SIZE = 1024;

const modelSchema = z.object({
  name: z.enum(['fadnet', 'linear', 'femnist-cnn']).default('fadnet').describe('fadnet (steering regression, Nguyen et al. 2022), femnist-cnn (62-class character classification, Marfoq et al. 2020\'s FEMNIST CNN; character datasets only) or a linear model on the pixels'),
  inputSize: positiveInt.max(MAX_INPUT_SIZE).default(64).describe(`frame height and width (pixels, at most ${MAX_INPUT_SIZE}); character datasets are 28x28 (femnist-cnn's fixed input)`),
}).strict();

const sweepSchema = z.object({
  topology: z.array(trainTopology).min(1).optional(),
  tMax: z.array(positiveInt).min(1).optional(),
  accessGbps: z.array(positive).min(1).optional(),
  modelSizeBits: z.array(positive).min(1).optional(),
  localSteps: z.array(positiveInt).min(1).optional(),
}).strict();

/** A training experiment. */
export const trainConfigSchema = z.object({
  $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
  kind: z.literal('train'),
  name: z.string().min(1).default('run'),
  description: z.string().optional(),
  ...timingFields,
  // one setting, one meaning: a training round's compute is localSteps x computeMs
  localUpdates: z.never({ error: 'not a train-config field: the simulated clock counts localSteps (each round computes localSteps x computeMs); use localSteps' }).optional().describe('not allowed in a train config: localSteps sets both the training and the simulated compute per round'),
  topology: trainTopology.default('ring'),
  mixing: z.enum(['metropolis', 'uniform']).default('metropolis').describe('weights of static overlays other than RING, and of a schedule file\'s rounds'),
  overlay: z.string().optional().describe('overlay file for the "overlay" and "multigraph-overlay" topologies'),
  schedule: z.string().optional().describe('schedule file for the "schedule" topology: a JSON list of overlays, one per round of a period'),
  model: modelSchema.default({ name: 'fadnet', inputSize: 64 }),
  dataset: datasetSchema.default({ kind: 'synthetic-driving', sequences: 66, framesPerSequence: 40, testFraction: 0.2 }),
  partition: partitionSchema,
  rounds: positiveInt.default(300),
  simulatedBudgetMs: positive.optional().describe('stop a run when its simulated clock passes this (ms)'),
  localSteps: positiveInt.default(1).describe('local steps per round: trained, and timed as localSteps x computeMs per round'),
  batchSize: positiveInt.default(32),
  lr: positive.default(1e-3),
  evalEvery: positiveInt.default(20),
  evalSilos: z.boolean().default(false),
  checkpointEvery: positiveInt.default(50),
  backend: z.enum(['auto', 'node', 'wasm', 'cpu']).default('auto'),
  threads: positiveInt.optional().describe('wasm compute threads per model (default: DFLSIM_THREADS or 1)'),
  queue: z.string().optional().describe('run the sweep over the Redis queue at this URL (redis:// or rediss://), as --queue does (--queue and DFLSIM_QUEUE come first); never written to results'),
  queuePrefix: z.string().regex(QUEUE_PREFIX_PATTERN).optional().describe('key prefix of the queue in Redis (default "dflsim"), as --queue-prefix does (--queue-prefix and DFLSIM_QUEUE_PREFIX come first): users or builds sharing one Redis each use their own; never written to results'),
  distributeSilos: z.boolean().default(false).describe('with --queue: train this run\'s silos on the queue\'s workers, in groups, round by round (the coordinator keeps mixing, metrics and checkpoints); the same bits as a local run'),
  siloGroups: positiveInt.optional().describe('distributeSilos: groups a round\'s silos are split into (default: the workers on the queue when the run starts); results do not depend on it'),
  workers: positiveInt.optional().describe('worker threads that train a round\'s silos in parallel, each with its own model (default: DFLSIM_WORKERS or the machine\'s cores; 1 trains in the main thread); results are the same bits whatever the count'),
  sweep: sweepSchema.optional(),
}).strict();

/** A cycle-time comparison over networks. */
export const cycleTimeConfigSchema = z.object({
  $schema: z.string().optional().describe('path of the JSON Schema, for editors'),
  kind: z.literal('cycle-times'),
  name: z.string().min(1).default('cycle-times'),
  description: z.string().optional(),
  networks: z.array(z.string().min(1)).min(1).describe('built-in names or GML paths, relative to the config file'),
  ...timingFields,
  network: z.string().optional(),
  topologies: z.array(cycleTopology).min(1).optional(),
  rounds: positiveInt.optional(),
  overlay: z.string().optional(),
  schedule: z.string().optional().describe('schedule file for the "schedule" topology: a JSON list of overlays, one per round of a period'),
  networkOverlays: z.record(z.string(), z.string().min(1)).optional().describe('per network (a "networks" entry): an overlay file, e.g. the reference implementation\'s RING tour; adds the "overlay" topology for it, and "multigraph-overlay" when "multigraph-ring" is timed'),
  published: z.enum(PUBLISHED_NAMES).optional().describe('a published table to show beside the results (do2023-table3: Do et al., ICCV 2023, Table 3)'),
  sweep: z.object({
    tMax: z.array(positiveInt).min(1).optional(),
    accessGbps: z.array(positive).min(1).optional(),
    modelSizeBits: z.array(positive).min(1).optional(),
    localUpdates: z.array(positiveInt).min(1).optional(),
  }).strict().optional(),
}).strict();

/** Any experiment config. */
export const configSchema = z.discriminatedUnion('kind', [trainConfigSchema, cycleTimeConfigSchema]);

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type CycleTimeConfig = z.infer<typeof cycleTimeConfigSchema>;
export type ExperimentConfig = z.infer<typeof configSchema>;

/** The JSON Schema of configs (for editors). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${where === '(top level)' ? '' : where + ': '}unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}`;
}

/**
 * Validate a parsed config object.
 * @param source file name for messages
 */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('kind' in raw)) raw = { kind: 'train', ...(raw as object) };
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map(describeIssue);
    throw new DflsimInputError(source, `invalid config:\n  ${lines.join('\n  ')}`);
  }
  checkClockFields(r.data, source);
  if (r.data.kind === 'train') checkDataFields(r.data, raw, source);
  return r.data;
}

/**
 * Model, dataset and partition must fit together: fadnet trains on driving frames,
 * femnist-cnn on characters; character datasets are split by writer (the default there)
 * and are 28x28 (`model.inputSize` is set to 28). Fills those defaults in `cfg`.
 * @param raw the config as given (to tell a default from a choice)
 */
export function checkDataFields(cfg: { model: { name: string; inputSize: number }; dataset: { kind: string }; partition: unknown }, raw: unknown, source: string): void {
  const given = (raw && typeof raw === 'object' ? raw : {}) as { partition?: unknown; model?: { inputSize?: unknown } };
  const characters = (CHARACTER_DATASET_KINDS as readonly string[]).includes(cfg.dataset.kind);
  if (characters) {
    if (cfg.model.name === 'fadnet') throw new DflsimInputError(`${source}: model.name`, `"fadnet" regresses steering angles from driving frames; dataset "${cfg.dataset.kind}" holds characters: use "femnist-cnn" (or "linear")`);
    if (given.partition === undefined) cfg.partition = 'by-writer';
    else if (cfg.partition !== 'by-writer') {
      const what = typeof cfg.partition === 'string' ? cfg.partition : 'dirichlet';
      throw new DflsimInputError(`${source}: partition`, `"${what}" splits driving data; dataset "${cfg.dataset.kind}" is split by writer (whole writers per silo, as LEAF): use "by-writer" or leave "partition" out`);
    }
    const size = given.model?.inputSize;
    if (size !== undefined && size !== 28) throw new DflsimInputError(`${source}: model.inputSize`, `dataset "${cfg.dataset.kind}" has 28x28 images; got ${String(size)} (leave it out or set 28)`);
    cfg.model.inputSize = 28;
  } else {
    if (cfg.model.name === 'femnist-cnn') throw new DflsimInputError(`${source}: model.name`, `"femnist-cnn" classifies 28x28 characters; dataset "${cfg.dataset.kind}" holds driving frames: use a character dataset ("synthetic-characters" or "leaf-femnist") or model "fadnet"`);
    if (cfg.partition === 'by-writer') throw new DflsimInputError(`${source}: partition`, `"by-writer" splits character datasets by writer; dataset "${cfg.dataset.kind}" has sequences: use "by-sequence", "iid" or a dirichlet partition`);
  }
}

/** Stragglers, failures and fair sharing run only on the event clock. */
export function checkClockFields(c: { clock: string; sharing: string; stragglers?: unknown; failures?: unknown }, source: string): void {
  if (c.clock === 'events') return;
  const bad = [c.sharing !== 'fixed' ? 'sharing' : '', c.stragglers ? 'stragglers' : '', c.failures ? 'failures' : ''].filter(Boolean);
  if (bad.length) throw new DflsimInputError(`${source}: ${bad[0]}`, `${bad.join(', ')} ${bad.length > 1 ? 'run' : 'runs'} only on the event clock: add "clock": "events" (the max-plus clock is exact and has none)`);
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
  field: 'clock' | 'sharing' | 'siloProfile' | 'linkCapacities';
  flag: string;
  value: string;
  isPath?: boolean;
}

/** Read, parse (JSON or YAML by extension) and validate a config file; check that referenced files exist. */
export function loadConfig(file: string, overrides: ConfigOverride[] = []): ExperimentConfig {
  const text = readInputFile(file, 'config file');
  const raw = /\.ya?ml$/i.test(file) ? parseYamlInput(text, file) : parseJsonInput(text, file);
  if (overrides.length && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) throw new DflsimInputError(file, 'expected a JSON object (a config)');
  for (const o of overrides) {
    if (o.isPath) {
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
    if (resolved !== p && !existsSync(resolved)) throw new DflsimInputError(`${file}: ${field}`, `file not found: ${resolved}${/shared/.test(p) ? ' (the papers\' networks are in ../shared/networks beside the project)' : ''}`);
    if (resolved !== p && statSync(resolved).isDirectory()) throw new DflsimInputError(`${file}: ${field}`, `${resolved} is a directory, not a file`);
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
    if (cfg.dataset.kind === 'dronet' && !existsSync(resolveConfigPath(cfg.dataset.root + '/', file))) throw new DflsimInputError(`${file}: dataset.root`, `folder not found: ${resolveConfigPath(cfg.dataset.root + '/', file)}`);
  } else {
    cfg.networks.forEach((n, i) => check(n, `networks[${i}]`));
    check(cfg.overlay, 'overlay');
    check(cfg.schedule, 'schedule');
    for (const [net, overlay] of Object.entries(cfg.networkOverlays ?? {})) {
      if (!cfg.networks.includes(net)) throw new DflsimInputError(`${file}: networkOverlays`, `"${net}" is not one of "networks" (${cfg.networks.join(', ')})`);
      check(overlay, `networkOverlays["${net}"]`);
    }
  }
  return cfg;
}

/** Expand a config's sweep into one config per combination (without `sweep`). */
export function expandSweep<T extends { sweep?: Record<string, unknown[] | undefined> }>(cfg: T): { label: string; config: Omit<T, 'sweep'> }[] {
  const { sweep, ...base } = cfg;
  const axes = Object.entries(sweep ?? {}).filter(([, v]) => Array.isArray(v) && v.length) as [string, unknown[]][];
  let combos: { label: string; config: Record<string, unknown> }[] = [{ label: '', config: { ...base } }];
  for (const [key, values] of axes) {
    combos = combos.flatMap((c) => values.map((v) => {
      const config = { ...c.config, [key]: v };
      return { label: `${c.label}${c.label ? ',' : ''}${key}=${String(v)}`, config };
    }));
  }
  return combos.map((c) => ({ label: c.label || 'run', config: c.config as Omit<T, 'sweep'> }));
}

/** The timing workload of a config: its preset or custom workload, with `modelSizeBits` / `computeMs` overrides applied. */
export function configWorkload(c: { workload: ExperimentConfig['workload']; modelSizeBits?: number; computeMs?: number }): Workload {
  const base = typeof c.workload === 'string' ? getWorkload(c.workload) : { rounds: 6400, ...c.workload };
  return getWorkload('custom', {
    ...base,
    ...(c.modelSizeBits !== undefined ? { modelSizeBits: c.modelSizeBits } : {}),
    ...(c.computeMs !== undefined ? { computeMs: c.computeMs } : {}),
  });
}
