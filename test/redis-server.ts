/**
 * A real redis-server for the queue tests, on a free loopback port, with its data (AOF)
 * in a directory of its own so that a restart on the same directory keeps the queue.
 * Without redis-server the tests are skipped with a `skipped:` notice, except under CI
 * (`CI` set, as in .ci/run, which installs it), where a missing server fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The redis-server binary ($DFLSIM_REDIS_SERVER or /usr/bin/redis-server). */
export const REDIS_SERVER = process.env.DFLSIM_REDIS_SERVER || '/usr/bin/redis-server';
/** Under CI a missing server is a failure, not a skip. */
export const IN_CI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
/** Whether the server binary is here. */
export const HAVE_REDIS = existsSync(REDIS_SERVER);
/** How to get it. */
export const REDIS_INSTALL = 'install with `apt-get install -y redis-server` or set DFLSIM_REDIS_SERVER, and run again';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running redis-server. */
export interface RedisServer {
  port: number;
  dir: string;
  url: string;
  /** Stop it (SIGTERM: the AOF is flushed) and wait for its exit. */
  stop(): Promise<void>;
  /** Stop and start again on the same port and directory. */
  restart(): Promise<void>;
}

async function waitForPong(port: number, password: string | undefined, child: ChildProcess): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const r = spawnSync('redis-cli', ['-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), 'ping'], {
      encoding: 'utf8',
    });
    if (r.stdout?.trim() === 'PONG') return;
    if (Date.now() - start > 20_000) throw new Error(`redis-server on port ${port} gave no PONG: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * Start redis-server on a free loopback port (no RDB snapshots; AOF on unless `persistent`
 * is false, when a restart loses everything).
 */
export async function startRedis(opts: { password?: string; persistent?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-redis-'));
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        opts.persistent === false ? 'no' : 'yes',
        '--dir',
        dir,
        ...(opts.password ? ['--requirepass', opts.password] : []),
      ],
      { stdio: 'ignore' },
    );
    await waitForPong(port, opts.password, child);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((res) => {
      child.once('exit', () => res());
      child.kill('SIGTERM');
    });
  };
  await start();
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return {
    port,
    dir,
    url: `redis://${auth}127.0.0.1:${port}`,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
