/**
 * `dflsim worker --queue redis://...`: run queued training runs until stopped. SIGTERM or
 * Ctrl-C: the running jobs checkpoint (in Redis) and go back to the queue, then the worker
 * exits.
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';
import { DEFAULT_QUEUE_PREFIX } from '../../experiment/queue/names.js';
import { queueOptions, queueSettings, type QueueArgs } from '../queue-options.js';

function positiveInt(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new DflsimInputError(flag, `expected a positive integer, got ${v}`);
  return v;
}

/** Register the worker command. */
export function workerCommand(y: Argv, _out: (s: string) => void, err: (s: string) => void): Argv {
  return y.command(
    'worker',
    'run queued training runs (from dflsim run --queue), and silo groups of runs with distributeSilos, until stopped; builds the built-in models and model files a job carries (model.path), never a module',
    (c) =>
      queueOptions(c, 'of the queue to take runs from')
        .option('concurrency', { type: 'number', default: 1, describe: 'runs trained at once by this worker' })
        .option('workers', {
          type: 'number',
          describe: "worker threads training one run's silos in parallel (as dflsim run --workers); results do not depend on it",
        })
        .option('work-dir', {
          type: 'string',
          describe:
            'directory in which the worker makes its own subdirectory dflsim-worker-<pid>-<random> to unpack and train jobs (default: the system tmp); only that subdirectory is removed when it stops',
        })
        .example('$0 worker --queue redis://10.0.0.5:6379 --concurrency 2', 'train queued runs, two at a time')
        .example(
          'DFLSIM_QUEUE=rediss://:pw@redis:6380 DFLSIM_QUEUE_SECRET=... $0 worker --queue-prefix alice',
          "a worker for user alice's queue over TLS, results signed",
        ),
    async (a) => {
      const args = a as unknown as QueueArgs & { concurrency: number; workers?: number; 'work-dir'?: string };
      const q = queueSettings(args, (l) => err(l + '\n'));
      if (q.url === undefined)
        throw new DflsimInputError('--queue', 'give the Redis URL of the queue (or set DFLSIM_QUEUE, or give --queue-file)');
      const concurrency = positiveInt(args.concurrency, '--concurrency');
      const workers = positiveInt(args.workers, '--workers');
      const lockEnv = process.env.DFLSIM_QUEUE_LOCK_MS;
      const lockMs = lockEnv ? Number(lockEnv) : undefined;
      if (lockMs !== undefined && (!Number.isInteger(lockMs) || lockMs < 1000))
        throw new DflsimInputError('DFLSIM_QUEUE_LOCK_MS', `expected an integer of at least 1000 (ms), got "${lockEnv}"`);
      const { startWorker } = await import('../../experiment/queue/worker.js');
      let wake: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        wake = resolve;
      });
      let signals = 0;
      const onSignal = (): void => {
        if (++signals > 1) process.exit(130);
        err('stopping: running jobs checkpoint and go back to the queue (again to quit at once)\n');
        wake();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const target = { url: q.url, where: q.where, prefix: q.prefix ?? DEFAULT_QUEUE_PREFIX, ...(q.secret ? { secret: q.secret } : {}) };
        const w = await startWorker({ target, concurrency, workers, workDir: args['work-dir'], lockMs, log: (l) => err(l + '\n') });
        await stopped;
        await w.stop();
        err('worker stopped\n');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}
