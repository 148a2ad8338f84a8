/**
 * The coordinator of a queued sweep: enqueues one job per run (deduplicated by job id: a
 * hash of the run's config, files and build), follows them across workers, checks each
 * result (its size, file names, build, and signature when the queue has a secret), and
 * writes each finished run's files into the results directory exactly as a local run
 * writes them (the worker's paths replaced by the coordinator's).
 *
 * What a run leaves in Redis expires: once collected, its result and final checkpoint stay
 * {@link KEEP_COLLECTED_S} for other coordinators of the same run (another `--out`), and the
 * job itself is removed. A job that vanishes (Redis restarted without persistence) is queued
 * again; an unreachable Redis is waited for, up to {@link OUTAGE_MS}.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { DflsimInputError } from '../../errors.js';
import { writeFileAtomic } from '../../io/files.js';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint.js';
import type { TrainConfig } from '../config.js';
import { configHash, type RunSummary } from '../runner.js';
import { buildId } from './build.js';
import { answered, describeRedisError, openConnection, probeRedis, Silent } from './connection.js';
import { buildRunJob, INPUT_PREFIX, TRAIN_RUN, type BuiltJob, type RunJobResult } from './job.js';
import { jsonBytes, KEEP_COLLECTED_S, KEEP_UNCOLLECTED_S, MAX_BLOB_BYTES, MAX_RESULT_BYTES, mib } from './limits.js';
import { insideDir, queueKeys, RUNS_QUEUE, type QueueTarget } from './names.js';
import { checkpointSigned, NO_SECRET_WARNING, resultSigned, sha256Hex, unpackSigned } from './sign.js';
import { redactIn, redactUrl } from './url.js';
import { RESULT_FILES } from './worker.js';

/** How long the coordinator waits for an unreachable Redis before giving up (ms): 5 minutes. */
export const OUTAGE_MS = 300_000;

/** A job that vanished from Redis is queued again at most this often. */
const MAX_REQUEUES = 10;

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
  /** The queue: URL (and where it came from), prefix and secret. */
  target: QueueTarget;
  experiment: string;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  onProgress?: (label: string, done: number, total: number, detail: string) => void;
  /** Poll interval (ms), default 300. */
  pollMs?: number;
  /** Write finished runs' checkpoints as checkpoint.bin (default: a finished run keeps none, as a local one). */
  keepCheckpoints?: boolean;
  /** How long to wait for an unreachable Redis (ms), default {@link OUTAGE_MS}. */
  outageMs?: number;
}

interface Progress {
  round?: number;
  total?: number;
  detail?: string;
}

/** A result that is not what a worker of this queue and build returns: refused as bad data. */
class BadResult extends Error {}

/** A result file name: `/`-separated names of letters, digits and `_.=+,-`, none of them `.` or `..`. */
const RESULT_NAME = /^[A-Za-z0-9_.=+,-]+(\/[A-Za-z0-9_.=+,-]+)*$/;

/**
 * Check a run's result (from Redis: a stranger's) before anything is written: its size, its
 * files (names inside the run's directory, base64 strings), the files every run writes, the
 * checkpoint's hash, the build, and with a secret its signature.
 * @throws BadResult saying what is wrong
 */
export function checkRunResult(raw: unknown, jobId: string, target: Pick<QueueTarget, 'prefix' | 'secret'>, build: string): RunJobResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadResult('the result is not an object');
  const bytes = jsonBytes(raw, MAX_RESULT_BYTES);
  if (bytes > MAX_RESULT_BYTES)
    throw new BadResult(`the result holds more than ${mib(MAX_RESULT_BYTES)}, the queue's maximum for a result`);
  const r = raw as Partial<RunJobResult>;
  if (!r.files || typeof r.files !== 'object' || Array.isArray(r.files)) throw new BadResult('the result has no files');
  for (const [name, content] of Object.entries(r.files)) {
    if (!RESULT_NAME.test(name) || name.split('/').some((p) => p === '.' || p === '..'))
      throw new BadResult(`the worker returned a file outside the run's directory: ${JSON.stringify(name).slice(0, 120)}`);
    if (typeof content !== 'string') throw new BadResult(`the worker returned file ${name} without base64 content`);
  }
  for (const f of RESULT_FILES) if (!(f in r.files)) throw new BadResult(`the worker returned no ${f}`);
  if (typeof r.checkpointSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.checkpointSha256))
    throw new BadResult('the result names no checkpoint hash');
  if (target.secret && !resultSigned(target.secret, target.prefix, jobId, r as RunJobResult)) {
    throw new BadResult(
      r.sig === undefined
        ? 'the result is not signed, and this queue has a secret: refused (a planted result, or a worker without DFLSIM_QUEUE_SECRET)'
        : "the result's signature does not match this queue's secret: refused (a planted result, or a worker with another secret)",
    );
  }
  if (r.build !== build) throw new BadResult(`the result was made by dflsim build ${String(r.build).slice(0, 40)}, this is build ${build}`);
  return r as RunJobResult;
}

/**
 * Write a checked result's files into `run.dir` as a local run writes them: config paths, the
 * config file and the config hash are the coordinator's; `summary.outDir` is `run.dir`; the
 * checkpoint carries the coordinator's config hash. Every name and the checkpoint are
 * checked before the first file is written.
 */
export function writeRunResults(
  run: QueuedRun,
  configFile: string,
  built: BuiltJob,
  result: RunJobResult,
  checkpoint: Buffer,
  keepCheckpoint = false,
): RunSummary {
  const file = (name: string): Buffer => Buffer.from(result.files[name], 'base64');
  const hash = configHash(run.runCfg);
  const targets = new Map<string, string>();
  for (const name of Object.keys(result.files)) {
    if (['config.resolved.json', 'summary.json', 'checkpoint.bin'].includes(name)) continue;
    const target = insideDir(run.dir, name);
    if (!target) throw new BadResult(`the worker returned a file outside the run's directory: ${JSON.stringify(name).slice(0, 120)}`);
    targets.set(name, target);
  }
  const ckFile = path.join(run.dir, 'checkpoint.bin');
  let ck: ReturnType<typeof decodeCheckpoint>;
  let resolved: Record<string, unknown>, summary: RunSummary;
  try {
    ck = decodeCheckpoint(checkpoint, ckFile);
    resolved = JSON.parse(file('config.resolved.json').toString('utf8')) as Record<string, unknown>;
    summary = JSON.parse(file('summary.json').toString('utf8')) as RunSummary;
  } catch (e) {
    throw new BadResult(`the worker's results do not read: ${(e as Error).message}`);
  }
  if (!resolved || typeof resolved !== 'object' || !summary || typeof summary !== 'object')
    throw new BadResult("the worker's config.resolved.json or summary.json is not an object");
  mkdirSync(run.dir, { recursive: true });
  for (const [k, v] of Object.entries(built.data.config))
    if (typeof v === 'string' && v in built.originals) resolved[k] = (run.runCfg as Record<string, unknown>)[k];
  resolved.configFile = path.resolve(configFile);
  resolved.configHash = hash;
  writeFileAtomic(path.join(run.dir, 'config.resolved.json'), JSON.stringify(resolved, null, 2) + '\n');
  // the run's other files as the worker wrote them (names checked above: inside the run's directory)
  for (const [name, target] of targets) {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileAtomic(target, file(name));
  }
  // a finished run keeps no checkpoint unless asked (--keep-checkpoints), as a local one
  if (keepCheckpoint) writeFileAtomic(ckFile, encodeCheckpoint(ck.state, hash, ck.kernels));
  else rmSync(ckFile, { force: true });
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

/** The coordinator of one sweep on the queue: its jobs, what it collected, and the connections it reads them with. */
class RunCoordinator {
  readonly summaries: (RunSummary | undefined)[];
  private readonly requeued: number[];
  private readonly shown = new Map<number, string>();
  private readonly keys: ReturnType<typeof queueKeys>;

  constructor(
    private readonly runs: QueuedRun[],
    private readonly built: BuiltJob[],
    private readonly configFile: string,
    private readonly opts: QueuedOptions,
    private readonly build: string,
    private readonly redis: ReturnType<typeof openConnection>,
    private readonly queue: Queue,
    private readonly log: (line: string) => void,
  ) {
    this.summaries = new Array(runs.length);
    this.requeued = new Array<number>(runs.length).fill(0);
    this.keys = queueKeys(opts.target.prefix);
  }

  name(i: number): string {
    return this.runs[i].runCfg.name;
  }

  async enqueue(i: number): Promise<void> {
    const b = this.built[i];
    const existing = await answered(this.queue.getJob(b.id));
    if (existing && (await answered(existing.getState())) === 'failed') await answered(existing.remove());
    await answered(
      this.queue.add(TRAIN_RUN, b.data, {
        jobId: b.id,
        attempts: 3,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: { age: KEEP_UNCOLLECTED_S },
        removeOnFail: { age: KEEP_UNCOLLECTED_S },
      }),
    );
  }

  /** Queue a run again (its job vanished, or its final checkpoint did), at most {@link MAX_REQUEUES} times. */
  async requeue(i: number): Promise<void> {
    if (++this.requeued[i] > MAX_REQUEUES)
      throw new Error(`job ${this.built[i].id} (run ${this.name(i)}) had to be queued again ${MAX_REQUEUES} times`);
    await this.enqueue(i);
  }

  /** Drop a bad result (the job, the kept copy) so that a re-run trains the run anew, and refuse it. */
  async refuseResult(i: number, why: string): Promise<never> {
    const id = this.built[i].id;
    await answered(this.queue.remove(id)).catch(() => {});
    await answered(this.redis.del(this.keys.result(id))).catch(() => {});
    throw new DflsimInputError(
      this.opts.target.where,
      `run ${this.name(i)} (job ${id}): ${why}; it was removed from the queue: run the same command again to train the run anew`,
    );
  }

  /** Forget a finished job whose final checkpoint is gone or not its result's: the run is trained again. */
  private async retrain(i: number, job: Job | undefined, why: string): Promise<false> {
    this.log(`run ${this.name(i)}: ${why}`);
    if (job) await answered(job.remove()).catch(() => {});
    await answered(this.redis.del(this.keys.result(this.built[i].id)));
    return false;
  }

  /**
   * Collect a finished run: check its result and checkpoint, write its files, keep both in
   * Redis for other coordinators until they expire, and remove the job.
   * @returns false when the final checkpoint is gone (the run is queued again)
   */
  async collect(i: number, raw: unknown, job: Job | undefined): Promise<boolean> {
    const { target } = this.opts;
    const id = this.built[i].id;
    let result: RunJobResult;
    try {
      result = checkRunResult(raw, id, target, this.build);
    } catch (e) {
      if (e instanceof BadResult) return this.refuseResult(i, e.message);
      throw e;
    }
    const ckKey = this.keys.checkpoint(id);
    const size = await answered(this.redis.strlen(ckKey));
    if (size > MAX_BLOB_BYTES) return this.refuseResult(i, `its checkpoint in Redis holds ${mib(size)}, above ${mib(MAX_BLOB_BYTES)}`);
    const stored = size ? await answered(this.redis.getBuffer(ckKey)) : null;
    if (!stored) return this.retrain(i, job, 'its final checkpoint is no longer in Redis: training it again');
    const ck = unpackSigned(stored);
    if (!ck) return this.refuseResult(i, 'its checkpoint in Redis is not one a worker stored');
    if (target.secret && !(ck.sig && checkpointSigned(target.secret, target.prefix, id, ck.bytes, ck.sig)))
      return this.refuseResult(i, "its checkpoint in Redis is not signed with this queue's secret");
    // a worker's checkpoint, but not the result's: another worker of the job (one that lost
    // its lock when Redis restarted) wrote since; the run goes on from there
    if (sha256Hex(ck.bytes) !== result.checkpointSha256)
      return this.retrain(
        i,
        job,
        'its checkpoint in Redis is not the one its result names (another worker of the job wrote since): training it again from there',
      );
    try {
      this.summaries[i] = writeRunResults(this.runs[i], this.configFile, this.built[i], result, ck.bytes, this.opts.keepCheckpoints);
    } catch (e) {
      if (e instanceof BadResult) return this.refuseResult(i, e.message);
      throw e;
    }
    // kept for other coordinators of the same run (another --out), then expired; the job goes
    await answered(this.redis.set(this.keys.result(id), JSON.stringify(result), 'EX', KEEP_COLLECTED_S, 'NX'));
    await answered(this.redis.expire(ckKey, KEEP_COLLECTED_S));
    if (job)
      await answered(job.remove()).catch(() => {
        /* another coordinator removed it */
      });
    const s = this.summaries[i]!;
    this.opts.onProgress?.(this.name(i), s.rounds, s.rounds, 'done');
    return true;
  }

  /** A result another coordinator of the same run collected and kept: collected here too. */
  async collectKept(i: number): Promise<boolean> {
    const key = this.keys.result(this.built[i].id);
    const size = await answered(this.redis.strlen(key));
    if (!size) return false;
    if (size > MAX_RESULT_BYTES) return this.refuseResult(i, `the result kept in Redis holds ${mib(size)}, above ${mib(MAX_RESULT_BYTES)}`);
    const text = await answered(this.redis.get(key));
    if (text === null) return false;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.refuseResult(i, 'the result kept in Redis is not JSON');
    }
    return this.collect(i, raw, undefined);
  }

  /**
   * Look at one pending run: collect it when it finished, fail the sweep when it failed,
   * queue it again when its job vanished, show its progress otherwise.
   * @returns true when the run is done (collected)
   */
  async poll(i: number): Promise<boolean> {
    const { target } = this.opts;
    const id = this.built[i].id;
    // the state first, then the job: a job read before it completes would carry no return
    // value although its state, read a moment later, says completed
    const state = await answered(this.queue.getJobState(id));
    if (state === 'completed' || state === 'failed') {
      const job = await answered(this.queue.getJob(id));
      if (!job) return false; // removed meanwhile (by another coordinator): looked at again next time
      if (state === 'completed') {
        if (await this.collect(i, job.returnvalue, job)) return true;
        await this.requeue(i);
        return false;
      }
      const reason = redactIn(job.failedReason ?? 'failed', target.url);
      if (reason.startsWith(INPUT_PREFIX))
        throw new DflsimInputError(
          '',
          `${translate(reason.slice(INPUT_PREFIX.length), this.built[i], this.configFile)} (run ${this.name(i)})`,
        );
      throw new Error(
        `run ${this.name(i)} failed on the workers after ${job.attemptsMade} attempts: ${translate(reason, this.built[i], this.configFile)}`,
      );
    }
    if (state === 'unknown') {
      // collected (and removed) by another coordinator of the same run?
      if (await this.collectKept(i)) return true;
      // vanished: Redis restarted without persistence, or someone removed it
      this.log(
        `job ${id} (run ${this.name(i)}) is no longer in Redis (restarted without persistence, or removed): queued again; it resumes from its checkpoint if Redis kept one`,
      );
      await this.requeue(i);
      return false;
    }
    const job = await answered(this.queue.getJob(id));
    const p = (job && typeof job.progress === 'object' ? job.progress : {}) as Progress;
    const key = `${p.round}/${p.total}`;
    if (p.round !== undefined && p.total !== undefined && this.shown.get(i) !== key) {
      this.shown.set(i, key);
      this.opts.onProgress?.(this.name(i), p.round, p.total, p.detail ?? '');
    }
    return false;
  }
}

/**
 * Run the sweep's runs over the queue; each finished run's files are written as it arrives.
 * @returns the summaries in the order of `runs`, and whether the coordinator was stopped
 */
export async function runQueued(
  runs: QueuedRun[],
  configFile: string,
  opts: QueuedOptions,
): Promise<{ summaries: RunSummary[]; interrupted: boolean }> {
  const { target } = opts;
  const build = buildId();
  const log = opts.log ?? (() => {});
  const outageMs = opts.outageMs ?? OUTAGE_MS;
  // build every job first: a bad run (an unreadable file, a dronet folder, a job too large) fails before any is queued
  const built = runs.map((r) =>
    buildRunJob(r.runCfg, configFile, {
      experiment: opts.experiment,
      label: r.label,
      runDir: r.runDir,
      build,
      prefix: target.prefix,
      secret: target.secret,
    }),
  );
  await probeRedis(target.url, target.where);
  if (!target.secret) log(NO_SECRET_WARNING);
  const redis = openConnection(target.url);
  redis.on('error', () => {
    /* reconnects */
  });
  const queue = new Queue(RUNS_QUEUE, { connection: redis, prefix: target.prefix });
  queue.on('error', () => {
    /* reconnects */
  });
  const c = new RunCoordinator(runs, built, configFile, opts, build, redis, queue, log);
  try {
    let queued = 0;
    try {
      for (let i = 0; i < built.length; i++) {
        if (await c.collectKept(i)) continue;
        await c.enqueue(i);
        queued++;
      }
    } catch (e) {
      if (e instanceof Silent)
        throw new DflsimInputError(
          target.where,
          `Redis at ${redactUrl(target.url)} stopped answering while the runs were being queued: run the same command again once it answers`,
        );
      throw e;
    }
    const kept = built.length - queued;
    log(
      `queued ${queued} run${queued === 1 ? '' : 's'} on ${redactUrl(target.url)} (prefix "${target.prefix}")${kept ? `; ${kept} taken from results kept in Redis` : ''}`,
    );
    const pending = new Set(built.map((_, i) => i).filter((i) => !c.summaries[i]));
    let silentSince: number | undefined;
    while (pending.size) {
      if (opts.shouldStop?.()) return { summaries: c.summaries.filter((s): s is RunSummary => !!s), interrupted: true };
      try {
        if (redis.status !== 'ready') throw new Silent(`connection ${redis.status}`);
        for (const i of [...pending]) if (await c.poll(i)) pending.delete(i);
        if (silentSince !== undefined) log(`Redis at ${redactUrl(target.url)} answers again`);
        silentSince = undefined;
      } catch (e) {
        if (!(e instanceof Silent)) throw e;
        if (silentSince === undefined) {
          silentSince = Date.now();
          log(`Redis at ${redactUrl(target.url)} does not answer: waiting up to ${Math.round(outageMs / 1000)} s for it`);
        } else if (Date.now() - silentSince > outageMs) {
          throw new DflsimInputError(
            target.where,
            `Redis at ${redactUrl(target.url)} has not answered for ${Math.round(outageMs / 1000)} s: stopped waiting; the runs finished so far are in the results directory, and the same command continues the others`,
          );
        }
      }
      if (pending.size) await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
    }
    return { summaries: c.summaries as RunSummary[], interrupted: false };
  } catch (e) {
    // a Redis user without a permission the queue needs: say which, not "unexpected error"
    if (e instanceof Error && /^NOPERM/.test(e.message)) throw new DflsimInputError(target.where, describeRedisError(e, target.url));
    throw e;
  } finally {
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}
