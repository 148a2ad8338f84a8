/**
 * Shared helpers of the benchmarks: where the shared networks are, and a timer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (benchmarks run from dist/bench/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared directory beside the project. */
export const SHARED = path.resolve(ROOT, '../shared');
/** The five networks of the papers. */
export const NETWORKS = ['gaia', 'amazon_us', 'geantdistance', 'exodus', 'ebone'];

/** Run `f` and return its result and the time it took (ms). */
export function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

/** True when the shared networks are there; otherwise says so and sets exit code 2. */
export function haveSharedNetworks(): boolean {
  if (existsSync(path.join(SHARED, 'networks'))) return true;
  console.error(`bench: ${SHARED}/networks not found; the benchmark needs the shared networks beside the project`);
  process.exitCode = 2;
  return false;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * A redis-server of the benchmark's own on a free loopback port (no persistence), once it
 * answers PING; `stop` ends it. The binary: $DFLSIM_REDIS_SERVER or redis-server on PATH.
 */
export async function startBenchRedis(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const redis = spawn(
    process.env.DFLSIM_REDIS_SERVER || 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let k = 0; k < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; k++)
    await new Promise((r) => setTimeout(r, 100));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      redis.kill('SIGTERM');
    },
  };
}
