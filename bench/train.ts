/**
 * Training throughput at 1 and 2 threads. FADNet (default): dflsim (TensorFlow.js) against
 * the PyTorch yardstick shared/bench/fadnet_torch.py at the same thread counts (other sizes:
 * dpasgd_torch.py with one silo). The FEMNIST CNN (--model femnist-cnn, 28x28x1, 62
 * classes): its step through dflsim's native step beside the same step through tf.layers
 * (on the same wasm backend and native convolutions), and beside dpasgd_torch.py
 * `--model femnist-cnn --silos 1` at the same threads.
 * Usage: node dist/bench/train.js [--models fadnet,femnist-cnn (default both; or --model one)] [--size 200 (FADNet)] [--batch 32]
 *                                 [--steps 3] [--backend wasm] [--torch auto|skip]
 */
import { benchTrain } from '../src/learning/tf/bench.js';
import type { BackendChoice } from '../src/learning/tf/backend.js';
import { torchTrain } from '../src/learning/tf/torch-yardstick.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

/**
 * The FEMNIST CNN's step through the native step and through tf.layers at each thread count,
 * beside dpasgd_torch.py `--model femnist-cnn --silos 1` at the same threads (as torchTrain
 * times FADNet at sizes other than 200x200); stops asking PyTorch once it is skipped.
 */
async function femnist(batch: number, steps: number, backend: BackendChoice, torch: boolean): Promise<void> {
  let skipped = !torch;
  for (const threads of [1, 2]) {
    const ms: Record<string, number> = {};
    const samplesPerSec: Record<string, number> = {};
    for (const layers of [false, true]) {
      const r = await benchTrain({ model: 'femnist-cnn', size: 28, batch, steps, backend, threads, layers });
      ms[r.path] = r.msPerStep;
      samplesPerSec[r.path] = r.samplesPerSec;
      console.log(
        `dflsim femnist-cnn ${r.backend} threads=${r.threads} ${r.path === 'native' ? 'native step' : 'tf.layers step'}: ` +
          `${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(1)} ms/step, params ${r.params})`,
      );
    }
    if (ms.native && ms.layers) console.log(`speed-up of the native step at ${threads} thread(s): ${(ms.layers / ms.native).toFixed(2)}`);
    if (skipped) continue;
    // the comparison's ratio is of dflsim's faster path
    const best = Math.max(...Object.values(samplesPerSec));
    const t = torchTrain({ model: 'femnist-cnn', size: 28, batch, steps, threads }, best);
    if (t.status !== 'ran') {
      console.log(`PyTorch: ${t.status} (${t.reason})`);
      if (t.status === 'failed') process.exitCode = 1;
      skipped = true;
      continue;
    }
    console.log(
      `PyTorch threads=${threads} (${t.fastest.script}): ${t.fastest.samplesPerSec.toFixed(1)} samples/s (${t.fastest.msPerStep.toFixed(1)} ms/step)`,
    );
    for (const [p, sps] of Object.entries(samplesPerSec))
      console.log(
        `ratio dflsim ${p === 'native' ? 'native step' : 'tf.layers step'}/PyTorch at ${threads} thread(s): ${(sps / t.fastest.samplesPerSec).toFixed(2)}`,
      );
  }
}

/** FADNet's step at `size` at each thread count, beside its PyTorch yardstick at the same threads. */
async function fadnet(size: number, batch: number, steps: number, backend: BackendChoice, torch: boolean): Promise<void> {
  let skipped = !torch;
  for (const threads of [1, 2]) {
    const r = await benchTrain({ model: 'fadnet', size, batch, steps, backend, threads });
    console.log(
      `dflsim fadnet ${r.backend} threads=${r.threads}: ${r.samplesPerSec.toFixed(1)} samples/s (${r.msPerStep.toFixed(0)} ms/step, ` +
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
}

const MODELS = ['fadnet', 'femnist-cnn'] as const;

async function main(): Promise<void> {
  // --model X times one model (as before); --models a,b chooses several
  const chosen = arg('models', arg('model', MODELS.join(',')))
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m);
  const unknown = chosen.filter((m) => !(MODELS as readonly string[]).includes(m));
  if (unknown.length || !chosen.length) {
    console.error(`bench train: --models: expected a comma-separated list of ${MODELS.join(', ')}, got "${chosen.join(',')}"`);
    process.exit(2);
  }
  const batch = Number(arg('batch', '32'));
  const steps = Number(arg('steps', '3'));
  const backend = arg('backend', 'wasm') as BackendChoice;
  const torch = arg('torch', 'auto') !== 'skip';
  for (const m of MODELS.filter((x) => chosen.includes(x))) {
    console.log(
      m === 'fadnet'
        ? `\n-- FADNet ${arg('size', '200')}x${arg('size', '200')}, batch ${batch}`
        : `\n-- the FEMNIST CNN (28x28x1, 62 classes), batch ${batch}`,
    );
    if (m === 'fadnet') await fadnet(Number(arg('size', '200')), batch, steps, backend, torch);
    else await femnist(batch, steps, backend, torch);
  }
  process.exit(process.exitCode ?? 0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
