/**
 * Looking after a queue in Redis (`dflsim queue status|clean`): its jobs counted per state,
 * the keys its runs leave (checkpoints, kept results, silo blobs), the other prefixes on the
 * same Redis; and removing finished and failed jobs and the keys no live job needs. A queue
 * left with no job at all is removed entirely, so that nothing of it stays in Redis.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeRedisError, openConnection, probeRedis } from './connection.js';
import { queueKeys, RUN_JOB_ID, RUNS_QUEUE, SILO_JOB_ID, SILOS_QUEUE, type QueueTarget } from './names.js';

/** The job states counted. */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
/** A job in one of these states is live: its checkpoint or blob is still needed. */
const LIVE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Jobs of one BullMQ queue per state. */
export type JobCounts = Record<(typeof JOB_STATES)[number], number>;

/** What a queue holds in Redis. */
export interface QueueStatus {
  prefix: string;
  /** Run jobs per state. */
  runs: JobCounts;
  /** Silo group jobs per state. */
  silos: JobCounts;
  /** Workers connected to the prefix's run queue (undefined when the Redis user may not list clients). */
  workers?: number;
  /** Run checkpoints (mid-run, or final until they expire). */
  checkpoints: number;
  /** Results kept for other coordinators after one collected them. */
  results: number;
  /** Silo group blobs. */
  blobs: number;
  /** Other prefixes with a dflsim queue on the same Redis database. */
  otherPrefixes: string[];
}

/** What {@link cleanQueue} removed. */
export interface CleanReport {
  completed: number;
  failed: number;
  /** Waiting, delayed and prioritized jobs (with `all` only). */
  waiting: number;
  checkpoints: number;
  results: number;
  blobs: number;
  /** Jobs being trained, left alone (their workers hold them). */
  active: number;
  /** Whether the queue was left with no job, and removed entirely. */
  removed: boolean;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function counts(q: Queue): Promise<JobCounts> {
  const c = await q.getJobCounts(...JOB_STATES);
  return Object.fromEntries(JOB_STATES.map((s) => [s, c[s] ?? 0])) as JobCounts;
}

/** Open the prefix's two queues without writing anything to Redis, run `fn`, close. */
async function withQueues<T>(target: QueueTarget, fn: (runs: Queue, silos: Queue, redis: Redis) => Promise<T>): Promise<T> {
  await probeRedis(target.url, target.where);
  const redis = openConnection(target.url);
  redis.on('error', () => {
    /* reconnects */
  });
  const opts = { connection: redis, prefix: target.prefix, skipMetasUpdate: true };
  const runs = new Queue(RUNS_QUEUE, opts),
    silos = new Queue(SILOS_QUEUE, opts);
  for (const q of [runs, silos]) q.on('error', () => {});
  try {
    return await fn(runs, silos, redis);
  } catch (e) {
    if (e instanceof Error && /^NOPERM/.test(e.message)) {
      const { DflsimInputError } = await import('../../errors.js');
      throw new DflsimInputError(target.where, describeRedisError(e, target.url));
    }
    throw e;
  } finally {
    await Promise.allSettled([runs.close(), silos.close()]);
    redis.disconnect();
  }
}

/** What the queue of `target` holds in Redis. */
export async function queueStatus(target: QueueTarget): Promise<QueueStatus> {
  return withQueues(target, async (runs, silos, redis) => {
    const keys = queueKeys(target.prefix);
    let workers: number | undefined;
    try {
      workers = (await runs.getWorkers()).length;
    } catch {
      workers = undefined;
    }
    const metas = [...(await scanKeys(redis, `*:${RUNS_QUEUE}:meta`)), ...(await scanKeys(redis, `*:${SILOS_QUEUE}:meta`))];
    const others = new Set(metas.map((k) => k.replace(/:(runs|silos):meta$/, '')).filter((p) => p !== target.prefix));
    return {
      prefix: target.prefix,
      runs: await counts(runs),
      silos: await counts(silos),
      ...(workers !== undefined ? { workers } : {}),
      checkpoints: (await scanKeys(redis, keys.checkpoint('*'))).length,
      results: (await scanKeys(redis, keys.result('*'))).length,
      blobs: (await scanKeys(redis, `${keys.blobPrefix}*`)).length,
      otherPrefixes: [...others].sort(),
    };
  });
}

/**
 * Remove the queue's finished and failed jobs (with `all`, its waiting ones too), the
 * results kept for other coordinators, and the checkpoints and blobs of jobs that are no
 * longer live; a queue left with no job is removed entirely (its BullMQ keys too). Jobs
 * being trained are left to their workers.
 */
export async function cleanQueue(target: QueueTarget, opts: { all?: boolean } = {}): Promise<CleanReport> {
  return withQueues(target, async (runs, silos, redis) => {
    const keys = queueKeys(target.prefix);
    const report: CleanReport = { completed: 0, failed: 0, waiting: 0, checkpoints: 0, results: 0, blobs: 0, active: 0, removed: false };
    for (const q of [runs, silos]) {
      report.completed += (await q.clean(0, 0, 'completed')).length;
      report.failed += (await q.clean(0, 0, 'failed')).length;
      if (opts.all) for (const s of ['wait', 'delayed', 'prioritized'] as const) report.waiting += (await q.clean(0, 0, s)).length;
    }
    const live = new Set([...(await runs.getRanges([...LIVE_STATES], 0, -1)), ...(await silos.getRanges([...LIVE_STATES], 0, -1))]);
    const drop = async (list: string[]): Promise<number> => {
      for (let i = 0; i < list.length; i += 500) await redis.del(...list.slice(i, i + 500));
      return list.length;
    };
    // a checkpoint is needed while its job is live; kept results only by coordinators that can train again
    const ckPrefix = keys.checkpoint('');
    report.checkpoints = await drop(
      (await scanKeys(redis, `${ckPrefix}*`)).filter((k) => {
        const id = k.slice(ckPrefix.length);
        return !(RUN_JOB_ID.test(id) && live.has(id));
      }),
    );
    report.results = await drop(await scanKeys(redis, keys.result('*')));
    report.blobs = await drop(
      (await scanKeys(redis, `${keys.blobPrefix}*`)).filter((k) => {
        const m = /^(.+):(\d+):(\d+):(in|out)$/.exec(k.slice(keys.blobPrefix.length));
        const id = m ? `silos-${m[1]}-${m[2]}-${m[3]}` : '';
        return !(SILO_JOB_ID.test(id) && live.has(id));
      }),
    );
    const left = await Promise.all([runs, silos].map((q) => q.getJobCountByTypes(...LIVE_STATES, 'completed', 'failed')));
    report.active = (await runs.getActiveCount()) + (await silos.getActiveCount());
    if (left.every((n) => n === 0)) {
      // nothing left to run or collect: the queues' own keys (meta, ids, events) go too
      for (const q of [runs, silos]) await q.obliterate({ force: true });
      report.removed = true;
    }
    return report;
  });
}
