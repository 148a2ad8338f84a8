/**
 * A queue worker: takes run jobs from Redis (BullMQ), checks each, writes the files it
 * carries under its own working directory, trains the run there with its checkpoints in
 * Redis, and returns the run's result files. A worker that dies mid-job loses nothing: its
 * lock expires, another worker takes the job and resumes from the last checkpoint.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DflsimInputError } from '../../errors.js';
import { packageVersion, runTraining, type CheckpointStore } from '../runner.js';
import { connectionOptions, openConnection, probeRedis, QUEUE_NAME } from './connection.js';
import { redactIn } from './url.js';
import { checkRunJob, INPUT_PREFIX, RefusedJobError, type RunJobResult } from './job.js';
import { insideDir, RUN_JOB_ID, showId } from './names.js';
import { checkSiloGroupJob, SILO_QUEUE, trainSiloGroup } from './silo-groups.js';
import type { LocalTrainer } from '../../learning/trainer.js';

/** Redis key of a job's checkpoint. */
export const checkpointKey = (jobId: string): string => `dflsim:checkpoint:${jobId}`;

/** A finished run's checkpoint waits this long in Redis for its coordinator (ms). */
const CHECKPOINT_KEEP_MS = 7 * 24 * 3600 * 1000;

/** The result files a worker always returns (with any other file the run wrote). */
export const RESULT_FILES = ['metrics.csv', 'summary.json', 'config.resolved.json', 'topology.json'] as const;

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
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
  /** Stop: running jobs checkpoint and go back to the queue; resolves once closed. */
  stop(): Promise<void>;
}

/** A checkpoint store in Redis under the job's key; writes are sent in order (flush awaits them). */
function redisStore(redis: Redis, jobId: string): CheckpointStore & { flush(): Promise<void> } {
  const key = checkpointKey(jobId);
  let last: Promise<unknown> = Promise.resolve();
  return {
    where: `redis checkpoint ${jobId}`,
    read: async () => (await redis.getBuffer(key)) ?? undefined,
    write: (bytes) => { last = redis.set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).catch(() => {}); },
    flush: async () => { await last; },
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

/**
 * Start a worker on the queue at `opts.url` (checked first: an unreachable server is a
 * DflsimInputError within seconds).
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const log = opts.log ?? (() => {});
  await probeRedis(opts.url, '--queue');
  const version = packageVersion();
  const { workDir, createdBase } = makeWorkDir(opts.workDir);
  const baseDir = path.dirname(workDir);
  const redis = openConnection(opts.url);
  redis.on('error', () => { /* reconnects; BullMQ reports */ });
  let stopping = false;
  const lockMs = opts.lockMs ?? 30_000;

  const processor = async (job: Job, token?: string): Promise<RunJobResult> => {
    // the id comes from whoever wrote to Redis: checked before any path is built from it
    const id = job.id ?? '';
    const jobDir = RUN_JOB_ID.test(id) ? insideDir(workDir, id) : undefined;
    if (!jobDir) {
      const why = `refused job ${showId(id)}: not a dflsim run id (run- and 32 hex digits); nothing was written`;
      log(why);
      throw new UnrecoverableError(INPUT_PREFIX + why);
    }
    const clean = (s: string): string => redactIn(s.split(jobDir + path.sep).join('').split(jobDir).join('.'), opts.url);
    let checked;
    try {
      checked = checkRunJob(job.data, jobDir, version);
    } catch (e) {
      if (e instanceof RefusedJobError || e instanceof DflsimInputError) {
        log(`job ${job.id}: ${clean(e.message)}`);
        throw new UnrecoverableError(INPUT_PREFIX + clean(e.message));
      }
      throw e;
    }
    rmSync(jobDir, { recursive: true, force: true });
    for (const w of checked.writes) { mkdirSync(path.dirname(w.file), { recursive: true }); writeFileSync(w.file, w.content); }
    const store = redisStore(redis, job.id!);
    log(`job ${job.id}: ${checked.config.name} (attempt ${job.attemptsMade + 1})`);
    try {
      const summary = await runTraining(checked.config, checked.configFile, {
        outDir: checked.outDir,
        resume: true,
        force: true,
        workers: opts.workers,
        checkpointStore: store,
        log: (l) => log(`job ${job.id}: ${clean(l)}`),
        shouldStop: () => stopping,
        onRound: (row, total) => { void job.updateProgress({ round: row.round + 1, total, simulatedMs: row.simulatedMs, detail: row.testRmse !== null ? `test RMSE ${row.testRmse.toFixed(4)}` : `loss ${row.trainLoss.toFixed(4)}` }).catch(() => {}); },
      });
      await store.flush();
      if (summary.interrupted) {
        // stopped: the checkpoint is in Redis; the job goes back to the queue for another worker
        log(`job ${job.id}: stopped at round ${summary.rounds}, back to the queue`);
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
      // the final checkpoint stays in Redis (not in the job's result: megabytes of base64 through
      // BullMQ's scripts); the coordinator copies it to checkpoint.bin and deletes it
      const ck = checkpointKey(job.id!);
      const kept = (await redis.pexpire(ck, CHECKPOINT_KEEP_MS)) === 1;
      return { files, ...(kept ? { checkpointKey: ck } : {}) };
    } catch (e) {
      if (e instanceof DflsimInputError) {
        log(`job ${job.id}: ${clean(e.message)}`);
        throw new UnrecoverableError(INPUT_PREFIX + clean(e.message));
      }
      throw e;
    } finally {
      rmSync(jobDir, { recursive: true, force: true });
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: { url: opts.url, ...connectionOptions() },
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    maxStalledCount: 10,
    autorun: true,
  });
  worker.on('error', (e) => log(`worker: ${redactIn(e.message, opts.url)}`));

  // silo groups of distributed runs (distributeSilos): one trainer per model and options, kept
  const trainers = new Map<string, LocalTrainer & { dispose?: () => void }>();
  const siloProcessor = async (job: Job): Promise<{ silos: number }> => {
    try {
      const g = checkSiloGroupJob(job.data, version);
      const key = JSON.stringify([g.model, g.trainerOptions, g.backend]);
      let trainer = trainers.get(key);
      if (!trainer) {
        const { initBackend } = await import('../../learning/tf/backend.js');
        await initBackend({ backend: g.backend });
        const { createTrainer } = await import('../../learning/tf/silo-trainer.js');
        trainer = createTrainer(g.model, g.trainerOptions);
        trainers.set(key, trainer);
      }
      return await trainSiloGroup(g, redis, trainer);
    } catch (e) {
      if (e instanceof RefusedJobError || e instanceof DflsimInputError) {
        log(`silo job ${job.id}: ${redactIn(e.message, opts.url)}`);
        throw new UnrecoverableError(INPUT_PREFIX + redactIn(e.message, opts.url));
      }
      throw e;
    }
  };
  const siloWorker = new Worker(SILO_QUEUE, siloProcessor, {
    connection: { url: opts.url, ...connectionOptions() },
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    maxStalledCount: 10,
    autorun: true,
  });
  siloWorker.on('error', (e) => log(`worker: ${redactIn(e.message, opts.url)}`));
  // logged once BullMQ has recorded the result (a worker that lost its lock cannot complete the job)
  worker.on('completed', (job) => { log(`job ${job.id}: done`); });
  worker.on('failed', (job, e) => { if (job && !e.message.startsWith(INPUT_PREFIX)) log(`job ${job.id}: failed: ${redactIn(e.message, opts.url)}`); });
  await Promise.all([worker.waitUntilReady(), siloWorker.waitUntilReady()]);
  log(`dflsim ${version} worker ${process.pid} on the queue (concurrency ${opts.concurrency ?? 1}), working in ${workDir}`);
  return {
    stop: async () => {
      stopping = true;
      // a job checkpoints and goes back within a round; with Redis unreachable, close waits for a
      // reconnect that may never come: after 15 s give up and close at once
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), 15_000); });
      if ((await Promise.race([Promise.all([worker.close(), siloWorker.close()]), late])) === 'late') { log('Redis does not answer: closing without it'); await Promise.all([worker.close(true), siloWorker.close(true)]).catch(() => {}); }
      for (const t of trainers.values()) t.dispose?.();
      clearTimeout(timer);
      redis.disconnect();
      // only what this worker made: its own subdirectory (and the --work-dir it created, if left empty)
      rmSync(workDir, { recursive: true, force: true });
      if (createdBase) { try { rmdirSync(baseDir); } catch { /* not empty: someone else's files */ } }
    },
  };
}
