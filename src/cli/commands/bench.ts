/**
 * `dflsim bench`: benchmarks that print figures. `bench train` times training steps of a
 * model (FADNet by default); `bench profile` splits a FADNet training step into its
 * kernels' times; `bench cycle-times` times the cycle-time table of a network.
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';
import { computeCycleTimes, defaultTopologies } from '../../experiment/cycle-times.js';
import { textTable } from '../../report/table.js';

function checkPositive(opts: [string, number][]): void {
  for (const [k, v] of opts) if (!Number.isInteger(v) || v < 1) throw new DflsimInputError(k, `must be a positive integer, got ${v}`);
}

/** Register the bench command and its subcommands. */
export function benchCommand(y: Argv, out: (s: string) => void): Argv {
  return y.command('bench', 'benchmarks (figures only, never pass/fail)', (b) =>
    b
      .command(
        'train',
        'training throughput of a model (samples/s)',
        (c) =>
          c
            .option('model', { type: 'string', default: 'fadnet', choices: ['fadnet', 'cnn', 'linear'] })
            .option('size', { type: 'number', default: 200, describe: 'input side (pixels)' })
            .option('batch', { type: 'number', default: 32 })
            .option('backend', { type: 'string', choices: ['auto', 'node', 'wasm', 'cpu'], describe: 'default: DFLSIM_BACKEND or auto' })
            .option('threads', { type: 'number', describe: 'wasm threads (default: DFLSIM_THREADS or 1)' })
            .option('steps', { type: 'number', default: 3, describe: 'timed steps after one warm-up step' })
            .option('format', { type: 'string', choices: ['table', 'json'], default: 'table' })
            .example('$0 bench train --model fadnet --size 200 --batch 32 --threads 2 --format json', 'FADNet at the paper\'s size'),
        async (a) => {
          const args = a as unknown as { model: string; size: number; batch: number; backend?: 'auto' | 'node' | 'wasm' | 'cpu'; threads?: number; steps: number; format: string };
          checkPositive([['--size', args.size], ['--batch', args.batch], ['--steps', args.steps], ['--threads', args.threads ?? 1]]);
          const { benchTrain } = await import('../../learning/tf/bench.js');
          const r = await benchTrain({ model: args.model, size: args.size, batch: args.batch, backend: args.backend, threads: args.threads, steps: args.steps });
          const { bytesPerSilo: _b, ...rest } = r;
          if (args.format === 'json') out(JSON.stringify(rest) + '\n');
          else out(textTable(Object.keys(r), [Object.values(r).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v))]));
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
            .option('by-shape', { type: 'boolean', default: false, describe: 'split convolutions, pools, sums and matmuls by input shapes' })
            .option('top', { type: 'number', default: 40, describe: 'kernels listed (slowest first)' })
            .option('format', { type: 'string', choices: ['table', 'json'], default: 'table' })
            .example('$0 bench profile --size 200 --batch 32 --threads 2', 'FADNet at the paper\'s size on two threads'),
        async (a) => {
          const args = a as unknown as { size: number; batch: number; steps: number; threads?: number; 'by-shape': boolean; top: number; format: string };
          checkPositive([['--size', args.size], ['--batch', args.batch], ['--steps', args.steps], ['--threads', args.threads ?? 1], ['--top', args.top]]);
          if (args.size < 16) throw new DflsimInputError('--size', `FADNet needs at least 16 pixels, got ${args.size}`);
          const { formatProfile, profileTrain } = await import('../../learning/tf/bench.js');
          const r = await profileTrain({ size: args.size, batch: args.batch, steps: args.steps, threads: args.threads, byShape: args['by-shape'] });
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
      .demandCommand(1, 'give a benchmark: train, profile or cycle-times'),
  () => {});
}
