/**
 * One run across machines (`distributeSilos` with `--queue`) over a real redis-server: a
 * round's silos are trained in groups by `dflsim worker` processes, and the results directory
 * equals a local run's (metrics identical except wall time), also when one worker is
 * SIGKILLed mid-run and another takes over its groups. Forged group jobs are refused, not run.
 * Needs redis-server (see test/redis-server.ts): skipped with a notice without it, required under CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildId } from '../../src/experiment/queue/build.js';
import { sha256Hex } from '../../src/experiment/queue/sign.js';
import { packSiloJobs, siloBlobKeys, splitGroups, unpackSiloJobs } from '../../src/experiment/queue/silo-groups.js';
import { BIN, files, metricsWithoutWall, spawner, summaryWithoutWall, until, writeLinearConfig } from './queue-helpers.js';
import { HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER, startRedis, type RedisServer } from '../redis-server.js';

const SKIP = !HAVE_REDIS && !IN_CI;
if (SKIP) console.warn(`skipped: distributeSilos over Redis — redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}`);
const LOCK_MS = '3000';
/** The silo queue of the default prefix (keys dflsim:silos:*). */
const SILOS = ['silos', { prefix: 'dflsim' }] as const;

const { dflsim, killAll } = spawner({ DFLSIM_QUEUE_LOCK_MS: LOCK_MS });

function config(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  return writeLinearConfig(dir, name, {
    name: 'same',
    topology: 'ring',
    rounds: 24,
    batchSize: 4,
    localSteps: 30,
    checkpointEvery: 4,
    seed: 5,
    ...extra,
  });
}

const resolved = (file: string): unknown =>
  JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'configFile' || k === 'distributeSilos' || k === 'siloGroups' ? undefined : v));

function expectSameResults(local: string, other: string): void {
  expect(files(other)).toEqual(files(local));
  expect(metricsWithoutWall(path.join(other, 'metrics.csv'))).toBe(metricsWithoutWall(path.join(local, 'metrics.csv')));
  expect(summaryWithoutWall(path.join(other, 'summary.json'))).toMatchObject(
    summaryWithoutWall(path.join(local, 'summary.json')) as object,
  );
  expect(resolved(path.join(other, 'config.resolved.json'))).toEqual(resolved(path.join(local, 'config.resolved.json')));
}

describe('silo groups: the blob and the split', () => {
  it('a group blob round-trips its jobs; groups are contiguous and cover every silo once', () => {
    const jobs = [0, 1, 2].map((i) => ({
      weights: Float32Array.from([i, 0.5]),
      optState: { m: Float32Array.from([i]), v: Float32Array.from([2 * i]), step: i },
      batches: [{ x: Float32Array.from([1, 2, 3]), y: Float32Array.from([i]), size: 1 }],
      lr: 0.01,
      seed: 7 + i,
    }));
    const back = unpackSiloJobs(packSiloJobs(jobs), 'blob');
    expect(back).toEqual(jobs);
    expect(() => unpackSiloJobs(packSiloJobs(jobs).subarray(0, 40), 'blob')).toThrow(/refused job: blob/);
    expect(splitGroups(11, 3)).toEqual([
      [0, 3],
      [3, 7],
      [7, 11],
    ]);
    expect(splitGroups(2, 5)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});

describe.skipIf(SKIP)('distributeSilos over a real Redis', () => {
  let redis: RedisServer;
  let work: string;
  let local: string;

  beforeAll(async () => {
    if (!HAVE_REDIS)
      throw new Error(
        `redis-server not found at ${REDIS_SERVER} (CI=${process.env.CI}: a missing server fails under CI); ${REDIS_INSTALL}`,
      );
    redis = await startRedis();
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-distribute-'));
    local = path.join(work, 'local');
    const r = spawnSync(process.execPath, [BIN, 'run', config(work, 'plain'), '--out', local], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  afterEach(killAll);

  afterAll(async () => {
    await redis?.stop();
  });

  it('11 silos in 3 groups; the worker SIGKILLed mid-round, another started: its group is retried, the local results', async () => {
    const events = new QueueEvents(SILOS[0], { connection: { url: redis.url, maxRetriesPerRequest: null }, ...SILOS[1] });
    let stalled = 0;
    events.on('stalled', () => {
      stalled++;
    });
    await events.waitUntilReady();
    try {
      // one worker first, so that a group is on it whenever a round trains
      const w1 = dflsim(['worker', '--queue', redis.url]);
      await until('a worker', () => /on the queue/.test(w1.err()));
      const run = dflsim([
        'run',
        config(work, 'dist', { distributeSilos: true, siloGroups: 3 }),
        '--out',
        path.join(work, 'dist'),
        '--queue',
        redis.url,
      ]);
      // a group on the worker, a few rounds in: kill it there
      const silos = new Queue(SILOS[0], { connection: { url: redis.url, maxRetriesPerRequest: null }, ...SILOS[1] });
      let rounds = 0;
      events.on('completed', () => {
        rounds++;
      });
      for (let i = 0; i < 20_000 && !(rounds >= 6 && (await silos.getActiveCount()) > 0) && run.child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 2));
      await silos.close();
      expect(run.child.exitCode, 'the run ended before the kill').toBe(null);
      w1.child.kill('SIGKILL');
      await w1.exited;
      dflsim(['worker', '--queue', redis.url]);
      expect(await run.exited, run.err()).toBe(0);
      expect(run.err()).toMatch(/silos in 3 groups on the queue's workers/);
      // the dead worker's group was found stalled (lock expired) and trained again
      expect(stalled).toBeGreaterThanOrEqual(1);
      expectSameResults(local, path.join(work, 'dist'));
    } finally {
      await events.close();
    }
  }, 180_000);

  it('forged group jobs (another build or prefix, an unknown kind or model, a model too large, keys its id does not name, a blob of the wrong size or hash) are refused, not retried', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(SILOS[0], { connection: { url: redis.url, maxRetriesPerRequest: null }, ...SILOS[1] });
    try {
      const blob = packSiloJobs([
        {
          weights: new Float32Array(3),
          optState: { m: new Float32Array(3), v: new Float32Array(3), step: 0 },
          batches: [],
          lr: 0.1,
          seed: 1,
        },
      ]);
      // each forged job under its own id, its blob where that id says
      const job = (extra: Record<string, unknown>, put = true): [string, Record<string, unknown>] => {
        const id = `silos-${randomUUID()}-0-0`;
        const keys = siloBlobKeys('dflsim', id);
        if (put) void client.set(keys.inKey, blob);
        return [
          id,
          {
            build: buildId(),
            kind: 'train-silos',
            prefix: 'dflsim',
            model: { name: 'linear', inputSize: 16 },
            characters: false,
            ...keys,
            inSha256: sha256Hex(blob),
            ...extra,
          },
        ];
      };
      const forged: [string, Record<string, unknown>, RegExp][] = [
        [...job({ build: '9.9.9+000000000000' }), /queued by dflsim build 9\.9\.9\+000000000000, this worker is build/],
        [...job({ prefix: 'other' }), /queued under prefix "other", this worker serves prefix "dflsim"/],
        [...job({ kind: 'shell' }), /unknown kind of work "shell"/],
        [...job({ model: { name: '../../evil', inputSize: 16 } }), /refused job: silo job: model\.name/],
        [...job({ model: { name: 'linear', inputSize: 1e8 } }), /refused job: silo job: model\.inputSize.*1024/],
        [...job({ inKey: 'bull:dflsim-runs:1' }), /its blob keys are not dflsim:blob:/],
        [...job({ inSha256: '0'.repeat(64) }), /is not the one the job names/],
        [...job({}), /arrays of 3\/3 values, the model linear has/],
      ];
      await client.ping(); // the blobs' SETs, sent before on this connection, are done
      for (const [id, data] of forged) await queue.add('train-silos', data, { jobId: id, attempts: 3 });
      const w = dflsim(['worker', '--queue', redis.url]);
      for (const [id, , reason] of forged) {
        let state = await queue.getJobState(id);
        while (state !== 'failed' && state !== 'completed') {
          await new Promise((r) => setTimeout(r, 50));
          state = await queue.getJobState(id);
        }
        const j = await queue.getJob(id);
        expect(state, id).toBe('failed');
        expect(j!.failedReason, id).toMatch(reason);
        expect(j!.attemptsMade, id).toBe(1);
        expect(await client.exists(siloBlobKeys('dflsim', id).outKey), id).toBe(0);
      }
      // each reported by the worker
      expect(w.err().match(/silo job "silos-[^"]+": refused job/g)?.length, w.err()).toBe(forged.length);
    } finally {
      await queue.close();
      client.disconnect();
    }
  }, 120_000);

  it('distributeSilos without a queue: exit 2 naming the field, nothing written', () => {
    const out = path.join(work, 'noqueue');
    const r = spawnSync(process.execPath, [BIN, 'run', config(work, 'noqueue', { distributeSilos: true }), '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, DFLSIM_QUEUE: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/noqueue\.json: distributeSilos: needs a queue/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out) ? files(out) : []).toEqual([]);
  });
});
