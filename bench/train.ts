/**
 * Training throughput at 1 and 2 threads. FADNet (default): dflsim (TensorFlow.js) against
 * the PyTorch yardstick shared/bench/fadnet_torch.py at the same thread counts. The FEMNIST
 * CNN (--model femnist-cnn, 28x28): its step through dflsim's native step beside the same
 * step through tf.layers (on the same wasm backend and native convolutions).
 * Usage: node dist/bench/train.js [--model fadnet|femnist-cnn] [--size 200] [--batch 32] [--steps 3] [--backend wasm]
 */
import { benchTrain } from '../src/learning/tf/bench.js';
import type { BackendChoice } from '../src/learning/tf/backend.js';
import { torchTrain } from '../src/learning/tf/torch-yardstick.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

/** The FEMNIST CNN's step through the native step and through tf.layers, at each thread count. */
async function femnist(batch: number, steps: number, backend: BackendChoice): Promise<void> {
  for (const threads of [1, 2]) {
    const ms: Record<string, number> = {};
    for (const layers of [false, true]) {
      const r = await benchTrain({ model: 'femnist-cnn', size: 28, batch, steps, backend, threads, layers });
      ms[r.path] = r.msPerStep;
      console.log(
        `dflsim femnist-cnn ${r.backend} threads=${r.threads} ${r.path === 'native' ? 'native step' : 'tf.layers step'}: ` +
          `${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(1)} ms/step, params ${r.params})`,
      );
    }
    if (ms.native && ms.layers) console.log(`speed-up of the native step at ${threads} thread(s): ${(ms.layers / ms.native).toFixed(2)}`);
  }
}

async function main(): Promise<void> {
  const model = arg('model', 'fadnet');
  if (model !== 'fadnet' && model !== 'femnist-cnn') throw new Error(`--model: expected fadnet or femnist-cnn, got ${model}`);
  if (model === 'femnist-cnn') {
    await femnist(Number(arg('batch', '32')), Number(arg('steps', '3')), arg('backend', 'wasm') as BackendChoice);
    process.exit(0);
  }
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
