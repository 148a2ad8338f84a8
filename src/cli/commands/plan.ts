/**
 * `dflsim plan`: export a topology's rounds (edges, mixing weights, per-silo round times on
 * the clock) as JSON Lines or NumPy `.npz`, for trainers outside dflsim.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';
import type { NamedFailures, NamedStragglers } from '../../experiment/cycle-times.js';
import { topologyNames, topologyPatternNames } from '../../overlay/catalogue.js';
import { clockOptions, clockRequestFromArgs, networkOptions, requestFromArgs, type ClockArgs, type NetworkArgs } from '../common.js';

type Out = (s: string) => void;

/** Parsed `plan` flags. */
interface PlanArgs extends NetworkArgs, ClockArgs {
  topology: string;
  format: 'jsonl' | 'npz';
  sparse?: boolean;
  mixing: 'metropolis' | 'uniform';
  stragglers?: string;
  failures?: string;
}

/**
 * An output file that can be written: not a directory, in a directory that exists and is
 * writable (checked before any work, so that nothing is half-written).
 */
export function checkOutputFile(file: string, field: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory())
    throw new DflsimInputError(field, `${file} is a directory; give a file name (e.g. ${path.join(file, 'plan.jsonl')})`);
  const dir = path.dirname(path.resolve(file));
  let dirSt;
  try {
    dirSt = statSync(dir);
  } catch {
    throw new DflsimInputError(field, `${file}: the directory ${dir} does not exist`);
  }
  if (!dirSt.isDirectory()) throw new DflsimInputError(field, `${file}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
    if (st) accessSync(file, constants.W_OK);
  } catch {
    throw new DflsimInputError(field, `${file} cannot be written (permission denied)`);
  }
}

/** A JSON flag (`--stragglers '{"model": ...}'`) validated by the config's schema of the same field. */
async function jsonFlag<T>(v: string | undefined, flag: string, which: 'stragglers' | 'failures'): Promise<T | undefined> {
  if (v === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(v);
  } catch (e) {
    throw new DflsimInputError(
      flag,
      `is not JSON (${(e as Error).message}); e.g. ${which === 'stragglers' ? `'{"model": "lognormal", "sigma": 0.5}'` : `'{"silos": [{"silo": "A", "fromRound": 2, "toRound": 4}]}'`}`,
    );
  }
  const { failureSchema, stragglerSchema } = await import('../../experiment/config.js');
  const r = (which === 'stragglers' ? stragglerSchema : failureSchema).safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new DflsimInputError(`${flag}${issue.path.length ? `.${issue.path.join('.')}` : ''}`, issue.message);
  }
  return r.data as T;
}

/** Register the plan command. */
export function planCommand(y: Argv, out: Out, err: Out = () => {}): Argv {
  return y.command(
    'plan',
    "export a topology's rounds (edges, mixing weights, round times on the clock) for your own trainer: JSON Lines or NumPy .npz",
    (c) =>
      clockOptions(networkOptions(c))
        .option('topology', {
          alias: 't',
          type: 'string',
          demandOption: true,
          describe: `the topology: ${topologyNames((t) => t.supports.cycleTime).join(', ')}, ${topologyPatternNames().join(', ')}`,
        })
        .option('rounds', {
          type: 'number',
          describe:
            "rounds to export (and to time round-varying topologies over); default one period of a periodic topology (one round of a static one), else the workload's K",
        })
        // clockOptions' --out (-o), described as this command writes it
        .option('out', { type: 'string', demandOption: true, describe: 'the file to write (written whole or not at all)' })
        .option('format', {
          alias: 'f',
          type: 'string',
          choices: ['jsonl', 'npz'],
          default: 'jsonl',
          describe: 'jsonl: a header line then one line per round, streamed (docs/plan.schema.json); npz: NumPy arrays (docs/plan.md)',
        })
        .option('sparse', {
          type: 'boolean',
          describe: 'npz: the mixing matrices as COO arrays (rounds, rows, cols, weights) rather than R x n x n',
        })
        .option('mixing', {
          type: 'string',
          choices: ['metropolis', 'uniform'],
          default: 'metropolis',
          describe: 'the weighting scheme of topologies that take the run\'s (config field "mixing": MST, delta-MBST, overlay, schedule)',
        })
        .option('stragglers', {
          type: 'string',
          describe: 'event clock: stragglers as the config field\'s JSON, e.g. \'{"model": "lognormal", "sigma": 0.5}\'',
        })
        .option('failures', {
          type: 'string',
          describe:
            'event clock: failures as the config field\'s JSON, e.g. \'{"silos": [{"silo": "Tokyo", "fromRound": 2, "toRound": 4}]}\'',
        })
        .example('$0 plan -n gaia-cities -t ring -o ring.jsonl', "RING's round on the built-in Gaia (static: one round), as JSON Lines")
        .example(
          '$0 plan -n gaia-cities -t multigraph-ring -o mg.npz --format npz',
          "one period of the multigraph's states as NumPy arrays",
        )
        .example(
          '$0 plan -n gaia-cities -t equidyn --rounds 50 --clock events --stragglers \'{"model": "lognormal", "sigma": 0.5}\' -o equidyn.jsonl',
          'EquiDyn for 50 rounds on the event clock with lognormal stragglers',
        ),
    async (a) => {
      const args = a as unknown as PlanArgs;
      if (args.rounds !== undefined && (!Number.isInteger(args.rounds) || args.rounds < 1))
        throw new DflsimInputError('--rounds', `must be a positive integer, got ${args.rounds}`);
      const file = args.out!;
      checkOutputFile(file, '--out');
      if (args.sparse && args.format !== 'npz') throw new DflsimInputError('--sparse', 'applies to --format npz only');
      const stragglers = await jsonFlag<NamedStragglers>(args.stragglers, '--stragglers', 'stragglers');
      const failures = await jsonFlag<NamedFailures>(args.failures, '--failures', 'failures');
      const { preparePlanExport, writePlanJsonl, writePlanNpz } = await import('../../experiment/plan-export.js');
      const p = preparePlanExport({
        ...requestFromArgs(args),
        ...clockRequestFromArgs(args),
        ...(stragglers ? { stragglers } : {}),
        ...(failures ? { failures } : {}),
        topology: args.topology,
        scheme: args.mixing,
      });
      if (args.format === 'npz') writePlanNpz(p, file, { sparse: args.sparse });
      else await writePlanJsonl(p, file);
      const h = p.header;
      err(
        `${file}: ${h.topology} on ${h.network} (${h.silos.length} silos), ${h.rounds} round${h.rounds === 1 ? '' : 's'}${h.period !== undefined ? ` (period ${h.period})` : ''}, clock ${h.clock}, mixing ${h.mixing}; cycle time ${h.cycleTimeMs.toFixed(3)} ms\n`,
      );
      out('');
    },
  );
}

/** Register the export-run command. */
export function exportRunCommand(y: Argv, out: Out, err: Out = () => {}): Argv {
  return y.command(
    'export-run <config>',
    'export what a PyTorch loop needs to replay a run of the linear model: its plan, shards, test set, initial weights and batches',
    (c) =>
      c
        .positional('config', {
          type: 'string',
          demandOption: true,
          describe: 'a train config (model "linear", a driving dataset, one run)',
        })
        .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'the directory to write (absent or empty)' })
        .example(
          '$0 export-run experiments/plan-linear.json -o results/plan-linear-export',
          'then: python3 examples/python/dpasgd_plan.py results/plan-linear-export (PyTorch)',
        ),
    async (a) => {
      const args = a as unknown as { config: string; out: string };
      const { exportRun } = await import('../../experiment/export-run.js');
      const run = await exportRun(args.config, args.out);
      err(
        `${args.out}: ${run.topology} on ${run.network} (${run.silos.length} silos), ${run.rounds} rounds x ${run.localSteps} local step(s) of ${run.batchSize}; replay with: python3 examples/python/dpasgd_plan.py ${args.out}\n`,
      );
      out('');
    },
  );
}
