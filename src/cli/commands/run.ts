/**
 * `dflsim run <config>`: run an experiment config (training or cycle times, with sweeps)
 * into a results directory. Ctrl-C writes a checkpoint and exits; `--resume` continues.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';
import { checkOutDir, runExperiment } from '../../experiment/experiment.js';
import type { ConfigOverride } from '../../experiment/config.js';
import { experimentSummaryText } from '../../report/console-summary.js';
import { queueOptions, queueSettings, type QueueArgs } from '../queue-options.js';
import { Progress } from '../progress.js';
import { listFlag, siloSelectionFlags } from '../common.js';

/** `--only topology=ring,seed=1`: axis=value pairs, each axis once. */
export function parseOnly(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1)
      throw new DflsimInputError('--only', `expected axis=value pairs such as topology=ring,seed=1, got "${text}"`);
    const key = part.slice(0, eq).trim();
    if (key in out) throw new DflsimInputError('--only', `"${key}" is given twice`);
    out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

/** `--seeds 1,2,3`: distinct non-negative integers. */
export function parseSeeds(text: string): number[] {
  const parts = String(text)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const seeds = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || !Number.isSafeInteger(seeds[i]));
  if (!parts.length || bad !== undefined)
    throw new DflsimInputError('--seeds', `expected comma-separated non-negative integers such as 1,2,3, got "${text}"`);
  const dup = seeds.find((x, i) => seeds.indexOf(x) !== i);
  if (dup !== undefined) throw new DflsimInputError('--seeds', `seed ${dup} is listed twice`);
  return seeds;
}

/** Register the run command. */
export function runCommand(y: Argv, out: (s: string) => void, err: (s: string) => void): Argv {
  return y.command(
    'run <config>',
    'run an experiment config (JSON or YAML) into a results directory',
    (c) =>
      queueOptions(c, "of a queue to run the sweep's runs over (start workers with dflsim worker)")
        .positional('config', { type: 'string', demandOption: true, describe: 'experiment config file' })
        .option('out', { alias: 'o', type: 'string', describe: 'results directory (default: results/<config name>)' })
        .option('resume', { type: 'boolean', default: false, describe: 'continue from the last checkpoint in --out' })
        .option('force', { type: 'boolean', default: false, describe: 'start over in a non-empty --out' })
        .option('workers', {
          type: 'number',
          describe:
            "worker threads training silos in parallel (default: the config's workers, DFLSIM_WORKERS, or the machine's cores; 1 for a model registered in-process without a module); results do not depend on it",
        })
        .option('parallel-runs', {
          type: 'number',
          describe: "run a sweep's runs in N processes on this machine (no queue); same results as one by one",
        })
        .option('clock', {
          type: 'string',
          choices: ['max-plus', 'events'],
          describe:
            "override the config's clock: max-plus (exact, the papers') or events (the event-driven clock: fair sharing, stragglers, failures)",
        })
        .option('sharing', {
          type: 'string',
          choices: ['fixed', 'fair'],
          describe: "override the config's sharing (event clock): access links divided by degree (fixed) or shared max-min fairly (fair)",
        })
        .option('silo-profile', {
          type: 'string',
          describe:
            "override the config's siloProfile with a CSV (silo,computeMs,uploadGbps,downloadGbps; relative to the working directory)",
        })
        .option('link-capacities', {
          type: 'string',
          choices: ['ignore', 'gml'],
          describe: "override the config's linkCapacities: ignore (the papers') or gml (each path's bottleneck GML link capacity)",
        })
        .options(siloSelectionFlags(true))
        .option('seeds', {
          type: 'string',
          describe:
            "run every sweep point once per seed (comma-separated, e.g. 1,2,3; replaces the config's seeds); the report gives means and 95% intervals",
        })
        .option('rounds', {
          type: 'number',
          describe:
            "override the config's rounds (e.g. 6400, the multigraph paper's length); a run of another length is another run, so give it its own --out",
        })
        .option('only', {
          type: 'string',
          describe:
            'run only the sweep points matching every axis=value pair, comma-separated (e.g. topology=ring,seed=1): re-run one run of a table, or finish a sweep in pieces; other finished runs in --out stay in its summary and report',
        })
        .option('keep-checkpoints', {
          type: 'boolean',
          default: false,
          describe:
            "keep finished runs' checkpoint.bin (default: a finished run keeps its summary, metrics and config, all a report and a re-run need)",
        })
        .example('$0 run experiments/quick-demo.json', 'the quick demo')
        .example(
          '$0 run experiments/geant-slow-silos.json --clock events --sharing fair',
          'the Géant slow-silos example on the event clock, transfers sharing access links max-min fairly',
        )
        .example('$0 run experiments/fadnet-gaia-topologies.json --out results/fadnet --resume', 'continue an interrupted run')
        .example('$0 run experiments/quick-demo.json --seeds 1,2,3,4,5', 'the quick demo over five seeds')
        .example('$0 run experiments/table4-long.json --rounds 6400 --out results/table4-6400', "Table 4 at the paper's 6,400 rounds")
        .example(
          '$0 run experiments/table4-long.json --only topology=ring,seed=1 --out /tmp/ring1',
          'one run of a sweep (its metrics.csv has the same bits as in the whole sweep)',
        )
        .example(
          '$0 run experiments/fadnet-gaia-topologies.json --queue redis://10.0.0.5:6379',
          "the sweep's runs on the workers of a Redis queue",
        ),
    async (a) => {
      const args = a as unknown as QueueArgs & {
        config: string;
        out?: string;
        resume: boolean;
        force: boolean;
        workers?: number;
        'parallel-runs'?: number;
        clock?: string;
        sharing?: string;
        'silo-profile'?: string;
        'link-capacities'?: string;
        seeds?: string;
        silos?: string;
        'largest-component'?: boolean;
        'keep-checkpoints': boolean;
        only?: string;
        rounds?: number;
      };
      const overrides: ConfigOverride[] = [
        ...(args.clock !== undefined ? [{ field: 'clock' as const, flag: '--clock', value: args.clock }] : []),
        ...(args.sharing !== undefined ? [{ field: 'sharing' as const, flag: '--sharing', value: args.sharing }] : []),
        ...(args['silo-profile'] !== undefined
          ? [{ field: 'siloProfile' as const, flag: '--silo-profile', value: args['silo-profile'], isPath: true }]
          : []),
        ...(args['link-capacities'] !== undefined
          ? [{ field: 'linkCapacities' as const, flag: '--link-capacities', value: args['link-capacities'] }]
          : []),
        ...(args.seeds !== undefined ? [{ field: 'seeds' as const, flag: '--seeds', value: parseSeeds(args.seeds) }] : []),
        ...(args.rounds !== undefined ? [{ field: 'rounds' as const, flag: '--rounds', value: args.rounds }] : []),
        ...(args.silos !== undefined ? [{ field: 'silos' as const, flag: '--silos', value: listFlag(args.silos, '--silos')! }] : []),
        ...(args['largest-component'] !== undefined
          ? [{ field: 'component' as const, flag: '--largest-component', value: args['largest-component'] ? 'largest' : 'all' }]
          : []),
      ];
      const q = queueSettings(args, (l) => err(l + '\n'));
      const queue = q.url;
      const queueWhere = q.where;
      const parallelRuns = args['parallel-runs'];
      if (parallelRuns !== undefined && (!Number.isInteger(parallelRuns) || parallelRuns < 1))
        throw new DflsimInputError('--parallel-runs', `expected a positive integer, got ${parallelRuns}`);
      if (parallelRuns !== undefined && parallelRuns > 1 && queue !== undefined)
        throw new DflsimInputError(
          '--parallel-runs',
          `runs over the queue are parallel across workers: give --parallel-runs or ${queueWhere}, not both`,
        );
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
        err('\ninterrupt: writing a checkpoint, then stopping (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const progress = new Progress(process.stderr);
      try {
        const outDir = args.out ?? path.join('results', path.basename(args.config).replace(/\.(json|ya?ml)$/i, ''));
        checkOutDir(outDir, args.out !== undefined ? '--out' : outDir);
        const res = await runExperiment(args.config, {
          outDir,
          resume: args.resume,
          force: args.force,
          workers: args.workers,
          queue,
          queueWhere,
          ...(q.prefix !== undefined ? { queuePrefix: q.prefix } : {}),
          ...(q.secret ? { queueSecret: q.secret } : {}),
          parallelRuns,
          overrides,
          keepCheckpoints: args['keep-checkpoints'],
          ...(args.only !== undefined ? { only: parseOnly(args.only) } : {}),
          shouldStop: () => stop,
          log: (l) => {
            progress.clear();
            err(l + '\n');
          },
          onProgress: (label, done, total, detail) => progress.update(label, done, total, detail),
        });
        progress.clear();
        out(experimentSummaryText(res));
        if (!res.interrupted) {
          const { htmlPath, headline } = await (await import('../../report/write.js')).writeReport(outDir);
          if (headline) out(`\n${headline}\n\n`);
          out(`report: ${htmlPath}\n`);
        }
        if (res.interrupted) {
          err(`stopped; resume with: dflsim run ${args.config} --out ${outDir} --resume\n`);
          process.exitCode = 130;
        }
      } finally {
        progress.clear();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    },
  );
}
