/**
 * The queue's flags, shared by `run`, `worker` and `queue`: the Redis URL (`--queue`,
 * `--queue-file`, `DFLSIM_QUEUE`), its key prefix (`--queue-prefix`, `DFLSIM_QUEUE_PREFIX`)
 * and the shared secret (`--queue-secret-file`, `DFLSIM_QUEUE_SECRET`), each checked and
 * named in errors by where it came from.
 */
import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { DflsimInputError } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { checkQueuePrefix } from '../experiment/queue/names.js';
import { checkSecret } from '../experiment/queue/sign.js';
import { checkQueueUrl, urlHasPassword } from '../experiment/queue/url.js';

/** The queue flags as parsed. */
export interface QueueArgs {
  queue?: string;
  'queue-file'?: string;
  'queue-prefix'?: string;
  'queue-secret-file'?: string;
}

/** The queue settings the flags and variables give (the config may add its own after these). */
export interface QueueSettings {
  /** The URL, when one was given. */
  url?: string;
  /** Where it came from (`--queue`, `--queue-file`, `DFLSIM_QUEUE`). */
  where: string;
  /** The prefix, when one was given. */
  prefix?: string;
  /** The secret, when one was given. */
  secret?: Buffer;
}

/** Add the queue flags; `purpose` completes the description of `--queue`. */
export function queueOptions<T>(y: Argv<T>, purpose: string) {
  return y
    .option('queue', {
      type: 'string',
      describe: `Redis URL, redis://host:port[/db] or rediss:// (TLS) ${purpose}; default $DFLSIM_QUEUE. A password here is visible in ps: use DFLSIM_QUEUE or --queue-file`,
    })
    .option('queue-file', { type: 'string', describe: 'a file holding the Redis URL (its first line), instead of --queue' })
    .option('queue-prefix', {
      type: 'string',
      describe:
        'key prefix of the queue in Redis (default $DFLSIM_QUEUE_PREFIX, the config\'s queuePrefix, or "dflsim"); users or builds sharing one Redis each use their own',
    })
    .option('queue-secret-file', {
      type: 'string',
      describe:
        "a file holding the queue's shared secret (default $DFLSIM_QUEUE_SECRET): jobs and results are signed with it, and unsigned ones refused",
    });
}

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v !== undefined && v !== '' ? v : undefined;
};

/**
 * The queue settings of the flags and variables, checked.
 * @param warn where a warning goes (a password on the command line)
 */
export function queueSettings(a: QueueArgs, warn: (line: string) => void): QueueSettings {
  if (a.queue !== undefined && a['queue-file'] !== undefined)
    throw new DflsimInputError('--queue-file', 'give the Redis URL once: --queue or --queue-file, not both');
  let url: string | undefined;
  let where = 'DFLSIM_QUEUE';
  if (a.queue !== undefined) {
    url = a.queue;
    where = '--queue';
  } else if (a['queue-file'] !== undefined) {
    const file = a['queue-file'];
    where = `--queue-file ${file}`;
    url = readInputFile(file, 'queue URL file', '--queue-file')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '');
    if (url === undefined) throw new DflsimInputError('--queue-file', `${file} holds no URL (expected redis://... on its first line)`);
  } else {
    url = env('DFLSIM_QUEUE');
  }
  if (url !== undefined) checkQueueUrl(url, where);
  if (where === '--queue' && url !== undefined && urlHasPassword(url))
    warn(
      'warning: --queue carries a password, which other users of this machine can read in ps: give the URL in DFLSIM_QUEUE or --queue-file instead',
    );
  const prefixWhere = a['queue-prefix'] !== undefined ? '--queue-prefix' : 'DFLSIM_QUEUE_PREFIX';
  const prefixText = a['queue-prefix'] ?? env('DFLSIM_QUEUE_PREFIX');
  const prefix = prefixText === undefined ? undefined : checkQueuePrefix(prefixText, prefixWhere);
  let secret: Buffer | undefined;
  if (a['queue-secret-file'] !== undefined) {
    const file = a['queue-secret-file'];
    secret = checkSecret(readInputFile(file, 'queue secret file', '--queue-secret-file'), '--queue-secret-file');
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
      warn(`warning: --queue-secret-file ${file} can be read by other users of this machine: chmod 600 it`);
  } else if (env('DFLSIM_QUEUE_SECRET') !== undefined) secret = checkSecret(env('DFLSIM_QUEUE_SECRET')!, 'DFLSIM_QUEUE_SECRET');
  return { url, where, ...(prefix !== undefined ? { prefix } : {}), ...(secret ? { secret } : {}) };
}
