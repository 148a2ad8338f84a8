/**
 * The overhead per round of `distributeSilos` (one run's silos trained by a queue worker,
 * their states through Redis) against the same run trained locally, for FADNet 64x64 (batch
 * 16, one local step) on Gaia's 11 silos and Ebone's 87, on loopback: a redis-server of its own
 * on a free port and one `dflsim worker` (so the silos train on one core either way, and the
 * difference is the serialisation, Redis and queue round trips). Per-round wall time comes
 * from metrics.csv (last round's wallMs minus round 2's, over the rounds between), which
 * leaves out start-up and the first rounds' warm-up. Prints figures; asserts nothing.
 * Usage: node dist/bench/distribute.js [--rounds 8]   (needs redis-server; ../shared/networks)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { haveSharedNetworks, ROOT, SHARED, startBenchRedis } from './common.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

/** Wall ms per round from round WARM to the last of a run's metrics.csv (the first rounds warm up the models). */
const WARM = 2;
function msPerRound(dir: string): number {
  const rows = readFileSync(path.join(dir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const w = rows[0].indexOf('wallMs');
  const first = Number(rows[1 + WARM][w]),
    last = Number(rows[rows.length - 1][w]);
  return (last - first) / (rows.length - 2 - WARM);
}

function run(args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dflsim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

async function main(): Promise<void> {
  if (!haveSharedNetworks()) return;
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 8;
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bench-distribute-'));
  const redis = await startBenchRedis();
  let worker: ChildProcess | undefined;
  try {
    const url = redis.url;
    worker = spawn(process.execPath, [BIN, 'worker', '--queue', url], { stdio: 'ignore' });
    console.log(`distributeSilos overhead, FADNet 64x64, batch 16, 1 local step, ${rounds} rounds, 1 worker on loopback:`);
    for (const [net, silos] of [
      ['gaia', 11],
      ['ebone', 87],
    ] as const) {
      const cfg = path.join(dir, `${net}.json`);
      writeFileSync(
        cfg,
        JSON.stringify({
          kind: 'train',
          name: net,
          network: path.join(SHARED, 'networks', `${net}.gml`),
          topology: 'ring',
          model: { name: 'fadnet', inputSize: 64 },
          dataset: { kind: 'synthetic-driving', sequences: 2 * silos, framesPerSequence: 16 },
          rounds,
          batchSize: 16,
          localSteps: 1,
          evalEvery: rounds,
          checkpointEvery: rounds,
          seed: 1,
          workers: 1,
          backend: 'wasm',
        }),
      );
      run(['run', cfg, '--out', path.join(dir, `${net}-local`)]);
      writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), distributeSilos: true, siloGroups: 1 }));
      run(['run', cfg, '--out', path.join(dir, `${net}-dist`), '--queue', url]);
      const local = msPerRound(path.join(dir, `${net}-local`)),
        dist = msPerRound(path.join(dir, `${net}-dist`));
      const mib = (silos * 3.92).toFixed(0);
      console.log(
        `  ${net} (${silos} silos, ~${mib} MiB of state each way): local ${local.toFixed(0)} ms/round, distributed ${dist.toFixed(0)} ms/round, overhead ${(dist - local).toFixed(0)} ms/round (${((dist / local - 1) * 100).toFixed(1)}%)`,
      );
    }
  } finally {
    worker?.kill('SIGTERM');
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
