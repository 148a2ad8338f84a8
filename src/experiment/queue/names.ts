/**
 * The queue's names: the shape of dflsim's job ids (checked before any path or key is built
 * from one), where a path built from a job's data may go, the queue prefix and the keys
 * under it. No Redis client here, so the CLI can check its flags without loading one.
 */
import path from 'node:path';
import { DflsimInputError } from '../../errors.js';

/** A run job's id: `run-` and 32 hex digits of a hash of the job (see `jobId`). */
export const RUN_JOB_ID = /^run-[0-9a-f]{32}$/;

/** A silo group job's id: `silos-<uuid>-<round>-<group>`. */
export const SILO_JOB_ID = /^silos-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{1,9}-\d{1,6}$/;

/** A job id (from a stranger) as it may be shown in a message: quoted, at most 80 characters. */
export function showId(id: unknown): string {
  const s = JSON.stringify(typeof id === 'string' ? id : String(id));
  return s.length > 80 ? `${s.slice(0, 77)}..."` : s;
}

/**
 * `parts` resolved under `base`, or undefined when the result is `base` itself or outside it
 * (`..`, an absolute path, a drive letter).
 */
export function insideDir(base: string, ...parts: string[]): string | undefined {
  const root = path.resolve(base);
  const p = path.resolve(root, ...parts);
  const rel = path.relative(root, p);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return p;
}

/** The key prefix of a queue when none is given. */
export const DEFAULT_QUEUE_PREFIX = 'dflsim';

/** A queue prefix: a letter or digit, then up to 63 letters, digits, `_`, `.` or `-` (no `:`, so one prefix's keys never match another's `<prefix>:*`). */
export const QUEUE_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Check a queue prefix.
 * @param where where it came from (`--queue-prefix`, `DFLSIM_QUEUE_PREFIX`, `config.json: queuePrefix`)
 */
export function checkQueuePrefix(prefix: string, where: string): string {
  if (!QUEUE_PREFIX_PATTERN.test(prefix))
    throw new DflsimInputError(
      where,
      `queue prefix ${showId(prefix)} is not 1-64 letters, digits, "_", "." or "-" starting with a letter or digit`,
    );
  return prefix;
}

/** The BullMQ queue of runs (its keys: `<prefix>:runs:*`). */
export const RUNS_QUEUE = 'runs';
/** The BullMQ queue of silo groups (`<prefix>:silos:*`), apart from the runs' so that a worker busy with a run does not block them. */
export const SILOS_QUEUE = 'silos';

/** Every Redis key of the queue with prefix `prefix` (all of them match `<prefix>:*`). */
export function queueKeys(prefix: string): {
  checkpoint: (jobId: string) => string;
  result: (jobId: string) => string;
  blobPrefix: string;
} {
  return {
    /** A run's checkpoint (mid-run, and its final one until collected and expired). */
    checkpoint: (jobId) => `${prefix}:checkpoint:${jobId}`,
    /** A run's result, kept after a coordinator collected it, for other coordinators of the same run. */
    result: (jobId) => `${prefix}:result:${jobId}`,
    /** Silo group blobs: `<prefix>:blob:<run>:<round>:<group>:in|out`. */
    blobPrefix: `${prefix}:blob:`,
  };
}

/** Where a queue lives and how what comes out of it is checked. */
export interface QueueTarget {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** The flag, variable or config field the URL came from (named in errors). */
  where: string;
  /** Prefix of every key of the queue. */
  prefix: string;
  /** The shared secret of the HMACs; undefined: nothing is authenticated. */
  secret?: Buffer;
}
