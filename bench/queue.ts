/**
 * Wall time of a 12-run training sweep: locally in 1 process, locally with
 * `--parallel-runs 2`, and over a Redis queue with 2 `dflsim worker` processes on loopback
 * (a redis-server of its own on a free port). Prints figures; asserts nothing.
 * Usage: node dist/bench/queue.js [--rounds N] (default 10)   (needs redis-server on PATH or $DFLSIM_REDIS_SERVER)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, startBenchRedis } from './common.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dflsim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 10;
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bench-queue-'));
  const cfg = path.join(dir, 'sweep12.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      kind: 'train',
      name: 'sweep12',
      network: 'gaia-cities',
      model: { name: 'fadnet', inputSize: 64 },
      dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 8 },
      rounds,
      batchSize: 8,
      evalEvery: 5,
      checkpointEvery: 5,
      seed: 1,
      workers: 1,
      backend: 'wasm',
      sweep: { topology: ['ring', 'mst'], accessGbps: [1, 10, 100], localSteps: [1, 2] },
    }),
  );
  const redis = await startBenchRedis();
  const workers: ChildProcess[] = [];
  try {
    const url = redis.url;
    const one = timed(['run', cfg, '--out', path.join(dir, 'one')]);
    const two = timed(['run', cfg, '--out', path.join(dir, 'two'), '--parallel-runs', '2']);
    for (let w = 0; w < 2; w++) workers.push(spawn(process.execPath, [BIN, 'worker', '--queue', url], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 1500)); // the workers connect
    const queued = timed(['run', cfg, '--out', path.join(dir, 'queued'), '--queue', url]);
    console.log(`12-run sweep (FADNet 64x64, batch 8, 11 silos of gaia-cities, ${rounds} rounds, 1 thread per run), wall time:`);
    console.log(`  local, 1 process          ${one.toFixed(1)} s`);
    console.log(`  local, --parallel-runs 2  ${two.toFixed(1)} s  (${(one / two).toFixed(2)}x)`);
    console.log(`  queue, 2 workers          ${queued.toFixed(1)} s  (${(one / queued).toFixed(2)}x)`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
