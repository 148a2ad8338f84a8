/**
 * Scale-out over a real redis-server (no mock of the queue): a sweep through `dflsim worker`
 * processes, one SIGKILLed mid-job, gives the results directory of a local run; and the
 * faults: an unreachable URL, a queue of another version, forged jobs, Redis restarted
 * mid-run, two runs on one results directory, a password URL never printed.
 * Needs redis-server (see test/redis-server.ts): skipped with a notice without it, required under CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildId } from '../../src/experiment/queue/build.js';
import { jobId } from '../../src/experiment/queue/job.js';
import { networkFile } from '../helpers.js';
import { BIN, files, metricsWithoutWall, spawner, summaryWithoutWall, until, type Proc, writeLinearConfig } from './queue-helpers.js';
import { HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER, startRedis, freePort, type RedisServer } from '../redis-server.js';

const SKIP = !HAVE_REDIS && !IN_CI;
if (SKIP) console.warn(`skipped: dflsim worker over Redis — redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}`);
/** Workers give up a dead worker's job after this lock (ms): short, so the retry comes within seconds. */
const LOCK_MS = '4000';
/** The run queue of the default prefix: its keys are dflsim:runs:*. */
const QUEUE = 'runs';
const PREFIX = 'dflsim';

const { dflsim, killAll } = spawner({ DFLSIM_QUEUE_LOCK_MS: LOCK_MS });

async function stopWorker(w: Proc): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) {
    w.child.kill('SIGTERM');
    await w.exited;
  }
}

function sweepConfig(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  return writeLinearConfig(dir, name, {
    rounds: 30,
    batchSize: 2,
    checkpointEvery: 2,
    seed: 3,
    sweep: { topology: ['ring', 'mst'], accessGbps: [1, 10, 100] },
    ...extra,
  });
}

/** The results of a queued run equal a local run's: every file there, the same metrics but for wall time. */
function expectSameResults(local: string, queued: string): void {
  expect(files(queued)).toEqual(files(local));
  for (const f of files(local)) {
    const a = path.join(local, f),
      b = path.join(queued, f);
    if (f.endsWith('metrics.csv')) expect(metricsWithoutWall(b), f).toBe(metricsWithoutWall(a));
    else if (f.endsWith('summary.json')) expect(summaryWithoutWall(b), f).toEqual(summaryWithoutWall(a));
    else if (f.endsWith('config.resolved.json') || f.endsWith('topology.json') || f.endsWith('cycle-times.csv'))
      expect(readFileSync(b, 'utf8'), f).toBe(readFileSync(a, 'utf8'));
  }
}

describe.skipIf(SKIP)('dflsim worker over a real Redis', () => {
  let redis: RedisServer;
  let work: string;
  let queue: Queue;
  let client: Redis;
  let local: string;
  let cfg: string;

  beforeAll(async () => {
    if (!HAVE_REDIS)
      throw new Error(
        `redis-server not found at ${REDIS_SERVER} (CI=${process.env.CI}: a missing server fails under CI); ${REDIS_INSTALL}`,
      );
    redis = await startRedis();
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-queue-'));
    queue = new Queue(QUEUE, { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: PREFIX });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => {});
    cfg = sweepConfig(work, 'sw');
    local = path.join(work, 'local');
    const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', local], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  afterEach(killAll);

  /** Whether a job that the worker's log shows started has a checkpoint in Redis. */
  async function checkpointed(log: string): Promise<boolean> {
    const ids = [...log.matchAll(/job (run-[0-9a-f]+): [^\n]*\(attempt/g)].map((m) => m[1]);
    for (const id of ids) if (await client.exists(`${PREFIX}:checkpoint:${id}`)) return true;
    return false;
  }

  afterAll(async () => {
    await queue?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('6 runs over two workers, one SIGKILLed mid-job and another started: the local results, no run missing or done twice', async () => {
    const w1 = dflsim(['worker', '--queue', redis.url]);
    const w2 = dflsim(['worker', '--queue', redis.url]);
    let w3: Proc | undefined;
    try {
      await until('two workers', () => /on the queue/.test(w1.err()) && /on the queue/.test(w2.err()));
      const out = path.join(work, 'queued');
      const run = dflsim(['run', cfg, '--out', out, '--queue', redis.url]);
      // kill the first worker once it has checkpointed a job (round 2 or later)
      let ck = false;
      await until('a checkpoint on worker 1', () => {
        void checkpointed(w1.err()).then((x) => {
          ck = x;
        });
        return ck;
      });
      w1.child.kill('SIGKILL');
      await w1.exited;
      w3 = dflsim(['worker', '--queue', redis.url]);
      const code = await run.exited;
      expect(code, run.err()).toBe(0);
      expectSameResults(local, out);
      // each job done exactly once (the killed worker finished none it was running)
      const logs = [w1.err(), w2.err(), w3.err()].join('\n');
      const done = [...logs.matchAll(/job (run-[0-9a-f]+): done/g)].map((m) => m[1]);
      expect(done.length, logs).toBe(6);
      expect(new Set(done).size).toBe(6);
      // the killed job was retried on another worker and resumed from its Redis checkpoint
      const killed = /job (run-[0-9a-f]+): [^\n]*\(attempt 1\)(?![\s\S]*job \1: done)/.exec(w1.err());
      expect(killed, w1.err()).not.toBeNull();
      expect([w2.err(), w3.err()].join('\n')).toMatch(new RegExp(`job ${killed![1]}: resuming at round [1-9]`));
      // a re-run of the same command resumes: nothing is redone
      const again = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--queue', redis.url], { encoding: 'utf8' });
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toContain('6 of 6 runs already finished');
    } finally {
      await stopWorker(w2);
      if (w3) await stopWorker(w3);
    }
  }, 180_000);

  it('an unreachable URL is an error within seconds (exit 2), its password never printed', async () => {
    const port = await freePort();
    const start = Date.now();
    const r = spawnSync(
      process.execPath,
      [BIN, 'run', cfg, '--out', path.join(work, 'unreachable'), '--queue', `redis://:hunter2secret@127.0.0.1:${port}`],
      { encoding: 'utf8' },
    );
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--queue: cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1/);
    expect(r.stderr + r.stdout).not.toContain('hunter2secret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const w = spawnSync(process.execPath, [BIN, 'worker', '--queue', `redis://127.0.0.1:${port}`], { encoding: 'utf8' });
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/cannot reach Redis/);
  }, 60_000);

  it('a job of another build in the queue is refused by the worker, naming both builds; it blocks no coordinator', async () => {
    const good = JSON.parse(readFileSync(path.join(local, 'topology=ring,accessGbps=1', 'config.resolved.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const foreign = {
      build: '0.0.1+0123456789ab',
      kind: 'train-run',
      prefix: PREFIX,
      experiment: 'x',
      label: 'run',
      runDir: '.',
      configName: 'other.json',
      config: good,
      files: {},
    };
    const foreignId = jobId(foreign as never);
    await queue.add('train-run', foreign, { jobId: foreignId });
    const w = dflsim(['worker', '--queue', redis.url]);
    try {
      const one = cfg.replace(/sw\.json$/, 'build.json');
      writeFileSync(one, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), name: 'build', sweep: undefined, rounds: 2 }));
      const r = spawnSync(process.execPath, [BIN, 'run', one, '--out', path.join(work, 'foreign'), '--queue', redis.url], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const job = await queue.getJob(foreignId);
      expect(await job!.getState()).toBe('failed');
      expect(job!.failedReason).toContain(`queued by dflsim build 0.0.1+0123456789ab, this worker is build ${buildId()}`);
      expect(w.err()).toMatch(/refused job: it was queued by dflsim build 0\.0\.1\+0123456789ab/);
      await job!.remove();
    } finally {
      await stopWorker(w);
    }
  }, 60_000);

  it('forged jobs (bad config, a path out of the work dir, an unknown kind, another build or prefix, an id not its hash) are refused and reported, not run', async () => {
    const good = JSON.parse(readFileSync(path.join(local, 'topology=ring,accessGbps=1', 'config.resolved.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const k of ['configFile', 'configHash', 'version', 'backend', 'resolved']) delete good[k];
    const gml = readFileSync(networkFile('gaia')).toString('base64');
    const base = {
      build: buildId(),
      kind: 'train-run',
      prefix: PREFIX,
      experiment: 'x',
      label: 'run',
      runDir: '.',
      configName: 'forged.json',
      files: { 'network/gaia.gml': gml } as Record<string, string>,
    };
    const forged: Record<string, [unknown, RegExp]> = {
      'forged-config': [{ ...base, config: { ...good, network: 'network/gaia.gml', rounds: -1 } }, /forged\.json: rounds: Too small/],
      'forged-path': [
        { ...base, config: { ...good, network: '../../../etc/passwd.gml' } },
        /network "\.\.\/\.\.\/\.\.\/etc\/passwd\.gml" is not a file the job carries/,
      ],
      'forged-file': [
        { ...base, files: { '../escape/gaia.gml': gml }, config: { ...good, network: 'network/gaia.gml' } },
        /outside the worker's working directory/,
      ],
      'forged-rundir': [
        { ...base, runDir: '../..', config: { ...good, network: 'network/gaia.gml' } },
        /run directory "\.\.\/\.\." is outside/,
      ],
      'forged-kind': [{ ...base, kind: 'shell', config: { ...good, name: 'kind' } }, /unknown kind of work "shell"/],
      'forged-build': [
        { ...base, build: '9.9.9+000000000000', config: good },
        /queued by dflsim build 9\.9\.9\+000000000000, this worker is build/,
      ],
      'forged-prefix': [
        { ...base, prefix: 'someone-else', config: { ...good, name: 'prefix' } },
        /queued under prefix "someone-else", this worker serves prefix "dflsim"/,
      ],
      'forged-id': [
        { ...base, runDir: 'x', config: { ...good, network: 'network/gaia.gml' } },
        /its id is not the hash of its config and files/,
      ],
    };
    // ids of dflsim's shape, each the hash of its job (another id is refused before the rest is looked at)
    const idOf = (name: string): string => {
      const data = forged[name][0] as { build: string; config: never; files: Record<string, string> };
      return name === 'forged-id' ? jobId({ ...data, files: {} }) : jobId(data);
    };
    for (const [name, [data]] of Object.entries(forged)) await queue.add('train-run', data, { jobId: idOf(name), attempts: 3 });
    const w = dflsim(['worker', '--queue', redis.url]);
    try {
      for (const [name, [, reason]] of Object.entries(forged)) {
        const id = idOf(name);
        let job = await queue.getJob(id);
        for (let i = 0; i < 600 && (await job!.getState()) !== 'failed'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          job = await queue.getJob(id);
        }
        // fetched again: the job's fields as of its failure
        job = await queue.getJob(id);
        expect(await job!.getState(), id).toBe('failed');
        expect(job!.failedReason, id).toMatch(reason);
        // refused at once: not retried
        expect(job!.attemptsMade, id).toBe(1);
        await job!.remove();
      }
      // reported by the worker, and none of them ran (a run logs its attempt only after the checks)
      expect(w.err()).toMatch(/refused job/);
      expect(w.err()).not.toMatch(/\(attempt/);
      expect(existsSync('/etc/passwd.gml')).toBe(false);
    } finally {
      await stopWorker(w);
    }
  }, 90_000);

  it('Redis restarted mid-run (same AOF directory): the run completes with the local results', async () => {
    const w = dflsim(['worker', '--queue', redis.url]);
    try {
      await until('the worker', () => /on the queue/.test(w.err()));
      // another seed: other jobs than the first test's (a job id is a hash of the run)
      const seeded = cfg.replace(/sw\.json$/, 'seeded.json');
      writeFileSync(seeded, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), seed: 4 }));
      const localSeeded = path.join(work, 'local-seeded');
      const ref = spawnSync(process.execPath, [BIN, 'run', seeded, '--out', localSeeded], { encoding: 'utf8' });
      expect(ref.status, ref.stderr).toBe(0);
      const out = path.join(work, 'restarted');
      const run = dflsim(['run', seeded, '--out', out, '--queue', redis.url]);
      let ck = false;
      await until('a run under way', () => {
        void checkpointed(w.err()).then((x) => {
          ck = x;
        });
        return ck;
      });
      await redis.restart();
      const code = await run.exited;
      expect(code, run.err()).toBe(0);
      expectSameResults(localSeeded, out);
    } finally {
      await stopWorker(w);
    }
  }, 180_000);

  it('Redis restarted without persistence mid-run: the coordinator waits, queues again what vanished, and completes with the local results', async () => {
    const volatile = await startRedis({ persistent: false });
    const probe = new Redis(volatile.url, { maxRetriesPerRequest: null });
    probe.on('error', () => {});
    const w = dflsim(['worker', '--queue', volatile.url]);
    try {
      await until('the worker', () => /on the queue/.test(w.err()));
      const seeded = cfg.replace(/sw\.json$/, 'volatile.json');
      writeFileSync(seeded, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), seed: 6, sweep: { topology: ['ring', 'mst'] } }));
      const localSeeded = path.join(work, 'local-volatile');
      const ref = spawnSync(process.execPath, [BIN, 'run', seeded, '--out', localSeeded], { encoding: 'utf8' });
      expect(ref.status, ref.stderr).toBe(0);
      const out = path.join(work, 'volatile');
      const run = dflsim(['run', seeded, '--out', out, '--queue', volatile.url]);
      // a job under way (its checkpoint in Redis), then everything lost
      let ck = false;
      await until('a run under way', () => {
        void probe.keys(`${PREFIX}:checkpoint:*`).then((k) => {
          ck = k.length > 0;
        });
        return ck;
      });
      await volatile.restart();
      const code = await run.exited;
      expect(code, run.err()).toBe(0);
      expect(run.err()).toMatch(/is no longer in Redis \(restarted without persistence, or removed\): queued again/);
      expectSameResults(localSeeded, out);
    } finally {
      await stopWorker(w);
      probe.disconnect();
      await volatile.stop();
    }
  }, 180_000);

  it("two runs on the same --out: the second refuses; a dead run's lock is taken over", async () => {
    const out = path.join(work, 'locked');
    const one = cfg.replace(/sw\.json$/, 'one.json');
    writeFileSync(one, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), name: 'one', sweep: undefined, rounds: 3 }));
    // the first waits on an empty set of workers
    const first = dflsim(['run', one, '--out', out, '--queue', redis.url]);
    await until('the first run queued', () => /queued 1 run/.test(first.err()));
    const second = spawnSync(process.execPath, [BIN, 'run', one, '--out', out, '--queue', redis.url], { encoding: 'utf8' });
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is being written by another dflsim run \\(pid ${first.child.pid}\\)`));
    first.child.kill('SIGKILL');
    await first.exited;
    // its lock is stale now: a third run takes it over and completes (the job was queued already)
    const w = dflsim(['worker', '--queue', redis.url]);
    try {
      const third = spawnSync(process.execPath, [BIN, 'run', one, '--out', out, '--queue', redis.url], { encoding: 'utf8' });
      expect(third.status, third.stderr).toBe(0);
      expect(existsSync(path.join(out, '.dflsim.lock'))).toBe(false);
    } finally {
      await stopWorker(w);
    }
  }, 120_000);

  it('a wrong password, a missing one, or a database the server does not have: exit 2 saying so, naming where the URL came from', async () => {
    const locked = await startRedis({ password: 'right-pw-123' });
    try {
      const one = cfg.replace(/sw\.json$/, 'auth.json');
      writeFileSync(one, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), name: 'auth', sweep: undefined, rounds: 2 }));
      const attempt = (args: string[], url: string, viaEnv: boolean): { status: number | null; stderr: string } =>
        spawnSync(process.execPath, [BIN, ...args, ...(viaEnv ? [] : ['--queue', url])], {
          encoding: 'utf8',
          env: { ...process.env, DFLSIM_QUEUE: viaEnv ? url : '' },
        });
      const port = locked.port;
      const cases: [string[], string, boolean, RegExp][] = [
        [
          ['worker'],
          `redis://:wrong-pw-456@127.0.0.1:${port}`,
          true,
          /^dflsim: DFLSIM_QUEUE: Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ refused the user name or password \(WRONGPASS/m,
        ],
        [
          ['run', one, '--out', path.join(work, 'auth')],
          `redis://:wrong-pw-456@127.0.0.1:${port}`,
          false,
          /^dflsim: --queue: Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ refused the user name or password \(WRONGPASS/m,
        ],
        [
          ['worker'],
          `redis://127.0.0.1:${port}`,
          false,
          /^dflsim: --queue: Redis at redis:\/\/127\.0\.0\.1:\d+ needs a password \(NOAUTH/m,
        ],
        [
          ['run', one, '--out', path.join(work, 'auth')],
          `redis://:right-pw-123@127.0.0.1:${port}/99`,
          true,
          /^dflsim: DFLSIM_QUEUE: Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/99 has no database 99/m,
        ],
        [
          ['queue', 'status'],
          `redis://127.0.0.1:${port}/x`,
          true,
          /^dflsim: DFLSIM_QUEUE: the database in redis:\/\/127\.0\.0\.1:\d+\/x is not a number/m,
        ],
      ];
      for (const [args, url, viaEnv, reason] of cases) {
        const r = attempt(args, url, viaEnv);
        expect(r.status, `${args[0]} ${url}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(reason);
        expect(r.stderr).not.toMatch(/Connection is closed|\n\s+at |wrong-pw-456|right-pw-123/);
      }
      expect(existsSync(path.join(work, 'auth'))).toBe(false);
    } finally {
      await locked.stop();
    }
  }, 60_000);

  it('--queue-file gives the URL out of ps; --queue with a password warns; both at once is an error', async () => {
    const secret = 'file-pa55-w0rd';
    const locked = await startRedis({ password: secret });
    const urlFile = path.join(work, 'queue-url.txt');
    writeFileSync(urlFile, `\n${locked.url}\n`, { mode: 0o600 });
    const w = dflsim(['worker', '--queue-file', urlFile]);
    try {
      const out = path.join(work, 'via-file');
      const one = cfg.replace(/sw\.json$/, 'viafile.json');
      writeFileSync(one, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), name: 'viafile', sweep: undefined, rounds: 2 }));
      const r = spawnSync(process.execPath, [BIN, 'run', one, '--out', out, '--queue-file', urlFile], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr + w.err()).not.toContain(secret);
      expect(r.stderr + w.err()).not.toMatch(/carries a password/);
      const both = spawnSync(process.execPath, [BIN, 'worker', '--queue-file', urlFile, '--queue', 'redis://127.0.0.1:1'], {
        encoding: 'utf8',
      });
      expect(both.status).toBe(2);
      expect(both.stderr).toMatch(/--queue-file: give the Redis URL once: --queue or --queue-file, not both/);
      const missing = spawnSync(process.execPath, [BIN, 'worker', '--queue-file', path.join(work, 'nope.txt')], { encoding: 'utf8' });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/--queue-file: queue URL file not found/);
      const shown = spawnSync(process.execPath, [BIN, 'queue', 'status', '--queue', locked.url], { encoding: 'utf8' });
      expect(shown.status, shown.stderr).toBe(0);
      expect(shown.stderr).toMatch(
        /warning: --queue carries a password, which other users of this machine can read in ps: give the URL in DFLSIM_QUEUE or --queue-file instead/,
      );
      expect(shown.stdout + shown.stderr).not.toContain(secret);
    } finally {
      await stopWorker(w);
      await locked.stop();
    }
  }, 90_000);

  it('a password URL works and is never printed nor written', async () => {
    const secret = 'pa55-w0rd-xyz';
    const locked = await startRedis({ password: secret });
    const w = dflsim(['worker', '--queue', locked.url]);
    try {
      const out = path.join(work, 'password');
      const one = cfg.replace(/sw\.json$/, 'pw.json');
      writeFileSync(one, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), name: 'pw', sweep: undefined, rounds: 2 }));
      const r = spawnSync(process.execPath, [BIN, 'run', one, '--out', out], {
        encoding: 'utf8',
        env: { ...process.env, DFLSIM_QUEUE: locked.url },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('on redis://***@127.0.0.1');
      expect(r.stdout + r.stderr + w.err()).not.toContain(secret);
      for (const f of files(out)) expect(readFileSync(path.join(out, f), 'utf8').includes(secret), f).toBe(false);
    } finally {
      await stopWorker(w);
      await locked.stop();
    }
    expect(w.err()).not.toContain(secret);
  }, 90_000);
});
