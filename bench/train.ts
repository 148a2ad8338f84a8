/**
 * FADNet training throughput: dflsim (TensorFlow.js) at 1 and 2 threads against the
 * PyTorch yardstick shared/bench/fadnet_torch.py at the same thread counts.
 * Usage: node dist/bench/train.js [--size 200] [--batch 32] [--steps 3] [--backend wasm]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTrain } from '../src/learning/tf/bench.js';
import type { BackendChoice } from '../src/learning/tf/backend.js';

function projectRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(d, 'package.json');
    if (fs.existsSync(p) && (JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string }).name === 'dflsim') return d;
    const up = path.dirname(d);
    if (up === d) throw new Error('bench/train: cannot find the dflsim project root');
    d = up;
  }
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

function findTorchPython(): string | null {
  for (const py of [process.env.DFLSIM_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next
    }
  }
  return null;
}

async function main(): Promise<void> {
  const size = Number(arg('size', '200'));
  const batch = Number(arg('batch', '32'));
  const steps = Number(arg('steps', '3'));
  const backend = arg('backend', 'wasm') as BackendChoice;
  const script = path.join(path.resolve(projectRoot(), '../shared'), 'bench', 'fadnet_torch.py');
  const py = findTorchPython();
  if (!py) console.log('PyTorch: skipped (no python3 with torch; install with: apt-get install -y python3-torch)');
  else if (!fs.existsSync(script)) console.log(`PyTorch: skipped (${script} not found)`);
  for (const threads of [1, 2]) {
    const r = await benchTrain({ model: 'fadnet', size, batch, steps, backend, threads });
    console.log(
      `dflsim  ${r.backend} threads=${r.threads}: ${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(0)} ms/step, ` +
        `params ${r.params}, ${(r.bytesPerSilo / 2 ** 20).toFixed(2)} MiB/silo)`,
    );
    if (py && fs.existsSync(script)) {
      const out = execFileSync(py, [script, '--batch', String(batch), '--size', String(size), '--steps', String(steps), '--threads', String(threads)], {
        encoding: 'utf8',
      });
      const t = JSON.parse(out.trim().split('\n').pop()!) as { samples_per_sec: number; ms_per_step: number };
      console.log(`PyTorch threads=${threads}: ${t.samples_per_sec.toFixed(1)} samples/s (${t.ms_per_step.toFixed(0)} ms/step)`);
      console.log(`ratio dflsim/PyTorch at ${threads} thread(s): ${(r.samplesPerSec / t.samples_per_sec).toFixed(2)}`);
    }
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
