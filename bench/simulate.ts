/**
 * Whole-simulation throughput and memory (issue "Training throughput"): `dflsim bench
 * simulate` (FADNet silos on a RING, against shared/bench/dpasgd_torch.py at the same
 * cores where PyTorch is installed) at 1 and 2 workers, how it scales from one to the
 * other, and the peak RSS of 100 silos of FADNet 64x64 (goal: under 1 GiB). Each run is
 * its own process, so each peak RSS is that run's alone.
 * Usage: node dist/bench/simulate.js [--silos 11] [--size 64] [--batch 16] [--rounds 10] [--torch auto|skip]
 *                                    [--memory-silos 100] (silos of the memory run; fewer for a quick check)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchSimulateResult } from '../src/learning/tf/simulate-bench.js';
import { projectRoot, type TorchComparison, type TorchSimulateRun } from '../src/learning/tf/torch-yardstick.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

type Figures = BenchSimulateResult & { torch?: TorchComparison<TorchSimulateRun> };

/** One `dflsim bench simulate --format json` in a child process. */
function simulate(args: string[]): Figures {
  const bin = path.join(projectRoot(), 'bin', 'dflsim.js');
  const r = spawnSync(process.execPath, [bin, 'bench', 'simulate', ...args, '--format', 'json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  // exit code 1 with figures: dflsim ran, the PyTorch yardstick failed (reported below)
  if (r.error || !(r.status === 0 || (r.status === 1 && last.startsWith('{')))) {
    throw new Error(
      `dflsim bench simulate ${args.join(' ')}: ${r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`}`,
    );
  }
  return JSON.parse(last) as Figures;
}

function line(f: Figures): string {
  return (
    `dflsim workers=${f.workers} threads=${f.threads} (${f.backend}): ${f.roundsPerSec.toFixed(2)} rounds/s, ${f.siloStepsPerSec.toFixed(2)} silo steps/s, ` +
    `${f.samplesPerSec.toFixed(1)} samples/s, peak RSS ${f.peakRssMiB.toFixed(0)} MiB`
  );
}

function main(): void {
  const silos = arg('silos', '11');
  const size = arg('size', '64');
  const batch = arg('batch', '16');
  const rounds = arg('rounds', '10');
  const torch = arg('torch', 'auto');
  console.log(
    `${silos} silos, FADNet ${size}x${size}, batch ${batch}, RING, 1 local step; ${rounds} timed round${rounds === '1' ? '' : 's'} after 1 warm-up`,
  );
  const byWorkers: Figures[] = [];
  for (const workers of [1, 2]) {
    const f = simulate([
      '--silos',
      silos,
      '--size',
      size,
      '--batch',
      batch,
      '--rounds',
      rounds,
      '--workers',
      String(workers),
      '--torch',
      torch,
    ]);
    byWorkers.push(f);
    console.log(line(f));
    const t = f.torch;
    if (!t) continue;
    if (t.status !== 'ran') {
      console.log(`PyTorch: ${t.status} (${t.reason})`);
      if (t.status === 'failed') process.exitCode = 1;
      continue;
    }
    for (const p of t.runs)
      console.log(
        `PyTorch threads=${p.threads} procs=${p.procs}: ${p.roundsPerSec.toFixed(2)} rounds/s, ${p.samplesPerSec.toFixed(1)} samples/s`,
      );
    console.log(
      `ratio dflsim/fastest PyTorch (threads=${t.fastest.threads} procs=${t.fastest.procs}) at ${f.workers} core${f.workers > 1 ? 's' : ''}: ${t.ratio.toFixed(2)}`,
    );
  }
  const [one, two] = byWorkers as [Figures, Figures];
  console.log(
    `scaling: ${two.workers} workers run ${(two.samplesPerSec / one.samplesPerSec).toFixed(2)}x the samples/s of ${one.workers} (ideal ${two.workers / one.workers}x)`,
  );

  const memorySilos = arg('memory-silos', '100');
  const mem = simulate(['--silos', memorySilos, '--size', '64', '--batch', '16', '--rounds', '2', '--torch', 'skip']);
  console.log(
    `memory: ${mem.silos} silos of FADNet 64x64, batch 16, 2 rounds, ${mem.workers} workers: peak RSS ${mem.peakRssMiB.toFixed(0)} MiB ` +
      `(${mem.peakRssMiB < 1024 ? 'under' : 'over'} the 1 GiB goal; ${mem.roundsPerSec.toFixed(2)} rounds/s)`,
  );
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
