/**
 * The queue's checks, without Redis: ids and paths from a job, job and result signatures,
 * size limits, prefixes, URLs and the build identity. (The same checks against a real
 * redis-server and `dflsim worker`: test/cli/queue-forged.test.ts.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type TrainConfig } from '../../src/experiment/config.js';
import { buildId } from '../../src/experiment/queue/build.js';
import { checkRunResult } from '../../src/experiment/queue/coordinator.js';
import { buildRunJob, checkRunJob, jobId, RefusedJobError } from '../../src/experiment/queue/job.js';
import { jsonBytes, MAX_JOB_BYTES } from '../../src/experiment/queue/limits.js';
import { checkQueuePrefix, insideDir, RUN_JOB_ID } from '../../src/experiment/queue/names.js';
import {
  checkSecret,
  checkpointSigned,
  jobSigned,
  packSigned,
  resultSigned,
  signCheckpoint,
  signJob,
  signResult,
  unpackSigned,
} from '../../src/experiment/queue/sign.js';
import { checkQueueUrl, urlDatabase, urlHasPassword } from '../../src/experiment/queue/url.js';
import { ROOT } from '../helpers.js';

const SECRET = Buffer.from('a-long-shared-queue-secret-0123456789');
const WORK = path.join(path.sep, 'work', 'w', 'run-x');

/** The message of the refusal `f` throws (a RefusedJobError, or the coordinator's BadResult). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RefusedJobError || (e as Error).constructor.name === 'BadResult') return (e as Error).message;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('paths and ids from a job', () => {
  it('insideDir keeps a path strictly inside its directory', () => {
    expect(insideDir('/w', 'a/b')).toBe(path.resolve('/w/a/b'));
    expect(insideDir('/w', 'a/../b')).toBe(path.resolve('/w/b'));
    for (const bad of ['..', '../victim', '.', '', 'a/../..', '/etc/passwd', '../w2']) expect(insideDir('/w', bad), bad).toBeUndefined();
    // a name that only starts with two dots is inside
    expect(insideDir('/w', '..x')).toBe(path.resolve('/w/..x'));
  });

  it('a run id is run- and 32 hex digits, nothing else', () => {
    expect(RUN_JOB_ID.test(`run-${'a'.repeat(32)}`)).toBe(true);
    for (const bad of [
      '../victim',
      '..',
      `run-${'a'.repeat(31)}`,
      `run-${'A'.repeat(32)}`,
      `run-${'a'.repeat(32)}/..`,
      `x/run-${'a'.repeat(32)}`,
    ])
      expect(RUN_JOB_ID.test(bad), bad).toBe(false);
  });
});

describe('a run job, built and checked', () => {
  const cfgFile = path.join(ROOT, 'experiments', 'quick-demo.json');
  const cfg = { ...(loadConfig(cfgFile) as TrainConfig), sweep: undefined } as TrainConfig;
  const meta = { experiment: 'demo', label: 'run', runDir: '.', build: buildId(), prefix: 'p' };
  const check = { build: buildId(), prefix: 'p' };

  it('a well-formed job passes; its id is the hash of build, config and files, whatever the results directory', () => {
    const b = buildRunJob(cfg, cfgFile, meta);
    expect(b.id).toMatch(RUN_JOB_ID);
    expect(buildRunJob(cfg, cfgFile, { ...meta, runDir: 'elsewhere', label: 'other' }).id).toBe(b.id);
    expect(buildRunJob(cfg, cfgFile, { ...meta, build: '0.0.0+000000000000' }).id).not.toBe(b.id);
    expect(buildRunJob({ ...cfg, seed: cfg.seed + 1 }, cfgFile, meta).id).not.toBe(b.id);
    const c = checkRunJob(JSON.parse(JSON.stringify(b.data)), b.id, WORK, check);
    expect(c.outDir.startsWith(WORK + path.sep)).toBe(true);
    for (const w of c.writes) expect(w.file.startsWith(WORK + path.sep)).toBe(true);
  });

  it('refuses, before anything else, an id of another shape, a job above the limit, an id that is not its hash', () => {
    const b = buildRunJob(cfg, cfgFile, meta);
    expect(refusal(() => checkRunJob(b.data, '../victim', WORK, check))).toMatch(/refused job "\.\.\/victim": not a dflsim run id/);
    const big = { ...b.data, label: 'x'.repeat(MAX_JOB_BYTES + 1) };
    expect(refusal(() => checkRunJob(big, b.id, WORK, check))).toMatch(/more than 32 MiB, the queue's maximum for a job/);
    expect(refusal(() => checkRunJob(b.data, `run-${'0'.repeat(32)}`, WORK, check))).toMatch(
      /its id is not the hash of its config and files/,
    );
  });

  it('with a secret: an unsigned job, one signed with another secret or for another prefix or id is refused; a signed one passes', () => {
    const signed = buildRunJob(cfg, cfgFile, { ...meta, secret: SECRET });
    const withSecret = { ...check, secret: SECRET };
    expect(() => checkRunJob(JSON.parse(JSON.stringify(signed.data)), signed.id, WORK, withSecret)).not.toThrow();
    const unsigned = buildRunJob(cfg, cfgFile, meta);
    expect(refusal(() => checkRunJob(unsigned.data, unsigned.id, WORK, withSecret))).toMatch(
      /it is not signed, and this worker has a queue secret/,
    );
    const other = buildRunJob(cfg, cfgFile, { ...meta, secret: Buffer.from('another-secret-of-someone-else-98765') });
    expect(refusal(() => checkRunJob(other.data, other.id, WORK, withSecret))).toMatch(/its signature does not match/);
    expect(refusal(() => checkRunJob(signed.data, signed.id, WORK, { ...withSecret, prefix: 'q' }))).toMatch(
      /its signature does not match/,
    );
    expect(refusal(() => checkRunJob(signed.data, signed.id, WORK, check))).toMatch(/it is signed, and this worker has no queue secret/);
    // a changed field breaks the signature
    expect(jobSigned(SECRET, 'p', signed.id, { ...signed.data, runDir: '..' })).toBe(false);
  });

  it('a job too large to queue is refused by the coordinator, naming its largest file and the maximum', () => {
    const b = buildRunJob(cfg, cfgFile, meta);
    expect(jsonBytes(b.data, MAX_JOB_BYTES)).toBeLessThan(MAX_JOB_BYTES);
    expect(jsonBytes({ a: 'x'.repeat(100) }, 10)).toBeGreaterThan(10);
    expect(jobId(b.data)).toBe(b.id);
  });
});

describe('a run result, checked by the coordinator', () => {
  const id = `run-${'1'.repeat(32)}`;
  const files = { 'metrics.csv': 'cm91bmQK', 'summary.json': 'e30=', 'config.resolved.json': 'e30=', 'topology.json': 'e30=' };
  const base = { files, checkpointSha256: '2'.repeat(64), build: buildId() };
  const target = { prefix: 'p', secret: SECRET };

  it('takes a signed result; refuses it unsigned, signed otherwise, changed, of another build, with a file outside the run, or missing a file', () => {
    const signed = { ...base, sig: signResult(SECRET, 'p', id, base) };
    expect(checkRunResult(signed, id, target, buildId())).toBe(signed);
    expect(() => checkRunResult(base, id, { prefix: 'p' }, buildId())).not.toThrow();
    expect(refusal(() => checkRunResult(base, id, target, buildId()))).toMatch(/the result is not signed/);
    expect(
      refusal(() => checkRunResult({ ...base, sig: signResult(SECRET, 'p', `run-${'3'.repeat(32)}`, base) }, id, target, buildId())),
    ).toMatch(/signature does not match/);
    const changed = { ...signed, files: { ...files, 'metrics.csv': 'b3RoZXIK' } };
    expect(resultSigned(SECRET, 'p', id, changed)).toBe(false);
    expect(refusal(() => checkRunResult(changed, id, target, buildId()))).toMatch(/signature does not match/);
    expect(refusal(() => checkRunResult({ ...base, build: '0.0.0+000000000000' }, id, { prefix: 'p' }, buildId()))).toMatch(
      /made by dflsim build 0\.0\.0\+000000000000, this is build/,
    );
    for (const name of ['../../../pwned.txt', '/etc/x', 'a/../../b', 'a\\b', '']) {
      expect(
        refusal(() => checkRunResult({ ...base, files: { ...files, [name]: 'eA==' } }, id, { prefix: 'p' }, buildId())),
        name,
      ).toMatch(/a file outside the run's directory/);
    }
    const { 'topology.json': _t, ...fewer } = files;
    expect(refusal(() => checkRunResult({ ...base, files: fewer }, id, { prefix: 'p' }, buildId()))).toMatch(/returned no topology\.json/);
    expect(
      refusal(() =>
        checkRunResult({ ...base, files: { ...files, 'metrics.csv': 'x'.repeat(64 * 1024 * 1024 + 1) } }, id, { prefix: 'p' }, buildId()),
      ),
    ).toMatch(/more than 64 MiB/);
  });

  it("a stored checkpoint keeps its signature; another job's or a changed one does not verify", () => {
    const bytes = Buffer.from('checkpoint bytes');
    const sig = signCheckpoint(SECRET, 'p', id, bytes);
    const back = unpackSigned(packSigned(bytes, sig))!;
    expect(back.bytes.equals(bytes)).toBe(true);
    expect(checkpointSigned(SECRET, 'p', id, back.bytes, back.sig!)).toBe(true);
    expect(checkpointSigned(SECRET, 'p', `run-${'4'.repeat(32)}`, back.bytes, back.sig!)).toBe(false);
    expect(checkpointSigned(SECRET, 'p', id, Buffer.from('checkpoint byteZ'), back.sig!)).toBe(false);
    expect(unpackSigned(packSigned(bytes, undefined))!.sig).toBeUndefined();
    expect(unpackSigned(Buffer.from('DFLSIMCK raw checkpoint'))).toBeUndefined();
    expect(signJob(SECRET, 'p', id, { a: 1 })).not.toBe(signJob(SECRET, 'q', id, { a: 1 }));
  });
});

describe('settings', () => {
  it('a prefix is letters, digits, _ . - (no colon, no glob)', () => {
    for (const ok of ['dflsim', 'alice', 'team-1.build_2']) expect(checkQueuePrefix(ok, '--queue-prefix')).toBe(ok);
    for (const bad of ['', 'a:b', 'a*', '-x', 'x'.repeat(65), 'a b'])
      expect(() => checkQueuePrefix(bad, '--queue-prefix'), bad).toThrow(/--queue-prefix: queue prefix/);
  });

  it("a secret has at least 16 bytes (a file's final newline dropped)", () => {
    expect(checkSecret('0123456789abcdef\n', 'DFLSIM_QUEUE_SECRET').toString()).toBe('0123456789abcdef');
    expect(() => checkSecret('short\n', '--queue-secret-file')).toThrow(/--queue-secret-file: the queue secret has 5 bytes, fewer than 16/);
  });

  it("a URL's database is a number; a password is seen", () => {
    expect(urlDatabase('redis://h:1/7')).toBe(7);
    expect(urlDatabase('redis://h:1')).toBe(0);
    expect(() => checkQueueUrl('redis://h:1/x', 'DFLSIM_QUEUE')).toThrow(/DFLSIM_QUEUE: the database in redis:\/\/h:1\/x is not a number/);
    expect(urlHasPassword('redis://:pw@h:1')).toBe(true);
    expect(urlHasPassword('redis://user@h:1')).toBe(false);
  });

  it('the build is the version and 12 hex digits of the code, the same on every call', () => {
    expect(buildId()).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
    expect(buildId()).toBe(buildId());
  });
});
