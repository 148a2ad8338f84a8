/**
 * FADNet training throughput: dflsim (TensorFlow.js) at 1 and 2 threads against the
 * PyTorch yardstick shared/bench/fadnet_torch.py at the same thread counts.
 * Usage: node dist/bench/train.js [--size 200] [--batch 32] [--steps 3] [--backend wasm]
 */
import { benchTrain } from '../src/learning/tf/bench.js';
import type { BackendChoice } from '../src/learning/tf/backend.js';
import { torchTrain } from '../src/learning/tf/torch-yardstick.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

async function main(): Promise<void> {
  const size = Number(arg('size', '200'));
  const batch = Number(arg('batch', '32'));
  const steps = Number(arg('steps', '3'));
  const backend = arg('backend', 'wasm') as BackendChoice;
  let skipped = false;
  for (const threads of [1, 2]) {
    const r = await benchTrain({ model: 'fadnet', size, batch, steps, backend, threads });
    console.log(
      `dflsim  ${r.backend} threads=${r.threads}: ${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(0)} ms/step, ` +
        `params ${r.params}, ${(r.bytesPerSilo / 2 ** 20).toFixed(2)} MiB/silo)`,
    );
    if (skipped) continue;
    const t = torchTrain({ size, batch, steps, threads }, r.samplesPerSec);
    if (t.status !== 'ran') {
      console.log(`PyTorch: ${t.status} (${t.reason})`);
      if (t.status === 'failed') process.exitCode = 1;
      skipped = true;
      continue;
    }
    const via = t.fastest.script && t.fastest.script !== 'fadnet_torch.py' ? ` (${t.fastest.script})` : '';
    console.log(
      `PyTorch threads=${threads}${via}: ${t.fastest.samplesPerSec.toFixed(1)} samples/s (${t.fastest.msPerStep.toFixed(0)} ms/step)`,
    );
    console.log(`ratio dflsim/PyTorch at ${threads} thread(s): ${t.ratio.toFixed(2)}`);
  }
  process.exit(process.exitCode ?? 0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
