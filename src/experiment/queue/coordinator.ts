/**
 * The coordinator of a queued sweep: enqueues one job per run (deduplicated by job id),
 * follows them across workers, and writes each finished run's files into the results
 * directory exactly as a local run writes them (the worker's paths replaced by the
 * coordinator's).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { DflsimInputError } from '../../errors.js';
import { decodeCheckpoint, encodeCheckpoint, writeFileAtomic } from '../checkpoint.js';
import type { TrainConfig } from '../config.js';
import { configHash, packageVersion, type RunSummary } from '../runner.js';
import { connectionOptions, openConnection, probeRedis, QUEUE_NAME } from './connection.js';
import { redactIn, redactUrl } from './url.js';
import { buildRunJob, INPUT_PREFIX, type BuiltJob, type RunJob, type RunJobResult } from './job.js';


/** One run of the sweep to queue. */
export interface QueuedRun {
  label: string;
  /** Its results directory (the coordinator's). */
  dir: string;
  /** Its directory below the results directory (`.` for a single run). */
  runDir: string;
  runCfg: TrainConfig;
}

/** Options of {@link runQueued}. */
export interface QueuedOptions {
  url: string;
  /** The flag or variable the URL came from. */
  where: string;
  experiment: string;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  onProgress?: (label: string, done: number, total: number, detail: string) => void;
  /** Poll interval (ms), default 300. */
  pollMs?: number;
  /** Write finished runs' checkpoints as checkpoint.bin (default: a finished run keeps none, as a local one). */
  keepCheckpoints?: boolean;
}

interface Progress { round?: number; total?: number; detail?: string }

/**
 * Write a worker's result files into `dir` as a local run writes them: config paths, the
 * config file and the config hash are the coordinator's; `summary.outDir` is `dir`; the
 * checkpoint carries the coordinator's config hash.
 */
export function writeRunResults(run: QueuedRun, configFile: string, built: BuiltJob, result: RunJobResult, checkpoint?: Buffer): RunSummary {
  if (!result || typeof result.files !== 'object' || result.files === null) throw new Error(`the worker returned no result for run ${run.label}`);
  const file = (name: string): Buffer => {
    const b64 = result.files[name];
    if (typeof b64 !== 'string') throw new Error(`the worker returned no ${name} for run ${run.label}`);
    return Buffer.from(b64, 'base64');
  };
  const hash = configHash(run.runCfg);
  mkdirSync(run.dir, { recursive: true });
  const resolved = JSON.parse(file('config.resolved.json').toString('utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(built.data.config)) if (typeof v === 'string' && v in built.originals) resolved[k] = (run.runCfg as Record<string, unknown>)[k];
  resolved.configFile = path.resolve(configFile);
  resolved.configHash = hash;
  writeFileAtomic(path.join(run.dir, 'config.resolved.json'), JSON.stringify(resolved, null, 2) + '\n');
  // the run's other files as the worker wrote them (names checked: inside the run's directory)
  for (const name of Object.keys(result.files)) {
    if (['config.resolved.json', 'summary.json', 'checkpoint.bin'].includes(name)) continue;
    const target = path.resolve(run.dir, name);
    const rel = path.relative(path.resolve(run.dir), target);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`the worker returned a file outside the run's directory: ${JSON.stringify(name)}`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileAtomic(target, file(name));
  }
  const ckBytes = checkpoint ?? (result.files['checkpoint.bin'] ? file('checkpoint.bin') : undefined);
  if (ckBytes) {
    const ck = path.join(run.dir, 'checkpoint.bin');
    const { state, kernels } = decodeCheckpoint(ckBytes, ck);
    writeFileAtomic(ck, encodeCheckpoint(state, hash, kernels));
  }
  const summary = JSON.parse(file('summary.json').toString('utf8')) as RunSummary;
  summary.outDir = run.dir;
  writeFileAtomic(path.join(run.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** A worker's message with its logical file names replaced by the coordinator's paths. */
function translate(message: string, built: BuiltJob, configFile: string): string {
  let m = message;
  for (const [logical, original] of Object.entries(built.originals)) m = m.split(logical).join(original);
  if (m.startsWith(`${built.data.configName}:`)) m = configFile + m.slice(built.data.configName.length);
  return m;
}

/**
 * Refuse a queue that holds (waiting or running) jobs of another dflsim version, naming both.
 */
async function checkQueueVersion(queue: Queue, version: string, where: string): Promise<void> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'], 0, 500);
  const other = jobs.find((j) => j && (j.data as Partial<RunJob>)?.dflsimVersion !== version);
  if (other) {
    const v = (other.data as Partial<RunJob>)?.dflsimVersion;
    throw new DflsimInputError(where, `the queue holds jobs of dflsim ${String(v)} (job ${other.id}); this is dflsim ${version}: empty the queue or run the same version everywhere`);
  }
}

/**
 * Run the sweep's runs over the queue; each finished run's files are written as it arrives.
 * @returns the summaries in the order of `runs`, and whether the coordinator was stopped
 */
export async function runQueued(runs: QueuedRun[], configFile: string, opts: QueuedOptions): Promise<{ summaries: RunSummary[]; interrupted: boolean }> {
  const version = packageVersion();
  const log = opts.log ?? (() => {});
  // build every job first: a bad run (an unreadable file, a dronet folder) fails before any is queued
  const built = runs.map((r) => buildRunJob(r.runCfg, configFile, { experiment: opts.experiment, label: r.label, runDir: r.runDir, version }));
  await probeRedis(opts.url, opts.where);
  const queue = new Queue(QUEUE_NAME, { connection: { url: opts.url, ...connectionOptions() } });
  queue.on('error', () => { /* reconnects */ });
  const redis = openConnection(opts.url);
  redis.on('error', () => { /* reconnects */ });
  const summaries: (RunSummary | undefined)[] = new Array(runs.length);
  try {
    await checkQueueVersion(queue, version, opts.where);
    for (const b of built) {
      const existing = await queue.getJob(b.id);
      if (existing && (await existing.getState()) === 'failed') await existing.remove();
      await queue.add(b.data.kind, b.data, { jobId: b.id, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
    }
    log(`queued ${built.length} run${built.length === 1 ? '' : 's'} on ${redactUrl(opts.url)}`);
    const pending = new Set(built.map((_, i) => i));
    const shown = new Map<number, string>();
    while (pending.size) {
      if (opts.shouldStop?.()) return { summaries: summaries.filter((s): s is RunSummary => !!s), interrupted: true };
      for (const i of [...pending]) {
        // the state first, then the job: a job read before it completes would carry no return
        // value although its state, read a moment later, says completed
        const state = await queue.getJobState(built[i].id);
        const job: Job | undefined = state === 'unknown' ? undefined : await queue.getJob(built[i].id);
        if (!job) throw new Error(`job ${built[i].id} (run ${runs[i].label}) left the queue`);
        if (state === 'completed') {
          const result = job.returnvalue as RunJobResult;
          const ckKey = typeof result?.checkpointKey === 'string' && result.checkpointKey === `dflsim:checkpoint:${built[i].id}` ? result.checkpointKey : undefined;
          const checkpoint = ckKey && opts.keepCheckpoints ? (await redis.getBuffer(ckKey)) ?? undefined : undefined;
          summaries[i] = writeRunResults(runs[i], configFile, built[i], result, checkpoint);
          if (ckKey) await redis.del(ckKey);
          pending.delete(i);
          const s = summaries[i]!;
          opts.onProgress?.(runs[i].runCfg.name, s.rounds, s.rounds, 'done');
        } else if (state === 'failed') {
          const reason = redactIn(job.failedReason ?? 'failed', opts.url);
          if (reason.startsWith(INPUT_PREFIX)) throw new DflsimInputError('', `${translate(reason.slice(INPUT_PREFIX.length), built[i], configFile)} (run ${runs[i].runCfg.name})`);
          throw new Error(`run ${runs[i].runCfg.name} failed on the workers after ${job.attemptsMade} attempts: ${translate(reason, built[i], configFile)}`);
        } else {
          const p = (typeof job.progress === 'object' ? job.progress : {}) as Progress;
          const key = `${p.round}/${p.total}`;
          if (p.round !== undefined && p.total !== undefined && shown.get(i) !== key) {
            shown.set(i, key);
            opts.onProgress?.(runs[i].runCfg.name, p.round, p.total, p.detail ?? '');
          }
        }
      }
      if (pending.size) await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
    }
    return { summaries: summaries as RunSummary[], interrupted: false };
  } finally {
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}
