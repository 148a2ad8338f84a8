/**
 * The `dflsim` command line: parse, validate, call the library, print.
 */
import yargs, { type Argv } from 'yargs';
import { isInputError, printable } from '../errors.js';
import { compareCommand, cycleTimeCommand } from './commands/cycle-time.js';
import { multigraphCommand } from './commands/multigraph.js';
import { exportRunCommand, planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { benchCommand } from './commands/bench.js';
import { reportCommand } from './commands/report.js';
import { workerCommand } from './commands/worker.js';
import { queueCommand } from './commands/queue.js';
import { serveCommand } from './commands/serve.js';
import { rejectRepeatedFlags } from './common.js';

/** Where the CLI writes. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: CliIo = {
  out: (s) => {
    process.stdout.write(s);
  },
  err: (s) => {
    process.stderr.write(s);
  },
};

class UsageError extends Error {}

/** Build the yargs parser with every command. */
export function buildCli(io: CliIo = defaultIo): Argv {
  let y = yargs()
    .scriptName('dflsim')
    .usage('$0 <command> [options]\n\nDecentralized federated-learning simulator: topologies, exact cycle times, training.')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'give a command (see --help)')
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    })
    .help()
    .alias('help', 'h')
    .version()
    // a flag given twice: lists joined, anything else a clear error (before yargs' checks)
    .middleware(rejectRepeatedFlags as never, true);
  y = cycleTimeCommand(y, io.out, io.err);
  y = compareCommand(y, io.out, io.err);
  y = multigraphCommand(y, io.out);
  y = planCommand(y, io.out, io.err);
  y = exportRunCommand(y, io.out, io.err);
  y = runCommand(y, io.out, io.err);
  y = schemaCommand(y, io.out);
  y = benchCommand(y, io.out);
  y = reportCommand(y, io.out, io.err);
  y = workerCommand(y, io.out, io.err);
  y = queueCommand(y, io.out, io.err);
  y = serveCommand(y, io.out);
  return y;
}

/**
 * Run the CLI.
 * @returns the exit code: 0 on success, 2 for bad input, 1 for an unexpected failure
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv);
    // a command may have set an exit code (e.g. 130 after an interrupt)
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (isInputError(e)) {
      // messages quote files and jobs: never let their bytes reach the terminal raw
      io.err(`dflsim: ${printable(e.message)}\n`);
      return e.exitCode;
    }
    if (e instanceof UsageError) {
      io.err(`dflsim: ${e.message}\nRun "dflsim --help" for usage.\n`);
      return 2;
    }
    io.err(`dflsim: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
