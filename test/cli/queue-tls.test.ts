/**
 * The queue over TLS (`rediss://`) with a password: a redis-server serving TLS only, with a
 * certificate of a CA made here (openssl), trusted through NODE_EXTRA_CA_CERTS. A run goes
 * through a worker and completes, with the local results, and the password appears in no
 * output and no results file; without the CA, the TLS handshake fails as a clear error (exit 2).
 * Needs redis-server and openssl: skipped with a notice without them, required under CI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkFile } from '../helpers.js';
import { BIN, files, metricsWithoutWall } from './queue-helpers.js';
import { freePort, HAVE_REDIS, IN_CI, REDIS_INSTALL, REDIS_SERVER } from '../redis-server.js';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const SKIP = (!HAVE_REDIS || !HAVE_OPENSSL) && !IN_CI;
if (SKIP)
  console.warn(
    `skipped: the queue over TLS — ${!HAVE_REDIS ? `redis-server not found at ${REDIS_SERVER}; ${REDIS_INSTALL}` : 'openssl not found (apt-get install -y openssl)'}`,
  );
const PASSWORD = 'tls-s3cret-pw';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

describe.skipIf(SKIP)('the queue over rediss:// with a password', () => {
  let dir: string, url: string, redis: ChildProcess | undefined, env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!HAVE_REDIS || !HAVE_OPENSSL)
      throw new Error(`redis-server or openssl missing (CI=${process.env.CI}: required under CI); ${REDIS_INSTALL}`);
    dir = mkdtempSync(path.join(tmpdir(), 'dflsim-tls-'));
    // a CA, and a server certificate for 127.0.0.1 signed by it
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=dflsim test CA'],
      dir,
    );
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
    writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.pem',
        '-days',
        '2',
        '-extfile',
        'san.ext',
      ],
      dir,
    );
    const port = await freePort();
    redis = spawn(
      REDIS_SERVER,
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        path.join(dir, 'server.pem'),
        '--tls-key-file',
        path.join(dir, 'server.key'),
        '--tls-ca-cert-file',
        path.join(dir, 'ca.pem'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    url = `rediss://:${PASSWORD}@127.0.0.1:${port}`;
    env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') };
    // up once a TLS PING answers
    for (let i = 0; ; i++) {
      const r = spawnSync(
        'redis-cli',
        ['--tls', '--cacert', path.join(dir, 'ca.pem'), '-h', '127.0.0.1', '-p', String(port), '-a', PASSWORD, '--no-auth-warning', 'ping'],
        { encoding: 'utf8' },
      );
      if (r.stdout?.trim() === 'PONG') break;
      if (i > 100) throw new Error(`redis-server with TLS did not answer: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }, 60_000);

  afterAll(() => {
    redis?.kill('SIGTERM');
  });

  it('a run through a TLS worker completes with the local results; the password is printed and written nowhere', async () => {
    const cfg = path.join(dir, 'tls.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'train',
        name: 'tls',
        network: networkFile('gaia'),
        topology: 'ring',
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 6,
        batchSize: 2,
        evalEvery: 1,
        checkpointEvery: 2,
        seed: 3,
        workers: 1,
        backend: 'wasm',
      }),
    );
    const local = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'local')], { encoding: 'utf8' });
    expect(local.status, local.stderr).toBe(0);
    const worker = spawn(process.execPath, [BIN, 'worker', '--queue', url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let wlog = '';
    worker.stdout!.on('data', (d) => {
      wlog += String(d);
    });
    worker.stderr!.on('data', (d) => {
      wlog += String(d);
    });
    try {
      const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'queued'), '--queue', url], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        c.stdout!.on('data', (d) => {
          out += String(d);
        });
        c.stderr!.on('data', (d) => {
          out += String(d);
        });
        c.on('exit', (code) => resolve({ code, out }));
      });
      expect(run.code, run.out).toBe(0);
      expect(metricsWithoutWall(path.join(dir, 'queued', 'metrics.csv'))).toBe(metricsWithoutWall(path.join(dir, 'local', 'metrics.csv')));
      for (const text of [
        run.out,
        wlog,
        ...files(path.join(dir, 'queued')).map((f) => readFileSync(path.join(dir, 'queued', f), 'latin1')),
      ])
        expect(text).not.toContain(PASSWORD);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.on('exit', r));
    }
    expect(wlog).not.toContain(PASSWORD);
  }, 120_000);

  it('without the CA the TLS handshake fails: exit 2 within seconds, saying the certificate is not trusted, the URL redacted', () => {
    const r = spawnSync(process.execPath, [BIN, 'worker', '--queue', url], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    expect(r.status).toBe(2);
    // the cause itself, not "Connection is closed"
    expect(r.stderr, r.stderr).toMatch(
      /--queue: the TLS certificate of Redis at rediss:\/\/\*\*\*@127\.0\.0\.1:\d+ is not trusted here \(self-signed certificate in certificate chain\): give its CA with NODE_EXTRA_CA_CERTS/,
    );
    expect(r.stderr).not.toContain(PASSWORD);
  });
});
