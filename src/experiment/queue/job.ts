/**
 * A queued job: one run of a sweep, carrying its resolved config and, by content, every
 * file the run reads (so workers need no shared disk). The coordinator builds jobs (and
 * signs them when the queue has a secret); a worker checks one (size, id, signature, build,
 * prefix, kind, config schema, every path inside its working directory) before it runs
 * anything.
 */
import { USER_DATA_KINDS } from '../../data/user-data.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DflsimInputError } from '../../errors.js';
import { resolveConfigPath, validateConfig, type TrainConfig } from '../config.js';
import { jsonBytes, MAX_JOB_BYTES, mib } from './limits.js';
import { insideDir, RUN_JOB_ID, showId } from './names.js';
import { jobSigned, signJob } from './sign.js';
import { BUILTIN_MODEL_NAMES, isBuiltinModel } from '../../learning/model-registry.js';

/** Prefix of a worker's failure message for a job refused or failed on bad input (not retried). */
export const INPUT_PREFIX = '[input] ';

/** The one kind of work a worker does. */
export const TRAIN_RUN = 'train-run';

/** A job's data, as stored in the queue. */
export interface RunJob {
  /** The coordinator's build (`<version>+<code hash>`, see `buildId`). */
  build: string;
  kind: typeof TRAIN_RUN;
  /** The queue prefix it was queued under (a job copied to another prefix is refused). */
  prefix: string;
  /** The experiment's name. */
  experiment: string;
  /** The sweep point's label (`run` for a single run). */
  label: string;
  /** The run's directory below the results directory (`.` for a single run). */
  runDir: string;
  /** Base name of the coordinator's config file (names it in messages). */
  configName: string;
  /** The resolved run config; paths name entries of `files`. */
  config: TrainConfig;
  /** Logical name (`<field>/<base name>`) to base64 content. */
  files: Record<string, string>;
  /** HMAC of the rest under the queue's secret (absent without one). */
  sig?: string;
}

/** A job built by the coordinator, with what maps its results back. */
export interface BuiltJob {
  id: string;
  data: RunJob;
  /** Logical file name to the coordinator's path (to translate a worker's messages back). */
  originals: Record<string, string>;
}

/** What a worker returns for a finished run: its result files (base64), signed when the queue has a secret. */
export interface RunJobResult {
  files: Record<string, string>;
  /** SHA-256 of the run's final checkpoint, which stays in Redis (the coordinator copies it to checkpoint.bin). */
  checkpointSha256: string;
  /** The worker's build. */
  build: string;
  /** HMAC of the files and the checkpoint's hash under the queue's secret (absent without one). */
  sig?: string;
}

/** The path fields of a run config a job carries by content. */
const PATH_FIELDS = ['network', 'overlay', 'schedule', 'siloProfile'] as const;
type PathField = (typeof PATH_FIELDS)[number];

const SAFE_NAME = /^[A-Za-z0-9_.=+,-]+$/;
const safeBase = (p: string): string => path.basename(p).replace(/[^A-Za-z0-9_.=+-]+/g, '_');

function pathValue(cfg: TrainConfig, field: PathField): string | undefined {
  const v = (cfg as Record<string, unknown>)[field];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Build the job of one run: its path fields replaced by logical names of carried files.
 * A `dronet` dataset (a folder of images) is refused, naming `dataset.root`.
 * @param configFile the coordinator's config path (relative paths resolve against it)
 */
export function buildRunJob(
  runCfg: TrainConfig,
  configFile: string,
  meta: { experiment: string; label: string; runDir: string; build: string; prefix: string; secret?: Buffer },
): BuiltJob {
  if (runCfg.dataset.kind === 'dronet') {
    throw new DflsimInputError(
      `${configFile}: dataset.root`,
      'a dronet dataset folder cannot be sent over the queue (a job carries files by content, not folders): run it locally, or use a synthetic-driving dataset',
    );
  }
  if ((USER_DATA_KINDS as readonly string[]).includes(runCfg.dataset.kind)) {
    throw new DflsimInputError(
      `${configFile}: dataset.kind`,
      `a "${runCfg.dataset.kind}" dataset (the user's own files or a dataset registered in this process) is not sent over the queue: run it locally (--parallel-runs and workers use this machine's cores)`,
    );
  }
  if (runCfg.model.module !== undefined)
    throw new DflsimInputError(
      `${configFile}: model.module`,
      'a queued run never makes a worker import a module (a job is input from a stranger): run it locally, or save the model as a model.json (model.path)',
    );
  if (runCfg.model.name !== undefined && !isBuiltinModel(runCfg.model.name))
    throw new DflsimInputError(
      `${configFile}: model.name`,
      `model "${runCfg.model.name}" is registered in this process; the queue's workers build only the built-in models (${BUILTIN_MODEL_NAMES.join(', ')}) and model files (model.path): run it locally`,
    );
  const config = structuredClone(runCfg) as TrainConfig & Record<string, unknown>;
  const files: Record<string, string> = {};
  const originals: Record<string, string> = {};
  if (runCfg.model.path !== undefined) carryModelFiles(runCfg.model.path, configFile, config, files, originals);
  for (const field of PATH_FIELDS) {
    const v = pathValue(runCfg, field);
    if (v === undefined) continue;
    const resolved = resolveConfigPath(v, configFile);
    if (resolved === v && !/[\\/]/.test(v)) continue; // a built-in name
    const logical = `${field}/${safeBase(resolved)}`;
    let content: Buffer;
    try {
      content = readFileSync(resolved);
    } catch (e) {
      throw new DflsimInputError(`${configFile}: ${field}`, `cannot read ${resolved}: ${(e as Error).message}`);
    }
    files[logical] = content.toString('base64');
    originals[logical] = resolved;
    config[field] = logical;
  }
  const data: RunJob = {
    build: meta.build,
    kind: TRAIN_RUN,
    prefix: meta.prefix,
    experiment: meta.experiment,
    label: meta.label,
    runDir: meta.runDir,
    configName: safeBase(configFile),
    config,
    files,
  };
  const bytes = jsonBytes(data, MAX_JOB_BYTES);
  if (bytes > MAX_JOB_BYTES) {
    const largest = Object.entries(files).sort((a, b) => b[1].length - a[1].length)[0];
    const field = largest ? largest[0].split('/')[0] : 'config';
    throw new DflsimInputError(
      `${configFile}: ${field}`,
      `the job of run ${meta.label} is ${mib(bytes)} (config and files, base64), above the queue's maximum of ${mib(MAX_JOB_BYTES)}${largest ? `; its largest file is ${originals[largest[0]]} (${mib(largest[1].length)} as base64)` : ''}: run it locally`,
    );
  }
  const id = jobId(data);
  if (meta.secret) data.sig = signJob(meta.secret, meta.prefix, id, data);
  return { id, data, originals };
}

/**
 * Carry a model file and its shards in a job, as `model/<base name>` each: the job's
 * `model.path` names the carried model.json; its shards must be files beside it (plain names,
 * as tf.io and tensorflowjs_converter write them).
 */
function carryModelFiles(
  modelPath: string,
  configFile: string,
  config: TrainConfig,
  files: Record<string, string>,
  originals: Record<string, string>,
): void {
  const where = `${configFile}: model.path`;
  const file = path.resolve(path.dirname(configFile), modelPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DflsimInputError(where, `cannot read ${file}: ${(e as Error).message}`);
  }
  let manifest: unknown;
  try {
    manifest = (JSON.parse(text) as { weightsManifest?: unknown }).weightsManifest;
  } catch (e) {
    throw new DflsimInputError(where, `${file}: is not JSON (${(e as Error).message})`);
  }
  const shards = Array.isArray(manifest)
    ? manifest.flatMap((g) =>
        g && typeof g === 'object' && Array.isArray((g as { paths?: unknown }).paths) ? (g as { paths: unknown[] }).paths : [],
      )
    : [];
  const json = `model/${safeBase(file)}`;
  files[json] = Buffer.from(text, 'utf8').toString('base64');
  originals[json] = file;
  for (const p of shards) {
    if (typeof p !== 'string' || !SAFE_NAME.test(p) || p === '.' || p === '..' || `model/${p}` === json)
      throw new DflsimInputError(
        where,
        `${file}: shard ${JSON.stringify(p)} is not a plain file name beside model.json: a queued job carries the model's shards beside it (run it locally, or save the shards in the model's folder)`,
      );
    const shard = path.join(path.dirname(file), p);
    try {
      files[`model/${p}`] = readFileSync(shard).toString('base64');
    } catch (e) {
      throw new DflsimInputError(where, `${file}: cannot read shard ${shard}: ${(e as Error).message}`);
    }
    originals[`model/${p}`] = shard;
  }
  config.model = { ...config.model, path: json };
}

/**
 * The job id: a hash of (build, config, files' names and contents), so that the same run of
 * the same build is one job whatever the results directory, and another build or another
 * file content is another job.
 */
export function jobId(data: Pick<RunJob, 'build' | 'config' | 'files'>): string {
  const files = Object.keys(data.files)
    .sort()
    .map((k) => [k, data.files[k]]);
  return (
    'run-' +
    createHash('sha256')
      .update(JSON.stringify([data.build, data.config, files]))
      .digest('hex')
      .slice(0, 32)
  );
}

/** A job a worker refuses (not run, not retried). */
export class RefusedJobError extends Error {}

/** A job checked by a worker: its config and where the run reads and writes. */
export interface CheckedJob {
  config: TrainConfig;
  /** The config's (virtual) path in the job's working directory. */
  configFile: string;
  /** Carried files to write: absolute path (inside the working directory) to content. */
  writes: { file: string; content: Buffer }[];
  /** The run's results directory (inside the working directory). */
  outDir: string;
}

/** What a worker checks a job against. */
export interface JobCheck {
  /** The worker's build (a job of another is refused, naming both). */
  build: string;
  /** The worker's queue prefix. */
  prefix: string;
  /** The queue's secret: with one, a job without a valid signature is refused. */
  secret?: Buffer;
}

/**
 * What every queued job carries and a worker checks first, whatever its kind: the
 * signature (with this worker's secret, or none on both sides), the build and the prefix.
 * @throws RefusedJobError naming what does not match
 */
export function checkEnvelope<T extends { sig?: unknown; build?: unknown; prefix?: unknown }>(
  job: T,
  id: string,
  check: JobCheck,
): asserts job is T & { build: string; prefix: string } {
  if (check.secret && !jobSigned(check.secret, check.prefix, id, job)) {
    throw new RefusedJobError(
      job.sig === undefined
        ? 'refused job: it is not signed, and this worker has a queue secret (give the coordinator the same DFLSIM_QUEUE_SECRET or --queue-secret-file)'
        : "refused job: its signature does not match this worker's queue secret (a forged job, or another secret)",
    );
  }
  if (!check.secret && job.sig !== undefined)
    throw new RefusedJobError(
      "refused job: it is signed, and this worker has no queue secret: give it the coordinator's (DFLSIM_QUEUE_SECRET or --queue-secret-file)",
    );
  if (job.build !== check.build)
    throw new RefusedJobError(
      `refused job: it was queued by dflsim build ${String(job.build)}, this worker is build ${check.build} (run the same build on every machine, or give each build its own --queue-prefix)`,
    );
  if (job.prefix !== check.prefix)
    throw new RefusedJobError(`refused job: it was queued under prefix ${showId(job.prefix)}, this worker serves prefix "${check.prefix}"`);
}

/**
 * Check a job before anything runs: its size, that its id is dflsim's and matches its
 * content, its signature (with a secret), build, prefix and kind, the config schema, and
 * that every path (carried files, the config's path fields, the run directory) stays
 * inside `workDir`.
 * @param id the job's id (from Redis)
 * @param workDir the job's own directory (nothing is written here by this check)
 * @throws RefusedJobError (a forged or foreign job) or DflsimInputError (a bad config)
 */
export function checkRunJob(raw: unknown, id: string, workDir: string, check: JobCheck): CheckedJob {
  if (!RUN_JOB_ID.test(id)) throw new RefusedJobError(`refused job ${showId(id)}: not a dflsim run id (run- and 32 hex digits)`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RefusedJobError('refused job: not an object');
  const bytes = jsonBytes(raw, MAX_JOB_BYTES);
  if (bytes > MAX_JOB_BYTES)
    throw new RefusedJobError(`refused job: it holds more than ${mib(MAX_JOB_BYTES)}, the queue's maximum for a job (MAX_JOB_BYTES)`);
  const job = raw as Partial<RunJob>;
  checkEnvelope(job, id, check);
  if (job.kind !== TRAIN_RUN)
    throw new RefusedJobError(`refused job: unknown kind of work ${JSON.stringify(job.kind)} (this worker runs "${TRAIN_RUN}")`);
  if (!job.files || typeof job.files !== 'object' || Array.isArray(job.files))
    throw new RefusedJobError('refused job: "files" is not an object');
  if (jobId({ build: job.build, config: job.config as TrainConfig, files: job.files }) !== id)
    throw new RefusedJobError(`refused job ${showId(id)}: its id is not the hash of its config and files`);
  const base = path.resolve(workDir);
  const inside = (p: string): boolean => path.resolve(p) === base || insideDir(base, p) !== undefined;
  const configName =
    typeof job.configName === 'string' && SAFE_NAME.test(job.configName) && job.configName !== '..' && job.configName !== '.'
      ? job.configName
      : 'config.json';
  const configFile = path.join(base, configName);
  const writes: CheckedJob['writes'] = [];
  for (const [name, content] of Object.entries(job.files)) {
    const parts = name.split('/');
    const file = path.resolve(base, name);
    if (parts.length !== 2 || !parts.every((p) => SAFE_NAME.test(p) && p !== '.' && p !== '..') || !inside(file))
      throw new RefusedJobError(`refused job: file ${JSON.stringify(name)} is outside the worker's working directory`);
    if (typeof content !== 'string') throw new RefusedJobError(`refused job: file ${JSON.stringify(name)} has no base64 content`);
    writes.push({ file, content: Buffer.from(content, 'base64') });
  }
  const runDir = typeof job.runDir === 'string' ? job.runDir : '';
  if (!SAFE_NAME.test(runDir) || runDir === '..' || !inside(path.resolve(base, 'out', runDir)))
    throw new RefusedJobError(`refused job: run directory ${JSON.stringify(job.runDir)} is outside the worker's working directory`);
  // the same schema as a config file (the config is checked as if read from configName)
  const cfg = validateConfig(job.config, configName);
  if (cfg.kind !== 'train') throw new RefusedJobError(`refused job: a "${cfg.kind}" config is not a training run`);
  if (cfg.sweep) throw new RefusedJobError('refused job: a run config has no sweep');
  if (cfg.dataset.kind === 'dronet') throw new RefusedJobError('refused job: dataset.root names a folder the job does not carry');
  if ((USER_DATA_KINDS as readonly string[]).includes(cfg.dataset.kind))
    throw new RefusedJobError(`refused job: a "${cfg.dataset.kind}" dataset names files or code the job does not carry`);
  if (cfg.model.module !== undefined)
    throw new RefusedJobError('refused job: model.module: a queued job never makes a worker import a module');
  if (cfg.model.path !== undefined) {
    const v = cfg.model.path;
    if (!v.startsWith('model/') || !inside(path.resolve(base, v)) || !(v in job.files))
      throw new RefusedJobError(
        `refused job: model.path ${JSON.stringify(v)} is not a model file the job carries (a path outside the worker's working directory)`,
      );
  }
  for (const field of PATH_FIELDS) {
    const v = pathValue(cfg, field);
    if (v === undefined) continue;
    const resolved = resolveConfigPath(v, configFile);
    if (resolved === v && !/[\\/]/.test(v)) continue;
    if (!inside(resolved) || !(v in job.files))
      throw new RefusedJobError(
        `refused job: ${field} ${JSON.stringify(v)} is not a file the job carries (a path outside the worker's working directory)`,
      );
  }
  return { config: cfg, configFile, writes, outDir: path.join(base, 'out', runDir) };
}
