/**
 * `dflsim queue status|clean`: what a queue holds in Redis (jobs per state, the keys its runs
 * leave, the other prefixes), and removing finished or failed jobs and the keys no live job
 * needs.
 */
import type { Argv } from 'yargs';
import { DflsimInputError } from '../../errors.js';
import { DEFAULT_QUEUE_PREFIX, type QueueTarget } from '../../experiment/queue/names.js';
import { redactUrl } from '../../experiment/queue/url.js';
import { queueOptions, queueSettings, type QueueArgs } from '../queue-options.js';

function target(a: QueueArgs, err: (s: string) => void): QueueTarget {
  const q = queueSettings(a, (l) => err(l + '\n'));
  if (q.url === undefined)
    throw new DflsimInputError('--queue', 'give the Redis URL of the queue (or set DFLSIM_QUEUE, or give --queue-file)');
  return { url: q.url, where: q.where, prefix: q.prefix ?? DEFAULT_QUEUE_PREFIX };
}

/** Register the queue command. */
export function queueCommand(y: Argv, out: (s: string) => void, err: (s: string) => void): Argv {
  return y.command(
    'queue <action>',
    'look after a Redis queue: status (jobs per state, checkpoints, kept results) or clean (remove finished and failed jobs and what no live job needs)',
    (c) =>
      queueOptions(c, 'of the queue')
        .positional('action', { type: 'string', choices: ['status', 'clean'], demandOption: true, describe: 'status or clean' })
        .option('all', {
          type: 'boolean',
          default: false,
          describe: 'clean: also remove waiting jobs (jobs being trained are left to their workers)',
        })
        .option('format', { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table', describe: 'output format' })
        .example('$0 queue status --queue redis://10.0.0.5:6379', 'jobs per state and keys of the default prefix')
        .example(
          '$0 queue clean --queue-prefix alice',
          "remove alice's finished and failed jobs, kept results and orphaned checkpoints ($DFLSIM_QUEUE)",
        ),
    async (a) => {
      const args = a as unknown as QueueArgs & { action: 'status' | 'clean'; all: boolean; format: 'table' | 'json' };
      const t = target(args, err);
      const { queueStatus, cleanQueue } = await import('../../experiment/queue/admin.js');
      if (args.action === 'status') {
        const s = await queueStatus(t);
        if (args.format === 'json') {
          out(JSON.stringify(s, null, 2) + '\n');
          return;
        }
        const row = (name: string, c: Record<string, number>): string =>
          `${name.padEnd(7)}${Object.entries(c)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`;
        out(`queue "${s.prefix}" on ${redactUrl(t.url)}\n`);
        out(`${row('runs', s.runs)}\n${row('silos', s.silos)}\n`);
        out(`workers ${s.workers ?? 'unknown (the Redis user may not list clients)'}\n`);
        out(`keys   checkpoints ${s.checkpoints}, kept results ${s.results}, silo blobs ${s.blobs}\n`);
        out(`other prefixes on this Redis: ${s.otherPrefixes.length ? s.otherPrefixes.join(', ') : 'none'}\n`);
        return;
      }
      const r = await cleanQueue(t, { all: args.all });
      if (args.format === 'json') {
        out(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      out(
        `queue "${t.prefix}" on ${redactUrl(t.url)}: removed ${r.completed} finished and ${r.failed} failed jobs${args.all ? `, ${r.waiting} waiting` : ''}, ${r.checkpoints} checkpoints, ${r.results} kept results, ${r.blobs} silo blobs\n`,
      );
      if (r.active)
        out(
          `${r.active} job${r.active === 1 ? ' is' : 's are'} being trained: left to ${r.active === 1 ? 'its worker' : 'their workers'}\n`,
        );
      out(r.removed ? "no job left: the queue's keys are removed too\n" : 'jobs are left: the queue stays\n');
    },
  );
}
