/**
 * A queue worker: takes run jobs from Redis (BullMQ), checks each, writes the files it
 * carries under its own directory, trains the run there with its checkpoints in Redis, and
 * returns the run's result files, signed when the queue has a secret. A worker that dies
 * mid-job loses nothing: its lock expires, another worker takes the job and resumes from
 * the last checkpoint.
 *
 * Everything read from Redis is input from a stranger: a job's id is checked against
 * dflsim's shape before any path or key is built from it, every path built from a job
 * stays inside the job's directory, sizes are bounded, and the worker deletes only the
 * directory it made.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DflsimInputError } from '../../errors.js';
import { runTraining, siloTrainerOptions, type CheckpointStore } from '../runner.js';
import { dataShapeOf } from '../run-data.js';
import type { LocalTrainer } from '../../learning/trainer.js';
import { buildId } from './build.js';
import { bullOptions, openConnection, probeRedis } from './connection.js';
import { checkRunJob, INPUT_PREFIX, RefusedJobError, type JobCheck, type RunJobResult } from './job.js';
import { jsonBytes, KEEP_UNCOLLECTED_S, MAX_BLOB_BYTES, MAX_RESULT_BYTES, mib } from './limits.js';
import { insideDir, queueKeys, RUN_JOB_ID, RUNS_QUEUE, showId, SILOS_QUEUE, type QueueTarget } from './names.js';
import { checkpointSigned, NO_SECRET_WARNING, packSigned, sha256Hex, signCheckpoint, signResult, unpackSigned } from './sign.js';
import { checkSiloGroupJob, siloTrainerKey, trainSiloGroup, type SiloGroupAnswer, type SiloGroupJob } from './silo-groups.js';
import { redactIn, redactUrl } from './url.js';

/** The result files a worker always returns (with any other file the run wrote). */
export const RESULT_FILES = ['metrics.csv', 'summary.json', 'config.resolved.json', 'topology.json'] as const;

/** Trainers a worker keeps for silo groups (the least recently used beyond these is freed). */
export const SILO_TRAINER_CACHE = 2;

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** The queue: URL, prefix and secret. */
  target: QueueTarget;
  /** Jobs run at once in this process (default 1). */
  concurrency?: number;
  /** Worker threads training one run's silos (like `dflsim run --workers`). */
  workers?: number;
  /**
   * Directory under which the worker makes its own subdirectory `dflsim-worker-<pid>-<random>`
   * (default `os.tmpdir()`); jobs are unpacked and trained there, and only that subdirectory
   * is removed when the worker stops.
   */
  workDir?: string;
  /** Job lock duration (ms); a dead worker's job is retried once it expires (default 30 s). */
  lockMs?: number;
  log?: (line: string) => void;
}

/** A running worker. */
export interface RunningWorker {
  /** Its own directory (removed by stop). */
  readonly workDir: string;
  /** Stop: running jobs checkpoint and go back to the queue; resolves once closed. */
  stop(): Promise<void>;
}

/**
 * A checkpoint store in Redis under the job's key, each checkpoint stored with its signature
 * (with a secret) and expiring {@link KEEP_UNCOLLECTED_S} after its last write; writes are sent
 * in order (flush awaits them). A checkpoint this queue's workers did not write is ignored:
 * the run starts over.
 */
function redisStore(
  redis: Redis,
  target: QueueTarget,
  jobId: string,
  log: (line: string) => void,
  lost: () => boolean,
): CheckpointStore & { flush(): Promise<void>; latest(): Uint8Array | undefined } {
  const key = queueKeys(target.prefix).checkpoint(jobId);
  let last: Promise<unknown> = Promise.resolve();
  let latest: Uint8Array | undefined;
  return {
    where: `redis checkpoint ${jobId}`,
    read: async () => {
      const size = await redis.strlen(key);
      if (size === 0) return undefined;
      if (size > MAX_BLOB_BYTES) {
        log(`job ${jobId}: its checkpoint in Redis holds ${mib(size)}, above ${mib(MAX_BLOB_BYTES)}: ignored, starting over`);
        return undefined;
      }
      const buf = await redis.getBuffer(key);
      const stored = buf ? unpackSigned(buf) : undefined;
      if (!stored) {
        if (buf) log(`job ${jobId}: the checkpoint in Redis is not one a worker stored: ignored, starting over`);
        return undefined;
      }
      if (target.secret && !(stored.sig && checkpointSigned(target.secret, target.prefix, jobId, stored.bytes, stored.sig))) {
        log(`job ${jobId}: the checkpoint in Redis is not signed with this queue's secret: ignored, starting over`);
        return undefined;
      }
      latest = stored.bytes;
      return stored.bytes;
    },
    write: (bytes) => {
      // a worker that lost the job's lock leaves the checkpoint to the one that has it now
      if (lost()) return;
      latest = bytes;
      const sig = target.secret ? signCheckpoint(target.secret, target.prefix, jobId, bytes) : undefined;
      last = redis.set(key, packSigned(bytes, sig), 'EX', KEEP_UNCOLLECTED_S).catch(() => {});
    },
    flush: async () => {
      await last;
    },
    latest: () => latest,
  };
}

/**
 * Make the worker's own directory under `base` (default the system's tmp), creating `base`
 * if needed (and saying so, so that stop removes it when left empty); a `base` that cannot
 * hold a directory is a DflsimInputError naming `--work-dir`.
 */
function makeWorkDir(base: string | undefined): { workDir: string; createdBase: boolean } {
  const dir = path.resolve(base ?? os.tmpdir());
  try {
    const createdBase = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    return { workDir: mkdtempSync(path.join(dir, `dflsim-worker-${process.pid}-`)), createdBase };
  } catch (e) {
    throw new DflsimInputError('--work-dir', `cannot make the worker's directory in ${dir}: ${(e as Error).message}`);
  }
}

/** A least-recently-used cache of silo trainers, keyed without the seed (each silo reseeds), freeing what it drops. */
function trainerCache(size: number): { get(job: SiloGroupJob): Promise<LocalTrainer>; clear(): void } {
  const trainers = new Map<string, LocalTrainer & { dispose?: () => void }>();
  return {
    async get(job) {
      const key = siloTrainerKey(job);
      let trainer = trainers.get(key);
      if (trainer) {
        trainers.delete(key);
        trainers.set(key, trainer);
        return trainer;
      }
      const { initBackend } = await import('../../learning/tf/backend.js');
      await initBackend({ backend: job.backend });
      const { createTrainer } = await import('../../learning/tf/silo-trainer.js');
      trainer = createTrainer(
        job.model.name,
        siloTrainerOptions(job.model, dataShapeOf(job.model, job.characters), 0, { pixelInput: !job.characters }),
      );
      trainers.set(key, trainer);
      for (const [k, t] of trainers) {
        if (trainers.size <= size) break;
        trainers.delete(k);
        t.dispose?.();
      }
      return trainer;
    },
    clear() {
      for (const t of trainers.values()) t.dispose?.();
      trainers.clear();
    },
  };
}

/**
 * Start a worker on the queue `opts.target` (checked first: an unreachable server, a refused
 * password or an untrusted certificate is a DflsimInputError within seconds).
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const log = opts.log ?? (() => {});
  const { target } = opts;
  await probeRedis(target.url, target.where);
  const check: JobCheck = { build: buildId(), prefix: target.prefix, secret: target.secret };
  const { workDir, createdBase } = makeWorkDir(opts.workDir);
  const baseDir = path.dirname(workDir);
  const removeOwn = (): void => {
    // only what this worker made: its own subdirectory (and the --work-dir it created, if left empty)
    rmSync(workDir, { recursive: true, force: true });
    if (createdBase) {
      try {
        rmdirSync(baseDir);
      } catch {
        /* not empty: someone else's files */
      }
    }
  };
  const redis = openConnection(target.url);
  redis.on('error', () => {
    /* reconnects; BullMQ reports */
  });
  let stopping = false;
  const lockMs = opts.lockMs ?? 30_000;
  /** Jobs whose lock this worker could not renew: another worker may have them now. */
  const lostLocks = new Set<string>();
  const refuse = (what: string, message: string): never => {
    const m = redactIn(message, target.url);
    log(`${what}: ${m}`);
    throw new UnrecoverableError(INPUT_PREFIX + m);
  };

  const processor = async (job: Job, token?: string): Promise<RunJobResult> => {
    // the id comes from whoever wrote to Redis: checked before any path is built from it
    const id = job.id ?? '';
    const jobDir = RUN_JOB_ID.test(id) ? insideDir(workDir, id) : undefined;
    if (!jobDir)
      return refuse(`job ${showId(id)}`, `refused job ${showId(id)}: not a dflsim run id (run- and 32 hex digits); nothing was written`);
    const clean = (s: string): string =>
      redactIn(
        s
          .split(jobDir + path.sep)
          .join('')
          .split(jobDir)
          .join('.'),
        target.url,
      );
    let checked;
    try {
      checked = checkRunJob(job.data, id, jobDir, check);
    } catch (e) {
      if (e instanceof RefusedJobError || e instanceof DflsimInputError) return refuse(`job ${id}`, clean(e.message));
      throw e;
    }
    rmSync(jobDir, { recursive: true, force: true });
    for (const w of checked.writes) {
      mkdirSync(path.dirname(w.file), { recursive: true });
      writeFileSync(w.file, w.content);
    }
    const store = redisStore(redis, target, id, log, () => lostLocks.has(id));
    log(`job ${id}: ${checked.config.name} (attempt ${job.attemptsMade + 1})`);
    try {
      const summary = await runTraining(checked.config, checked.configFile, {
        outDir: checked.outDir,
        resume: true,
        force: true,
        workers: opts.workers,
        checkpointStore: store,
        log: (l) => log(`job ${id}: ${clean(l)}`),
        shouldStop: () => stopping || lostLocks.has(id),
        onRound: (row, total) => {
          void job
            .updateProgress({
              round: row.round + 1,
              total,
              simulatedMs: row.simulatedMs,
              detail: row.testRmse !== null ? `test RMSE ${row.testRmse.toFixed(4)}` : `loss ${row.trainLoss.toFixed(4)}`,
            })
            .catch(() => {});
        },
      });
      await store.flush();
      if (summary.interrupted && lostLocks.has(id))
        throw new Error(
          "this worker lost the job's lock (Redis restarted, or did not answer for the lock's duration): left to the worker that has it now",
        );
      if (summary.interrupted) {
        // stopped: the checkpoint is in Redis; the job goes back to the queue for another worker
        log(`job ${id}: stopped at round ${summary.rounds}, back to the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // every file the run wrote (metrics.csv, summary.json, config.resolved.json, topology.json, ...)
      const files: Record<string, string> = {};
      for (const f of readdirSync(checked.outDir, { recursive: true }) as string[]) {
        const p = path.join(checked.outDir, f);
        if (statSync(p).isFile() && !f.includes('.tmp-')) files[f.split(path.sep).join('/')] = readFileSync(p).toString('base64');
      }
      for (const f of RESULT_FILES) if (!(f in files)) throw new Error(`the run wrote no ${f}`);
      // the final checkpoint stays in Redis (not in the result: megabytes of base64 through
      // BullMQ's scripts); the result names its hash, and the coordinator copies it to checkpoint.bin
      const final = store.latest();
      if (!final) throw new Error('the run left no checkpoint in Redis');
      const result: RunJobResult = { files, checkpointSha256: sha256Hex(final), build: check.build };
      const bytes = jsonBytes(result, MAX_RESULT_BYTES);
      if (bytes > MAX_RESULT_BYTES)
        return refuse(
          `job ${id}`,
          `the run's results are above ${mib(MAX_RESULT_BYTES)}, the queue's maximum for a result (MAX_RESULT_BYTES): run it locally`,
        );
      if (target.secret) result.sig = signResult(target.secret, target.prefix, id, result);
      return result;
    } catch (e) {
      if (e instanceof DflsimInputError) return refuse(`job ${id}`, clean(e.message));
      throw e;
    } finally {
      lostLocks.delete(id);
      rmSync(jobDir, { recursive: true, force: true });
    }
  };

  // silo groups of distributed runs (distributeSilos): a few trainers kept, keyed without the seed
  const trainers = trainerCache(SILO_TRAINER_CACHE);
  const siloProcessor = async (job: Job): Promise<SiloGroupAnswer> => {
    const id = job.id ?? '';
    try {
      const g = checkSiloGroupJob(job.data, id, check);
      return await trainSiloGroup(g, id, redis, await trainers.get(g), target);
    } catch (e) {
      if (e instanceof RefusedJobError || e instanceof DflsimInputError) return refuse(`silo job ${showId(id)}`, e.message);
      throw e;
    }
  };

  let worker: Worker | undefined, siloWorker: Worker | undefined;
  try {
    const common = {
      ...bullOptions(target),
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 10,
      autorun: true,
    };
    worker = new Worker(RUNS_QUEUE, processor, { ...common, concurrency: opts.concurrency ?? 1 });
    siloWorker = new Worker(SILOS_QUEUE, siloProcessor, { ...common, concurrency: 1 });
    // while Redis is down every retry reports the same error: each said once per 10 s
    let lastError = '',
      lastErrorAt = 0;
    const onError = (e: Error): void => {
      const m = redactIn(e.message, target.url);
      if (m === lastError && Date.now() - lastErrorAt < 10_000) return;
      lastError = m;
      lastErrorAt = Date.now();
      log(`worker: ${m}`);
    };
    for (const w of [worker, siloWorker]) w.on('error', onError);
    worker.on('lockRenewalFailed', (ids) => {
      for (const id of ids) lostLocks.add(id);
    });
    // logged once BullMQ has recorded the result (a worker that lost its lock cannot complete the job)
    worker.on('completed', (job) => {
      log(`job ${job.id}: done`);
    });
    worker.on('failed', (job, e) => {
      if (job && !e.message.startsWith(INPUT_PREFIX)) log(`job ${showId(job.id)}: failed: ${redactIn(e.message, target.url)}`);
    });
    siloWorker.on('failed', (job, e) => {
      if (job && !e.message.startsWith(INPUT_PREFIX)) log(`silo job ${showId(job.id)}: failed: ${redactIn(e.message, target.url)}`);
    });
    await Promise.all([worker.waitUntilReady(), siloWorker.waitUntilReady()]);
  } catch (e) {
    await Promise.allSettled([worker?.close(true), siloWorker?.close(true)]);
    redis.disconnect();
    removeOwn();
    throw e;
  }
  log(
    `dflsim ${check.build} worker ${process.pid} on the queue at ${redactUrl(target.url)}, prefix "${target.prefix}" (concurrency ${opts.concurrency ?? 1}), working in ${workDir}`,
  );
  if (!target.secret) log(NO_SECRET_WARNING);
  const runs = worker,
    silos = siloWorker;
  return {
    workDir,
    stop: async () => {
      stopping = true;
      // a job checkpoints and goes back within a round; with Redis unreachable, close waits for a
      // reconnect that may never come: after 15 s give up and close at once
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), 15_000);
      });
      if ((await Promise.race([Promise.all([runs.close(), silos.close()]), late])) === 'late') {
        log('Redis does not answer: closing without it');
        await Promise.all([runs.close(true), silos.close(true)]).catch(() => {});
      }
      trainers.clear();
      clearTimeout(timer);
      redis.disconnect();
      removeOwn();
    },
  };
}
