/**
 * Forged jobs against a real redis-server and a real `dflsim worker`: each is refused and
 * reported, nothing is written outside the worker's own directory, and the worker goes on
 * to run the next valid job. And a worker stopped with SIGTERM leaves a user's files in its
 * --work-dir alone.
 * Needs redis-server (see test/redis-server.ts): skipped with a notice without it, required under CI.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRunJob } from '../../src/experiment/queue/job.js';
import { packageVersion } from '../../src/experiment/runner.js';
import { loadConfig, type TrainConfig } from '../../src/experiment/config.js';
import { networkFile } from '../helpers.js';
import { spawner, until, type Proc } from './queue-helpers.js';
import { HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER, startRedis, type RedisServer } from '../redis-server.js';

const SKIP = !HAVE_REDIS && !IN_CI;
if (SKIP) console.warn(`skipped: forged queue jobs — redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}`);

const { dflsim, killAll } = spawner({ DFLSIM_QUEUE_LOCK_MS: '4000' });

/** A one-run training config (3 rounds of a linear model on Gaia). */
function oneRun(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    kind: 'train', name, network: networkFile('gaia'), topology: 'ring', model: { name: 'linear', inputSize: 16 },
    dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 }, rounds: 3, batchSize: 2, evalEvery: 1,
    checkpointEvery: 1, seed: 3, workers: 1, backend: 'wasm', ...extra,
  }));
  return file;
}

async function stopWorker(w: Proc): Promise<number | null> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return w.exited;
}

/** Wait for a job to finish (a forged one is refused at once), and return it as of then. */
async function finished(queue: Queue, id: string): Promise<{ state: string; reason: string; attempts: number }> {
  let state = await queue.getJobState(id);
  while (state !== 'failed' && state !== 'completed') {
    await new Promise((r) => setTimeout(r, 50));
    state = await queue.getJobState(id);
  }
  const job = (await queue.getJob(id))!;
  return { state, reason: job.failedReason, attempts: job.attemptsMade };
}

describe.skipIf(SKIP)('forged jobs against a real worker', () => {
  let redis: RedisServer;
  let work: string;

  beforeAll(async () => {
    if (!HAVE_REDIS) throw new Error(`redis-server not found at ${REDIS_SERVER} (CI=${process.env.CI}: a missing server fails under CI); ${REDIS_INSTALL}`);
    redis = await startRedis();
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-forged-'));
  });

  afterEach(killAll);

  afterAll(async () => { await redis?.stop(); });

  it('a job id that climbs out of the work dir (../victim, ..) is refused: nothing deleted or written beside it; the next valid job runs', async () => {
    const base = path.join(work, 'ids');
    const workDir = path.join(base, 'work');
    mkdirSync(path.join(base, 'victim'), { recursive: true });
    mkdirSync(workDir);
    writeFileSync(path.join(base, 'victim', 'keep.txt'), 'mine\n');
    writeFileSync(path.join(workDir, 'notes.txt'), 'x\n');
    // a well-formed job (a real run's data) under forged ids
    const cfgFile = oneRun(work, 'victim');
    const built = buildRunJob(loadConfig(cfgFile) as TrainConfig, cfgFile, { experiment: 'victim', label: 'run', runDir: '.', version: packageVersion() });
    const queue = new Queue('dflsim-runs', { connection: { url: redis.url, maxRetriesPerRequest: null } });
    const w = dflsim(['worker', '--queue', redis.url, '--work-dir', workDir]);
    try {
      for (const id of ['../victim', '..', '../../x']) await queue.add('train-run', built.data, { jobId: id, attempts: 3 });
      for (const id of ['../victim', '..', '../../x']) {
        const f = await finished(queue, id);
        expect(f.state, id).toBe('failed');
        expect(f.reason, id).toMatch(/refused job ".*": not a dflsim run id/);
        expect(f.attempts, id).toBe(1);
      }
      expect(w.err()).toMatch(/refused job "\.\.\/victim"/);
      // nothing beside the work dir changed, the user's file in it is there
      expect(readdirSync(base).sort()).toEqual(['victim', 'work']);
      expect(readdirSync(path.join(base, 'victim'))).toEqual(['keep.txt']);
      expect(readFileSync(path.join(workDir, 'notes.txt'), 'utf8')).toBe('x\n');
      // the worker goes on: a valid run completes through it
      const out = path.join(work, 'ids-out');
      const run = dflsim(['run', cfgFile, '--out', out, '--queue', redis.url]);
      expect(await run.exited, run.err()).toBe(0);
      expect(readdirSync(out)).toContain('metrics.csv');
    } finally {
      await queue.close();
      await stopWorker(w);
    }
    // stopped: its own subdirectory is gone, the user's file stays
    expect(readdirSync(workDir)).toEqual(['notes.txt']);
    expect(readdirSync(path.join(base, 'victim'))).toEqual(['keep.txt']);
  }, 120_000);

  it('a worker stopped with SIGTERM removes only its own subdirectory: a user\'s file in --work-dir stays', async () => {
    const d = path.join(work, 'd');
    mkdirSync(d);
    writeFileSync(path.join(d, 'notes.txt'), 'x\n');
    const w = dflsim(['worker', '--queue', redis.url, '--work-dir', d]);
    await until('the worker', () => /on the queue/.test(w.err()));
    // its own subdirectory, beside the user's file
    const own = readdirSync(d).filter((f) => f !== 'notes.txt');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(new RegExp(`^dflsim-worker-${w.child.pid}-`));
    expect(await stopWorker(w), w.err()).toBe(0);
    expect(readdirSync(d)).toEqual(['notes.txt']);
    expect(readFileSync(path.join(d, 'notes.txt'), 'utf8')).toBe('x\n');
    // a --work-dir the worker created itself is removed when left empty
    const fresh = path.join(work, 'fresh', 'dir');
    const w2 = dflsim(['worker', '--queue', redis.url, '--work-dir', fresh]);
    await until('the second worker', () => /on the queue/.test(w2.err()));
    expect(await stopWorker(w2), w2.err()).toBe(0);
    expect(readdirSync(path.join(work, 'fresh'))).toEqual([]);
  }, 60_000);
});
