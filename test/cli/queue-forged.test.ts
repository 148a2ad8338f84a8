/**
 * Forged jobs against a real redis-server and a real `dflsim worker`: each is refused and
 * reported, nothing is written outside the worker's own directory, and the worker goes on
 * to run the next valid job. And a worker stopped with SIGTERM leaves a user's files in its
 * --work-dir alone.
 * Needs redis-server (see test/redis-server.ts): skipped with a notice without it, required under CI.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRunJob, jobId } from '../../src/experiment/queue/job.js';
import { buildId } from '../../src/experiment/queue/build.js';
import { sha256Hex, signJob, signResult } from '../../src/experiment/queue/sign.js';
import { siloBlobKeys } from '../../src/experiment/queue/silo-groups.js';
import { loadConfig, type TrainConfig } from '../../src/experiment/config.js';
import { BIN, files, metricsWithoutWall, spawner, until, type Proc, writeLinearConfig } from './queue-helpers.js';
import { HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER, startRedis, type RedisServer } from '../redis-server.js';

const SKIP = !HAVE_REDIS && !IN_CI;
if (SKIP) console.warn(`skipped: forged queue jobs — redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}`);

const { dflsim, killAll } = spawner({ DFLSIM_QUEUE_LOCK_MS: '4000', DFLSIM_QUEUE_SECRET: '' });

/** The secret of the queues with one, and another (a forger's). */
const SECRET = 'a-long-shared-queue-secret-0123456789';
const OTHER_SECRET = 'another-secret-of-someone-else-98765';

/** A one-run training config (3 rounds of a linear model on Gaia). */
function oneRun(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  return writeLinearConfig(dir, name, { topology: 'ring', rounds: 3, batchSize: 2, checkpointEvery: 1, seed: 3, ...extra });
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
    if (!HAVE_REDIS)
      throw new Error(
        `redis-server not found at ${REDIS_SERVER} (CI=${process.env.CI}: a missing server fails under CI); ${REDIS_INSTALL}`,
      );
    redis = await startRedis();
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-forged-'));
  });

  afterEach(killAll);

  afterAll(async () => {
    await redis?.stop();
  });

  it('a job id that climbs out of the work dir (../victim, ..) is refused: nothing deleted or written beside it; the next valid job runs', async () => {
    const base = path.join(work, 'ids');
    const workDir = path.join(base, 'work');
    mkdirSync(path.join(base, 'victim'), { recursive: true });
    mkdirSync(workDir);
    writeFileSync(path.join(base, 'victim', 'keep.txt'), 'mine\n');
    writeFileSync(path.join(workDir, 'notes.txt'), 'x\n');
    // a well-formed job (a real run's data) under forged ids
    const cfgFile = oneRun(work, 'victim');
    const built = buildRunJob(loadConfig(cfgFile) as TrainConfig, cfgFile, {
      experiment: 'victim',
      label: 'run',
      runDir: '.',
      build: buildId(),
      prefix: 'dflsim',
    });
    const queue = new Queue('runs', { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: 'dflsim' });
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

  it('forged jobs against a worker with a prefix and a secret (a traversing id, a 100 MB payload, unsigned and badly signed jobs, silo jobs with a huge input, jobs from another prefix, a GML nested 2 million deep) are refused and reported; nothing is written outside its directory; the next valid job runs', async () => {
    const prefix = 'team';
    const base = path.join(work, 'forged');
    const workDir = path.join(base, 'work');
    mkdirSync(path.join(base, 'victim'), { recursive: true });
    mkdirSync(workDir);
    writeFileSync(path.join(base, 'victim', 'keep.txt'), 'mine\n');
    const env = { DFLSIM_QUEUE_SECRET: SECRET };
    const secret = Buffer.from(SECRET);
    const cfgFile = oneRun(work, 'forged');
    const cfg = loadConfig(cfgFile) as TrainConfig;
    const meta = { experiment: 'forged', label: 'run', runDir: '.', build: buildId(), prefix };
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const runs = new Queue('runs', { connection, prefix });
    const silos = new Queue('silos', { connection, prefix });
    const others = new Queue('runs', { connection, prefix: 'other' });
    const client = new Redis(redis.url);
    const w = dflsim(['worker', '--queue', redis.url, '--queue-prefix', prefix, '--work-dir', workDir], env);
    try {
      // a job of 100 MB (its file), under an id of dflsim's shape
      const big = buildRunJob({ ...cfg, name: 'big' }, cfgFile, meta).data;
      big.files['network/huge.gml'] = 'A'.repeat(100 * 1024 * 1024);
      const bigId = jobId(big);
      // well-formed jobs: unsigned, signed with another secret, signed but queued under another prefix
      const unsigned = buildRunJob({ ...cfg, name: 'unsigned' }, cfgFile, meta);
      const badSig = buildRunJob({ ...cfg, name: 'bad-sig' }, cfgFile, { ...meta, secret: Buffer.from(OTHER_SECRET) });
      const moved = buildRunJob({ ...cfg, name: 'moved' }, cfgFile, { ...meta, prefix: 'other' });
      moved.data.sig = signJob(secret, prefix, moved.id, moved.data);
      // a signed job carrying a GML network nested 2 million levels deep (12 MB)
      const deep = buildRunJob({ ...cfg, name: 'deep' }, cfgFile, meta).data;
      const levels = 2_000_000;
      deep.files = { 'network/deep.gml': Buffer.from(`graph [\n${'a [ '.repeat(levels)}${' ]'.repeat(levels)}\n]\n`).toString('base64') };
      deep.config = { ...deep.config, network: 'network/deep.gml' };
      const deepId = jobId(deep);
      deep.sig = signJob(secret, prefix, deepId, deep);
      const runJobs: [string, object, RegExp][] = [
        [deepId, deep, /network\/deep\.gml: line 2: lists nested deeper than 32 levels/],
        ['../victim', unsigned.data, /refused job "\.\.\/victim": not a dflsim run id/],
        [bigId, big, /refused job: it holds more than 32 MiB, the queue's maximum for a job/],
        [unsigned.id, unsigned.data, /refused job: it is not signed, and this worker has a queue secret/],
        [badSig.id, badSig.data, /refused job: its signature does not match this worker's queue secret/],
        [moved.id, moved.data, /refused job: it was queued under prefix "other", this worker serves prefix "team"/],
      ];
      for (const [id, data] of runJobs) await runs.add('train-run', data, { jobId: id, attempts: 3 });
      // silo jobs asking for a model of 1e8 inputs: unsigned (a stranger's), and signed (past the signature: the schema refuses it)
      const blob = Buffer.alloc(64);
      const siloJob = (signed: boolean): [string, object] => {
        const id = `silos-${randomUUID()}-0-0`;
        const data: Record<string, unknown> = {
          build: buildId(),
          kind: 'train-silos',
          prefix,
          model: { name: 'linear', inputSize: 1e8 },
          characters: false,
          ...siloBlobKeys(prefix, id),
          inSha256: sha256Hex(blob),
        };
        if (signed) data.sig = signJob(secret, prefix, id, data);
        return [id, data];
      };
      const siloJobs: [string, object, RegExp][] = [
        [...siloJob(false), /refused job: it is not signed/],
        [...siloJob(true), /refused job: silo job: model\.inputSize: .*1024/],
      ];
      for (const [id, data] of siloJobs) await silos.add('train-silos', data, { jobId: id, attempts: 3 });
      // a job of another prefix, valid there: this worker never takes it
      const theirs = buildRunJob({ ...cfg, name: 'theirs' }, cfgFile, { ...meta, prefix: 'other' });
      await others.add('train-run', theirs.data, { jobId: theirs.id });
      for (const [q, list] of [
        [runs, runJobs],
        [silos, siloJobs],
      ] as const) {
        for (const [id, , reason] of list) {
          const f = await finished(q, id);
          expect(f.state, id).toBe('failed');
          expect(f.reason, id).toMatch(reason);
          expect(f.attempts, id).toBe(1);
        }
      }
      // each reported by the worker
      const lines = w.err().split('\n');
      for (const [id, , reason] of [...runJobs, ...siloJobs]) {
        const head = `${id.startsWith('silos') ? 'silo job' : 'job'} ${id.startsWith('run-') ? id : JSON.stringify(id)}: `;
        expect(
          lines.some((l) => l.startsWith(head) && reason.test(l)),
          `${head} in\n${w.err()}`,
        ).toBe(true);
      }
      // nothing written outside the worker's directory, nothing run, no silo answer
      expect(readdirSync(base).sort()).toEqual(['victim', 'work']);
      expect(readdirSync(path.join(base, 'victim'))).toEqual(['keep.txt']);
      // none ran but the deep network's, refused as it was read
      expect(
        w
          .err()
          .split('\n')
          .filter((l) => l.includes('(attempt')),
      ).toEqual([`job ${deepId}: deep (attempt 1)`]);
      for (const [id] of siloJobs) expect(await client.exists(siloBlobKeys(prefix, id).outKey)).toBe(0);
      // the next valid job runs: a coordinator with the same prefix and secret
      const out = path.join(work, 'forged-out');
      const run = dflsim(['run', cfgFile, '--out', out, '--queue', redis.url, '--queue-prefix', prefix], env);
      expect(await run.exited, run.err()).toBe(0);
      expect(files(out)).toContain('summary.json');
      expect(files(out)).not.toContain('checkpoint.bin');
      expect(run.err()).not.toMatch(/not authenticated/);
      // the other prefix's job is still waiting there, untouched
      expect(await others.getJobState(theirs.id)).toBe('waiting');
    } finally {
      await Promise.all([runs.close(), silos.close(), others.close()]);
      client.disconnect();
      await stopWorker(w);
    }
    expect(readdirSync(workDir)).toEqual([]);
  }, 180_000);

  it('planted results are refused (exit 2, nothing written) and removed, so that a re-run trains the run: unsigned, signed with another secret, a kept result, a file outside the run directory', async () => {
    const prefix = 'plant';
    const env = { DFLSIM_QUEUE_SECRET: SECRET };
    const cfgFile = oneRun(work, 'planted');
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const client = new Redis(redis.url);
    const runs = new Queue('runs', { connection, prefix });
    const forged = {
      files: { 'metrics.csv': 'cm91bmQK', 'summary.json': 'e30=', 'config.resolved.json': 'e30=', 'topology.json': 'e30=' },
      checkpointSha256: '0'.repeat(64),
      build: buildId(),
    };
    /** A coordinator against a rogue worker (anyone who can write to Redis can take jobs) answering `answer`. */
    const against = async (answer: (id: string) => object, out: string): Promise<ReturnType<typeof spawnSync>> => {
      const rogue = new Worker('runs', async (job) => answer(job.id!), { connection, prefix });
      try {
        return await new Promise((resolve) => {
          const c = dflsim(['run', cfgFile, '--out', out, '--queue', redis.url, '--queue-prefix', prefix], env);
          void c.exited.then((status) => resolve({ status, stderr: c.err(), stdout: c.out() } as never));
        });
      } finally {
        await rogue.close();
      }
    };
    try {
      const cases: [string, (id: string) => object, RegExp][] = [
        ['unsigned', () => forged, /the result is not signed, and this queue has a secret: refused/],
        [
          'other secret',
          (id) => ({ ...forged, sig: signResult(Buffer.from(OTHER_SECRET), prefix, id, forged) }),
          /the result's signature does not match this queue's secret: refused/,
        ],
        [
          'a file outside',
          (id) => {
            const r = { ...forged, files: { ...forged.files, '../../../pwned.txt': 'cHduZWQK' } };
            return { ...r, sig: signResult(Buffer.from(SECRET), prefix, id, r) };
          },
          /the worker returned a file outside the run's directory: "\.\.\/\.\.\/\.\.\/pwned\.txt"/,
        ],
      ];
      for (const [what, answer, reason] of cases) {
        const out = path.join(work, `planted-${what.replace(/ /g, '-')}`);
        const r = await against(answer, out);
        expect(r.status, `${what}: ${String(r.stderr)}`).toBe(2);
        expect(String(r.stderr), what).toMatch(reason);
        expect(String(r.stderr), what).toMatch(/it was removed from the queue: run the same command again/);
        expect(String(r.stderr), what).not.toMatch(/unexpected error|\n\s+at /);
        expect(existsSync(out) ? files(out) : [], what).toEqual([]);
      }
      expect(existsSync(path.join(work, 'pwned.txt')) || existsSync(path.join(path.dirname(work), 'pwned.txt'))).toBe(false);
      // a result planted where coordinators keep collected results: refused too
      const out = path.join(work, 'planted-kept');
      const first = dflsim(['run', cfgFile, '--out', out, '--queue', redis.url, '--queue-prefix', prefix], env);
      await until('the job queued', () => /queued 1 run/.test(first.err()));
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(130);
      const [id] = await runs.getRanges(['waiting'], 0, -1);
      expect(id).toMatch(/^run-[0-9a-f]{32}$/);
      await runs.remove(id);
      await client.set(`${prefix}:result:${id}`, JSON.stringify(forged));
      const kept = spawnSync(process.execPath, [BIN, 'run', cfgFile, '--out', out, '--queue', redis.url, '--queue-prefix', prefix], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      expect(kept.status, kept.stderr).toBe(2);
      expect(kept.stderr).toMatch(/the result is not signed, and this queue has a secret: refused/);
      expect(await client.exists(`${prefix}:result:${id}`)).toBe(0);
      // with a real worker, the same command trains the run: the local results
      const w = dflsim(['worker', '--queue', redis.url, '--queue-prefix', prefix], env);
      try {
        const again = spawnSync(process.execPath, [BIN, 'run', cfgFile, '--out', out, '--queue', redis.url, '--queue-prefix', prefix], {
          encoding: 'utf8',
          env: { ...process.env, ...env },
        });
        expect(again.status, again.stderr).toBe(0);
        const local = path.join(work, 'planted-local');
        expect(spawnSync(process.execPath, [BIN, 'run', cfgFile, '--out', local], { encoding: 'utf8' }).status).toBe(0);
        expect(files(out)).toEqual(files(local));
        expect(metricsWithoutWall(path.join(out, 'metrics.csv'))).toBe(metricsWithoutWall(path.join(local, 'metrics.csv')));
      } finally {
        await stopWorker(w);
      }
    } finally {
      await runs.close();
      client.disconnect();
    }
  }, 180_000);

  it("a worker stopped with SIGTERM removes only its own subdirectory: a user's file in --work-dir stays", async () => {
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
