/**
 * Whole-simulation throughput and memory (issue "Training throughput"): `dflsim bench
 * simulate` (silos of a model on a RING, against shared/bench/dpasgd_torch.py at the same
 * cores where PyTorch is installed) at 1 and 2 workers, for each chosen model:
 *
 *   fadnet        FADNet at --size (64x64 by default)
 *   femnist-cnn   the FEMNIST CNN by name (28x28x1, 62 classes)
 *   femnist-json  the FEMNIST CNN as a Keras user has it: its architecture built from plain
 *                 tf.layers (Keras' Dropout, not dflsim's) and saved as a model.json and
 *                 weights into a temporary folder, timed as `--model <that model.json>`
 *
 * For each: rounds/s and samples/s at 1 and 2 workers, the training path (native step or
 * tf.layers), PyTorch at the same cores (1 process; 2 threads in 1 process and 2 processes of
 * 1 thread), the ratio dflsim/PyTorch for each, and how each scales from 1 to 2 cores. Then
 * (with fadnet) the peak RSS of 100 silos of FADNet 64x64 (goal: under 1 GiB). Each run is
 * its own process, so each peak RSS is that run's alone.
 * Usage: node dist/bench/simulate.js [--models fadnet,femnist-cnn,femnist-json] [--silos 11] [--size 64] [--batch 16]
 *                                    [--rounds 10] [--torch auto|skip]
 *                                    [--memory-silos 100] (silos of the memory run; fewer for a quick check; 0: none)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BenchSimulateResult } from '../src/learning/tf/simulate-bench.js';
import { projectRoot, type TorchComparison, type TorchSimulateRun } from '../src/learning/tf/torch-yardstick.js';

/** The models this benchmark can time (`--models`). */
const MODELS = ['fadnet', 'femnist-cnn', 'femnist-json'] as const;
type BenchModel = (typeof MODELS)[number];

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

/**
 * dflsim's FEMNIST CNN (src/learning/tf/models/femnist-cnn.ts) as a Keras user would save it:
 * plain tf.layers (Keras' Dropout), seeded Glorot kernels, written as model.json and one
 * weight shard (what `model.save` and tensorflowjs_converter write) into `dir`.
 * @returns the model.json path
 */
async function writeFemnistCnnJson(dir: string): Promise<string> {
  // the cpu backend is enough to save a model (production mode: no "install tfjs-node" notice)
  tf.env().set('PROD', true);
  if (!tf.engine().backendName) await tf.setBackend('cpu');
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    name: 'femnist_cnn_keras',
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2), name: 'conv2' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.dropout({ rate: 0.25, name: 'dropout1' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3), name: 'fc1' }),
      tf.layers.dropout({ rate: 0.5, name: 'dropout2' }),
      tf.layers.dense({ units: 62, kernelInitializer: init(4), name: 'fc2' }),
    ],
  });
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        writeFileSync(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        const json = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: null,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
        };
        writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  return path.join(dir, 'model.json');
}

function dflsimLine(f: Figures): string {
  return (
    `dflsim workers=${f.workers} threads=${f.threads} (${f.backend}, ${f.path === 'native' ? 'native step' : 'tf.layers step'}): ` +
    `${f.roundsPerSec.toFixed(2)} rounds/s, ${f.siloStepsPerSec.toFixed(2)} silo steps/s, ` +
    `${f.samplesPerSec.toFixed(1)} samples/s, peak RSS ${f.peakRssMiB.toFixed(0)} MiB` +
    (f.pathNotice ? `\n  (tf.layers step: ${f.pathNotice})` : '')
  );
}

/** The PyTorch runs beside one dflsim run, each with the ratio dflsim/PyTorch; returns the fastest's samples/s, if any ran. */
function torchReport(f: Figures): number | undefined {
  const t = f.torch;
  if (!t) return undefined;
  if (t.status !== 'ran') {
    console.log(`PyTorch: ${t.status} (${t.reason})`);
    if (t.status === 'failed') process.exitCode = 1;
    return undefined;
  }
  const cores = `${f.workers} core${f.workers > 1 ? 's' : ''}`;
  for (const p of t.runs)
    console.log(
      `PyTorch threads=${p.threads} procs=${p.procs}: ${p.roundsPerSec.toFixed(2)} rounds/s, ${p.samplesPerSec.toFixed(1)} samples/s; ` +
        `ratio dflsim/PyTorch at ${cores}: ${(f.samplesPerSec / p.samplesPerSec).toFixed(2)}`,
    );
  if (t.runs.length > 1)
    console.log(`ratio dflsim/fastest PyTorch (threads=${t.fastest.threads} procs=${t.fastest.procs}) at ${cores}: ${t.ratio.toFixed(2)}`);
  return t.fastest.samplesPerSec;
}

/** Time one model at 1 and 2 workers, beside PyTorch, and print how each scales. */
function benchModel(name: BenchModel, modelArgs: string[], o: { silos: string; batch: string; rounds: string; torch: string }): void {
  const byWorkers: Figures[] = [];
  const torchFastest: (number | undefined)[] = [];
  for (const workers of [1, 2]) {
    const f = simulate([
      ...modelArgs,
      '--silos',
      o.silos,
      '--batch',
      o.batch,
      '--rounds',
      o.rounds,
      '--workers',
      String(workers),
      '--torch',
      o.torch,
    ]);
    if (byWorkers.length === 0) {
      const what =
        name === 'fadnet'
          ? `FADNet ${f.size}x${f.size}`
          : name === 'femnist-cnn'
            ? 'the FEMNIST CNN (--model femnist-cnn)'
            : 'the FEMNIST CNN from a model.json (plain tf.layers, Keras Dropout; --model <model.json>)';
      console.log(
        `\n-- ${what}: ${f.params} parameters, input ${f.inputShape.join('x')}${f.classes ? `, ${f.classes} classes` : ''}; ` +
          `${f.silos} silos, batch ${f.batch}, RING, ${f.localSteps} local step; ${f.rounds} timed round${f.rounds === 1 ? '' : 's'} after 1 warm-up`,
      );
      if (f.yardstick === 'femnist-cnn' && o.torch !== 'skip')
        console.log('PyTorch: the FEMNIST CNN (dpasgd_torch.py --model femnist-cnn)');
    }
    byWorkers.push(f);
    console.log(dflsimLine(f));
    torchFastest.push(torchReport(f));
  }
  const [one, two] = byWorkers as [Figures, Figures];
  console.log(
    `scaling: dflsim at ${two.workers} workers runs ${(two.samplesPerSec / one.samplesPerSec).toFixed(2)}x the samples/s of ${one.workers} (ideal ${two.workers / one.workers}x)`,
  );
  const [t1, t2] = torchFastest;
  if (t1 !== undefined && t2 !== undefined)
    console.log(`scaling: the fastest PyTorch at ${two.workers} cores runs ${(t2 / t1).toFixed(2)}x the samples/s of 1 core`);
}

async function main(): Promise<void> {
  const silos = arg('silos', '11');
  const size = arg('size', '64');
  const batch = arg('batch', '16');
  const rounds = arg('rounds', '10');
  const torch = arg('torch', 'auto');
  const models = arg('models', MODELS.join(','))
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m);
  const unknown = models.filter((m) => !(MODELS as readonly string[]).includes(m));
  if (unknown.length || !models.length) {
    console.error(`bench simulate: --models: expected a comma-separated list of ${MODELS.join(', ')}, got "${arg('models', '')}"`);
    process.exitCode = 2;
    return;
  }
  const o = { silos, batch, rounds, torch };
  let tmp: string | undefined;
  try {
    for (const name of MODELS.filter((m) => models.includes(m))) {
      if (name === 'fadnet') benchModel(name, ['--model', 'fadnet', '--size', size], o);
      else if (name === 'femnist-cnn') benchModel(name, ['--model', 'femnist-cnn'], o);
      else {
        tmp = mkdtempSync(path.join(tmpdir(), 'dflsim-bench-femnist-json-'));
        const file = await writeFemnistCnnJson(tmp);
        benchModel(name, ['--model', file], o);
      }
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  const memorySilos = arg('memory-silos', '100');
  if (!models.includes('fadnet') || memorySilos === '0') return;
  const mem = simulate(['--silos', memorySilos, '--size', '64', '--batch', '16', '--rounds', '2', '--torch', 'skip']);
  console.log(
    `\nmemory: ${mem.silos} silos of FADNet 64x64, batch 16, 2 rounds, ${mem.workers} workers: peak RSS ${mem.peakRssMiB.toFixed(0)} MiB ` +
      `(${mem.peakRssMiB < 1024 ? 'under' : 'over'} the 1 GiB goal; ${mem.roundsPerSec.toFixed(2)} rounds/s)`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
