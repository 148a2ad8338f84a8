/**
 * What a queue leaves in Redis, over a real redis-server: two `run --queue` of one config to
 * two results directories (at once, and later without any worker) each end with complete
 * results; the README's ACL (a user per prefix) runs sweeps, distributed runs, status and
 * clean, and refuses another prefix as such; `dflsim queue status` counts a prefix's jobs
 * and keys; `dflsim queue clean` leaves no key of the prefix (`redis-cli --scan`) and
 * another prefix's untouched.
 * Needs redis-server (see test/redis-server.ts): skipped with a notice without it, required under CI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, files, metricsWithoutWall, spawner, summaryWithoutWall, until, type Proc, writeLinearConfig } from './queue-helpers.js';
import { HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER, startRedis, type RedisServer } from '../redis-server.js';

const SKIP = !HAVE_REDIS && !IN_CI;
if (SKIP) console.warn(`skipped: queue status and clean — redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}`);

const { dflsim, killAll } = spawner({ DFLSIM_QUEUE_LOCK_MS: '4000' });

function sweep(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  return writeLinearConfig(dir, name, {
    rounds: 4,
    batchSize: 2,
    checkpointEvery: 2,
    seed: 3,
    sweep: { topology: ['ring', 'mst'] },
    ...extra,
  });
}

async function stopWorker(w: Proc): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) {
    w.child.kill('SIGTERM');
    await w.exited;
  }
}

/** The same results as a local run: the same files, metrics but for wall time, summaries but for wall time and directory. */
function expectSame(local: string, other: string): void {
  expect(files(other)).toEqual(files(local));
  for (const f of files(local)) {
    if (f.endsWith('metrics.csv')) expect(metricsWithoutWall(path.join(other, f)), f).toBe(metricsWithoutWall(path.join(local, f)));
    else if (f.endsWith('summary.json'))
      expect(summaryWithoutWall(path.join(other, f)), f).toEqual(summaryWithoutWall(path.join(local, f)));
  }
}

/** The keys of a redis-server matching `pattern`, as `redis-cli --scan` lists them. */
function scan(port: number, pattern: string): string[] {
  const r = spawnSync('redis-cli', ['-p', String(port), '--scan', '--pattern', pattern], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe.skipIf(SKIP)('what the queue leaves in Redis', () => {
  let redis: RedisServer;
  let work: string;

  beforeAll(async () => {
    if (!HAVE_REDIS)
      throw new Error(
        `redis-server not found at ${REDIS_SERVER} (CI=${process.env.CI}: a missing server fails under CI); ${REDIS_INSTALL}`,
      );
    redis = await startRedis();
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-queue-admin-'));
  });

  afterEach(killAll);

  afterAll(async () => {
    await redis?.stop();
  });

  it('two run --queue of one config to two --out directories, at once and later with no worker: each ends with complete results, those of a local run', async () => {
    const cfg = sweep(work, 'twice');
    const local = path.join(work, 'twice-local');
    expect(spawnSync(process.execPath, [BIN, 'run', cfg, '--out', local], { encoding: 'utf8' }).status).toBe(0);
    const w = dflsim(['worker', '--queue', redis.url]);
    await until('the worker', () => /on the queue/.test(w.err()));
    // the second keeps its finished runs' checkpoints, the first (like the local run) keeps none
    const [a, b] = ['twice-a', 'twice-b'].map((d) =>
      dflsim(['run', cfg, '--out', path.join(work, d), '--queue', redis.url, ...(d === 'twice-b' ? ['--keep-checkpoints'] : [])]),
    );
    expect(await a.exited, a.err()).toBe(0);
    expect(await b.exited, b.err()).toBe(0);
    await stopWorker(w);
    // each run trained once, by the one worker
    expect(w.err().match(/: done/g)).toHaveLength(2);
    expect(files(path.join(work, 'twice-a'))).not.toContain('topology=ring/checkpoint.bin');
    expectSame(local, path.join(work, 'twice-a'));
    expect(files(path.join(work, 'twice-b'))).toContain('topology=ring/checkpoint.bin');
    expect(files(path.join(work, 'twice-b'))).toContain('topology=mst/checkpoint.bin');
    for (const t of ['ring', 'mst']) rmSync(path.join(work, 'twice-b', `topology=${t}`, 'checkpoint.bin'));
    expectSame(local, path.join(work, 'twice-b'));
    // later, no worker running: the results kept in Redis (the same build's) complete a third directory
    const c = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(work, 'twice-c'), '--queue', redis.url], {
      encoding: 'utf8',
    });
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toContain('queued 0 runs');
    expect(c.stderr).toContain('2 taken from results kept in Redis');
    expectSame(local, path.join(work, 'twice-c'));
  }, 180_000);

  it("the README's ACL (one user per prefix, no dangerous commands) runs a sweep, a distributed run, status and clean; another prefix is refused as such; the secret from a file", async () => {
    const password = 'alice-pw-0123456789';
    const acl = spawnSync(
      'redis-cli',
      [
        '-p',
        String(redis.port),
        'ACL',
        'SETUSER',
        'alice',
        'on',
        `>${password}`,
        'resetkeys',
        '~alice:*',
        'resetchannels',
        '+@all',
        '-@dangerous',
        '+info',
      ],
      { encoding: 'utf8' },
    );
    expect(acl.stdout.trim(), acl.stderr).toBe('OK');
    const secretFile = path.join(work, 'secret');
    writeFileSync(secretFile, 'alice-shared-queue-secret-0123456789\n');
    chmodSync(secretFile, 0o644);
    const env = { DFLSIM_QUEUE: `redis://alice:${password}@127.0.0.1:${redis.port}` };
    const as = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    const w = dflsim(['worker', '--queue-secret-file', secretFile], { ...env, DFLSIM_QUEUE_PREFIX: 'alice' });
    try {
      await until('the worker', () => /on the queue/.test(w.err()));
      expect(w.err()).toMatch(/warning: --queue-secret-file .*secret can be read by other users of this machine: chmod 600 it/);
      chmodSync(secretFile, 0o600);
      const cfg = sweep(work, 'acl', { seed: 9 });
      const r = as(['run', cfg, '--out', path.join(work, 'acl'), '--queue-prefix', 'alice', '--queue-secret-file', secretFile]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/warning/);
      const one = path.join(work, 'acl-dist.json');
      writeFileSync(
        one,
        JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), sweep: undefined, topology: 'ring', rounds: 2, distributeSilos: true }),
      );
      const d = as(['run', one, '--out', path.join(work, 'acl-dist'), '--queue-prefix', 'alice', '--queue-secret-file', secretFile]);
      expect(d.status, d.stderr).toBe(0);
      expect(d.stderr).toContain(
        'the Redis user may not list clients (CLIENT LIST), so the workers cannot be counted: the silos go in 1 group',
      );
      // another user's prefix: refused as such, not an unexpected error
      const bob = as(['run', cfg, '--out', path.join(work, 'acl-bob'), '--queue-prefix', 'bob']);
      expect(bob.status, bob.stderr).toBe(2);
      expect(bob.stderr).toMatch(
        /^dflsim: DFLSIM_QUEUE: the Redis user of redis:\/\/\*\*\*@127\.0\.0\.1:\d+ may not run a command the queue needs \(NOPERM/m,
      );
      expect(bob.stderr).not.toMatch(/\n\s+at /);
      const status = as(['queue', 'status', '--queue-prefix', 'alice']);
      expect(status.status, status.stderr).toBe(0);
      expect(status.stdout).toContain('workers unknown (the Redis user may not list clients)');
      await stopWorker(w);
      const clean = as(['queue', 'clean', '--queue-prefix', 'alice']);
      expect(clean.status, clean.stderr).toBe(0);
      expect(scan(redis.port, 'alice:*')).toEqual([]);
    } finally {
      await stopWorker(w);
    }
  }, 180_000);

  it("queue status counts a prefix's jobs and keys; queue clean leaves no key of it (redis-cli --scan), another prefix's untouched", async () => {
    const prefix = 'sweep';
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const runs = new Queue('runs', { connection, prefix });
    const others = new Queue('runs', { connection, prefix: 'other' });
    const client = new Redis(redis.url);
    try {
      const w = dflsim(['worker', '--queue', redis.url, '--queue-prefix', prefix]);
      await until('the worker', () => /on the queue/.test(w.err()));
      const out = path.join(work, 'swept');
      // the prefix from the config this time (never written to results)
      const r = spawnSync(
        process.execPath,
        [BIN, 'run', sweep(work, 'swept', { seed: 8, queuePrefix: prefix }), '--out', out, '--queue', redis.url],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('(prefix "sweep")');
      expect(readFileSync(path.join(out, 'topology=ring', 'config.resolved.json'), 'utf8')).not.toContain('queuePrefix');
      // a failed job (refused), an orphaned checkpoint, and another prefix's waiting job
      await runs.add('train-run', {}, { jobId: '../x' });
      await until('the forged job refused', () => /refused job "\.\.\/x"/.test(w.err()));
      await client.set(`${prefix}:checkpoint:run-${'0'.repeat(32)}`, 'x');
      await others.add('train-run', { anything: 1 }, { jobId: 'theirs' });
      await stopWorker(w);
      const status = spawnSync(
        process.execPath,
        [BIN, 'queue', 'status', '--queue', redis.url, '--queue-prefix', prefix, '--format', 'json'],
        { encoding: 'utf8' },
      );
      expect(status.status, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as {
        runs: Record<string, number>;
        checkpoints: number;
        results: number;
        otherPrefixes: string[];
      };
      // the two collected runs: no job left, their results and final checkpoints kept; the failed job; the orphan
      expect(s.runs).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 1 });
      expect(s.checkpoints).toBe(3);
      expect(s.results).toBe(2);
      // the first test's default prefix, and "other"
      expect(s.otherPrefixes).toEqual(['dflsim', 'other']);
      const text = spawnSync(process.execPath, [BIN, 'queue', 'status', '--queue', redis.url, '--queue-prefix', prefix], {
        encoding: 'utf8',
      });
      expect(text.stdout).toMatch(/runs +waiting 0, active 0, delayed 0, prioritized 0, completed 0, failed 1/);
      expect(scan(redis.port, `${prefix}:*`).length).toBeGreaterThan(0);
      const clean = spawnSync(
        process.execPath,
        [BIN, 'queue', 'clean', '--queue', redis.url, '--queue-prefix', prefix, '--format', 'json'],
        { encoding: 'utf8' },
      );
      expect(clean.status, clean.stderr).toBe(0);
      expect(JSON.parse(clean.stdout)).toEqual({
        completed: 0,
        failed: 1,
        waiting: 0,
        checkpoints: 3,
        results: 2,
        blobs: 0,
        active: 0,
        removed: true,
      });
      expect(scan(redis.port, `${prefix}:*`)).toEqual([]);
      // the other prefix's job is still there; clean --all empties that queue too
      expect(await others.getJobState('theirs')).toBe('waiting');
      const all = spawnSync(process.execPath, [BIN, 'queue', 'clean', '--all', '--queue', redis.url, '--queue-prefix', 'other'], {
        encoding: 'utf8',
      });
      expect(all.status, all.stderr).toBe(0);
      expect(all.stdout).toMatch(/removed 0 finished and 0 failed jobs, 1 waiting/);
      expect(scan(redis.port, 'other:*')).toEqual([]);
      // a missing queue URL: exit 2 naming the flag
      const none = spawnSync(process.execPath, [BIN, 'queue', 'status'], { encoding: 'utf8', env: { ...process.env, DFLSIM_QUEUE: '' } });
      expect(none.status).toBe(2);
      expect(none.stderr).toMatch(/--queue: give the Redis URL/);
      expect(readFileSync(path.join(out, 'topology=ring', 'metrics.csv'), 'utf8')).toMatch(/^round,/);
    } finally {
      await Promise.all([runs.close(), others.close()]);
      client.disconnect();
    }
  }, 180_000);
});
