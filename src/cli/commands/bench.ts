/**
 * `dflsim bench`: benchmarks that print figures. `bench train` times training steps of a
 * model (FADNet by default) and, where PyTorch is installed, its PyTorch yardstick (FADNet's
 * or the FEMNIST CNN's) at the same threads; `bench simulate` times whole simulation rounds
 * (silos of FADNet, the FEMNIST CNN or a model.json on a RING) against the PyTorch
 * simulation yardstick at the same cores (for FADNet and the FEMNIST CNN's architecture); `bench profile`
 * splits a FADNet training step into its kernels' times; `bench cycle-times` times the
 * cycle-time table of a network.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { DflsimInputError, printable } from '../../errors.js';
import { computeCycleTimes, defaultTopologies } from '../../experiment/cycle-times.js';
import { textTable } from '../../report/table.js';
import type { TorchComparison, TorchSimulateRun } from '../../learning/tf/torch-yardstick.js';
import type { BenchSimulateResult } from '../../learning/tf/simulate-bench.js';
import type { ModelSpec } from '../../learning/tf/models/build.js';
import type { TrainerOptions } from '../../learning/tf/silo-trainer.js';
import type { DataShape } from '../../learning/model-data.js';

/** Figures with two decimals (integers as they are). */
function fixed2<T>(v: T): T | string {
  return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v;
}

/** The lines of a PyTorch comparison: skipped, or each run (`label` names its setting), the fastest and the ratio. */
function torchLines<R extends { samplesPerSec: number }>(
  t: TorchComparison<R>,
  label: (r: R) => string,
  figures: (r: R) => string,
): string {
  if (t.status === 'skipped') return `PyTorch: skipped (${t.reason})\n`;
  if (t.status === 'failed') return `PyTorch: failed (${t.reason})\n`;
  const runs = t.runs.map((r) => `PyTorch ${label(r)}: ${figures(r)}\n`).join('');
  const fastest = t.runs.length > 1 ? `fastest PyTorch: ${label(t.fastest)}\n` : '';
  return `${runs}${fastest}ratio dflsim/${t.runs.length > 1 ? 'fastest ' : ''}PyTorch (samples/s): ${t.ratio.toFixed(2)}\n`;
}

/** The model of `bench simulate --model`: FADNet at `--size`, the FEMNIST CNN, or a model.json, with the trainer options a run gives it. */
async function simulateModel(
  model: string,
  size: number | undefined,
): Promise<{ model: string | ModelSpec; size?: number; trainerOptions?: TrainerOptions }> {
  const seed = 0;
  if (model === 'fadnet') {
    const side = size ?? 64;
    const { fadnetGeometry } = await import('../../learning/tf/models/fadnet.js');
    try {
      fadnetGeometry(side);
    } catch (e) {
      throw new DflsimInputError('--size', (e as Error).message.replace(/^dflsim fadnet: /, ''));
    }
    return { model, size: side };
  }
  if (size !== undefined)
    throw new DflsimInputError('--size', `is FADNet's input side (--model fadnet); ${printable(model)} has its own input shape`);
  const { dataShapeOf, siloTrainerOptions } = await import('../../experiment/run-data.js');
  if (model === 'femnist-cnn') {
    // as a run on synthetic characters gives them: 28x28x1, 62 classes
    return { model, trainerOptions: siloTrainerOptions({ name: model, inputSize: 28 }, dataShapeOf({ inputSize: 28 }, true), seed) };
  }
  const file = path.resolve(model);
  if (!existsSync(file))
    throw new DflsimInputError(
      '--model',
      `expected fadnet, femnist-cnn or the path of a model.json, got "${printable(model)}" (no such file)`,
    );
  if (statSync(file).isDirectory())
    throw new DflsimInputError('--model', `${printable(model)} is a directory: give the path of its model.json`);
  const spec: ModelSpec = { path: file };
  const { describeModel } = await import('../../learning/tf/models/build.js');
  const d = await describeModel(spec, { seed }, '--model');
  // the data a run on users' data of the model's shape would hold: class labels for a softmax
  // (or logits of 2 or more outputs), 0/1 per output for a sigmoid, else values
  const shape: DataShape =
    d.loss === 'binary-crossentropy'
      ? { sampleShape: d.inputShape, labelKind: 'binary', targets: d.outputSize }
      : d.loss === 'categorical-crossentropy' || d.outputSize >= 2
        ? { sampleShape: d.inputShape, labelKind: 'class', classes: d.outputSize, targets: 1 }
        : { sampleShape: d.inputShape, labelKind: 'values', targets: d.outputSize };
  return { model: spec, trainerOptions: siloTrainerOptions({ inputSize: d.inputShape[0]! }, shape, seed) };
}

/** A simulation benchmark's model in words: FADNet and its side, the FEMNIST CNN, or a model file; its parameters and shapes. */
function modelLine(r: BenchSimulateResult): string {
  if (r.size !== undefined && r.model === 'fadnet') return `FADNet ${r.size}x${r.size} (${r.params} parameters)`;
  const what = r.modelOrigin.field === 'model.name' ? (r.model === 'femnist-cnn' ? 'the FEMNIST CNN' : r.model) : r.modelOrigin.value;
  const labels = r.classes !== undefined ? `, ${r.classes} classes` : '';
  return `${what} (${r.params} parameters, input ${r.inputShape.join('x')}${labels})`;
}

function checkPositive(opts: [string, number][]): void {
  for (const [k, v] of opts) if (!Number.isInteger(v) || v < 1) throw new DflsimInputError(k, `must be a positive integer, got ${v}`);
}

/** Register the bench command and its subcommands. */
export function benchCommand(y: Argv, out: (s: string) => void): Argv {
  return y.command(
    'bench',
    'benchmarks (figures only, never pass/fail)',
    (b) =>
      b
        .command(
          'train',
          'training throughput of a model (samples/s)',
          (c) =>
            c
              .option('model', { type: 'string', default: 'fadnet', choices: ['fadnet', 'dronet', 'femnist-cnn', 'cnn', 'linear'] })
              .option('size', { type: 'number', describe: 'input side (pixels; default 200, femnist-cnn 28)' })
              .option('layers', {
                type: 'boolean',
                default: false,
                describe: 'time the tf.layers step even where the native step is used',
              })
              .option('batch', { type: 'number', default: 32 })
              .option('backend', { type: 'string', choices: ['auto', 'node', 'wasm', 'cpu'], describe: 'default: DFLSIM_BACKEND or auto' })
              .option('threads', { type: 'number', describe: 'wasm threads (default: DFLSIM_THREADS or 1)' })
              .option('steps', { type: 'number', default: 3, describe: 'timed steps after one warm-up step' })
              .option('torch', {
                type: 'string',
                choices: ['auto', 'skip'],
                default: 'auto',
                describe:
                  'FADNet and femnist-cnn: also run ../shared/bench/fadnet_torch.py (FADNet 200x200; other sizes and the FEMNIST CNN: dpasgd_torch.py with one silo) at the same threads where python3-torch is installed',
              })
              .option('format', { type: 'string', choices: ['table', 'json'], default: 'table' })
              .example('$0 bench train --model fadnet --size 200 --batch 32 --threads 2 --format json', "FADNet at the paper's size")
              .example(
                '$0 bench train --model femnist-cnn --batch 32 --layers',
                'the FEMNIST CNN through tf.layers (without --layers: the native step)',
              ),
          async (a) => {
            const args = a as unknown as {
              model: string;
              size: number;
              batch: number;
              backend?: 'auto' | 'node' | 'wasm' | 'cpu';
              threads?: number;
              steps: number;
              torch: string;
              format: string;
              layers: boolean;
            };
            args.size ??= args.model === 'femnist-cnn' ? 28 : 200;
            checkPositive([
              ['--size', args.size],
              ['--batch', args.batch],
              ['--steps', args.steps],
              ['--threads', args.threads ?? 1],
            ]);
            const { benchTrain } = await import('../../learning/tf/bench.js');
            const r = await benchTrain({
              model: args.model,
              size: args.size,
              batch: args.batch,
              backend: args.backend,
              threads: args.threads,
              steps: args.steps,
              layers: args.layers,
            });
            const { bytesPerSilo: _b, ...rest } = r;
            // the yardstick (FADNet's or the FEMNIST CNN's) runs after dflsim's steps (so they do not share the cores)
            let torch: TorchComparison<{ threads: number; samplesPerSec: number; msPerStep: number; script?: string }> | undefined;
            if (args.torch !== 'skip') {
              if (args.model !== 'fadnet' && args.model !== 'femnist-cnn')
                torch = { status: 'skipped', reason: `the yardsticks build FADNet and the FEMNIST CNN, not ${args.model}` };
              else
                torch = (await import('../../learning/tf/torch-yardstick.js')).torchTrain(
                  { model: args.model, size: args.size, batch: args.batch, steps: args.steps, threads: r.threads },
                  r.samplesPerSec,
                );
            }
            // dflsim's figures stand; the exit code says the comparison asked for did not happen
            if (torch?.status === 'failed') process.exitCode = 1;
            if (args.format === 'json') out(JSON.stringify(torch ? { ...rest, torch } : rest) + '\n');
            else {
              out(textTable(Object.keys(r), [Object.values(r).map(fixed2)]));
              if (torch)
                out(
                  torchLines(
                    torch,
                    (t) => `threads=${t.threads}${t.script && t.script !== 'fadnet_torch.py' ? ` (${t.script})` : ''}`,
                    (t) => `${t.samplesPerSec.toFixed(1)} samples/s (${t.msPerStep.toFixed(0)} ms/step)`,
                  ),
                );
            }
          },
        )
        .command(
          'simulate',
          'throughput of a whole simulation: silos of a model (FADNet, the FEMNIST CNN or a model.json) on a RING (rounds/s, samples/s, peak RSS)',
          (c) =>
            c
              .option('model', {
                type: 'string',
                default: 'fadnet',
                describe:
                  'fadnet, femnist-cnn, or the path of a model.json (a Keras / TensorFlow.js layers model: random inputs of its shape in [0, 1], random labels of its outputs)',
              })
              .option('silos', { type: 'number', default: 11, describe: 'silos (Gaia has 11)' })
              .option('size', { type: 'number', describe: 'FADNet input side (pixels; default 64); FADNet only' })
              .option('batch', { type: 'number', default: 16 })
              .option('rounds', { type: 'number', default: 10, describe: 'timed rounds after one warm-up round' })
              .option('local-steps', { type: 'number', default: 1, describe: 'local steps per silo and round' })
              .option('workers', {
                type: 'number',
                describe: "worker threads (default: DFLSIM_WORKERS or the machine's cores, at most the silos); 1 trains in-process",
              })
              .option('threads', { type: 'number', describe: 'wasm threads per worker (default: DFLSIM_THREADS or 1)' })
              .option('backend', { type: 'string', choices: ['auto', 'node', 'wasm', 'cpu'], describe: 'default: DFLSIM_BACKEND or auto' })
              .option('torch', {
                type: 'string',
                choices: ['auto', 'skip'],
                default: 'auto',
                describe:
                  'also run ../shared/bench/dpasgd_torch.py (FADNet, or the FEMNIST CNN for femnist-cnn and a model file of its architecture) at the same cores where python3-torch is installed',
              })
              .option('format', { type: 'string', choices: ['table', 'json'], default: 'table' })
              .example('$0 bench simulate', 'the yardstick: 11 silos, FADNet 64x64, batch 16, 10 rounds, against PyTorch')
              .example('$0 bench simulate --model femnist-cnn --workers 2', 'the FEMNIST CNN on 2 cores, against PyTorch on 2 cores')
              .example(
                '$0 bench simulate --model examples/keras-cnn/model.json --torch skip',
                'your own model (a Keras-style CNN as model.json)',
              )
              .example('$0 bench simulate --silos 100 --rounds 2 --torch skip', 'peak memory of 100 silos'),
          async (a) => {
            const args = a as unknown as {
              model: string;
              silos: number;
              size?: number;
              batch: number;
              rounds: number;
              'local-steps': number;
              workers?: number;
              threads?: number;
              backend?: 'auto' | 'node' | 'wasm' | 'cpu';
              torch: string;
              format: string;
            };
            checkPositive([
              ['--silos', args.silos],
              ['--size', args.size ?? 1],
              ['--batch', args.batch],
              ['--rounds', args.rounds],
              ['--local-steps', args['local-steps']],
              ['--threads', args.threads ?? 1],
            ]);
            const m = await simulateModel(args.model, args.size);
            const { resolveWorkers } = await import('../../experiment/runner.js');
            const workers = resolveWorkers(args.workers, args.silos, '--workers');
            const { benchSimulate } = await import('../../learning/tf/simulate-bench.js');
            const o = { silos: args.silos, batch: args.batch, rounds: args.rounds, localSteps: args['local-steps'] };
            // the pool is closed when benchSimulate resolves: PyTorch then has the cores to itself
            const r = await benchSimulate({
              ...o,
              model: m.model,
              ...(m.size !== undefined ? { size: m.size } : {}),
              ...(m.trainerOptions ? { trainerOptions: m.trainerOptions } : {}),
              workers,
              threads: args.threads,
              backend: args.backend,
              where: '--model',
            });
            let torch: TorchComparison<TorchSimulateRun> | undefined;
            if (args.torch !== 'skip') {
              if (r.yardstick)
                torch = (await import('../../learning/tf/torch-yardstick.js')).torchSimulate(
                  { ...o, model: r.yardstick, ...(r.size !== undefined ? { size: r.size } : {}) },
                  r.workers,
                  r.samplesPerSec,
                );
              else
                torch = {
                  status: 'skipped',
                  reason: `dpasgd_torch.py builds FADNet and the FEMNIST CNN only; ${r.model} is neither: ${r.yardstickMismatch}`,
                };
            }
            if (torch?.status === 'failed') process.exitCode = 1;
            if (args.format === 'json') {
              out(JSON.stringify(torch ? { ...r, torch } : r) + '\n');
              return;
            }
            out(
              `${r.silos} silos, ${modelLine(r)}, batch ${r.batch}, RING, ${r.localSteps} local step${r.localSteps > 1 ? 's' : ''} per round; ${r.rounds} timed round${r.rounds > 1 ? 's' : ''} after 1 warm-up\n`,
            );
            out(
              textTable(
                ['run', 'backend', 'workers', 'threads', 'step', 'rounds/s', 'silo steps/s', 'samples/s', 'peak RSS MiB'],
                [
                  [
                    'dflsim',
                    r.backend,
                    r.workers,
                    r.threads,
                    r.path === 'native' ? 'native step' : 'tf.layers',
                    fixed2(r.roundsPerSec),
                    fixed2(r.siloStepsPerSec),
                    fixed2(r.samplesPerSec),
                    r.peakRssMiB.toFixed(0),
                  ],
                ],
              ),
            );
            if (r.pathNotice) out(`(tf.layers step: ${r.pathNotice})\n`);
            out("(peak RSS is the whole process's: the worker threads share it)\n");
            if (torch) {
              if (torch.status === 'ran' && r.yardstick === 'femnist-cnn')
                out(`PyTorch: the FEMNIST CNN (dpasgd_torch.py --model femnist-cnn: 28x28x1, 62 classes)\n`);
              out(
                torchLines(
                  torch,
                  (t) => `threads=${t.threads} procs=${t.procs}`,
                  (t) =>
                    `${t.roundsPerSec.toFixed(2)} rounds/s, ${t.siloStepsPerSec.toFixed(2)} silo steps/s, ${t.samplesPerSec.toFixed(1)} samples/s`,
                ),
              );
            }
          },
        )
        .command(
          'profile',
          'per-kernel time of a FADNet training step (wasm backend)',
          (c) =>
            c
              .option('size', { type: 'number', default: 200, describe: 'input side (pixels)' })
              .option('batch', { type: 'number', default: 32 })
              .option('steps', { type: 'number', default: 3, describe: 'profiled steps after one warm-up step' })
              .option('threads', { type: 'number', describe: 'wasm threads (default: DFLSIM_THREADS or 1)' })
              .option('by-shape', {
                type: 'boolean',
                default: false,
                describe: 'split convolutions, pools, sums and matmuls by input shapes (tf.layers step)',
              })
              .option('layers', {
                type: 'boolean',
                default: false,
                describe: 'profile the tf.layers step even where the native step is used',
              })
              .option('top', { type: 'number', default: 40, describe: 'kernels listed (slowest first)' })
              .option('format', { type: 'string', choices: ['table', 'json'], default: 'table' })
              .example('$0 bench profile --size 200 --batch 32 --threads 2', "FADNet at the paper's size on two threads"),
          async (a) => {
            const args = a as unknown as {
              size: number;
              batch: number;
              steps: number;
              threads?: number;
              'by-shape': boolean;
              layers: boolean;
              top: number;
              format: string;
            };
            checkPositive([
              ['--size', args.size],
              ['--batch', args.batch],
              ['--steps', args.steps],
              ['--threads', args.threads ?? 1],
              ['--top', args.top],
            ]);
            if (args.size < 16) throw new DflsimInputError('--size', `FADNet needs at least 16 pixels, got ${args.size}`);
            const { formatProfile, profileTrain } = await import('../../learning/tf/bench.js');
            const r = await profileTrain({
              size: args.size,
              batch: args.batch,
              steps: args.steps,
              threads: args.threads,
              byShape: args['by-shape'],
              layers: args.layers || args['by-shape'],
            });
            out(args.format === 'json' ? JSON.stringify(r) + '\n' : formatProfile(r, args.top));
          },
        )
        .command(
          'cycle-times',
          'time the cycle-time computation of every topology on a network',
          (c) =>
            c
              .option('network', { alias: 'n', type: 'string', demandOption: true })
              .option('workload', { alias: 'w', type: 'string', default: 'femnist' })
              .option('repeat', { type: 'number', default: 5 })
              .example('$0 bench cycle-times -n ../shared/networks/ebone.gml', 'Ebone'),
          (a) => {
            const args = a as unknown as { network: string; workload: string; repeat: number };
            const rows: (string | number)[][] = [];
            for (const t of defaultTopologies()) {
              computeCycleTimes({ network: args.network, workload: args.workload, topologies: [t] });
              const ms: number[] = [];
              for (let i = 0; i < args.repeat; i++) {
                const t0 = performance.now();
                computeCycleTimes({ network: args.network, workload: args.workload, topologies: [t] });
                ms.push(performance.now() - t0);
              }
              ms.sort((p, q) => p - q);
              rows.push([t, ms[Math.floor(ms.length / 2)].toFixed(1), ms[0].toFixed(1)]);
            }
            out(textTable(['topology', 'medianMs', 'bestMs'], rows));
          },
        )
        .demandCommand(1, 'give a benchmark: train, simulate, profile or cycle-times'),
    () => {},
  );
}
