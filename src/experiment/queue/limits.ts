/**
 * The queue's documented bounds: how large a job, a result and a silo group's blob may be,
 * and how long Redis keeps what a run leaves there. A job or result above its maximum is
 * refused, naming the maximum; every key a run leaves expires.
 */

const MiB = 1024 * 1024;

/** Largest run job (its config and carried files, base64, as JSON): 32 MiB. */
export const MAX_JOB_BYTES = 32 * MiB;

/** Largest silo group job (its fields; the arrays travel in the blob): 64 KiB. */
export const MAX_SILO_JOB_BYTES = 64 * 1024;

/** Largest run result (its files, base64, as JSON): 64 MiB. */
export const MAX_RESULT_BYTES = 64 * MiB;

/** Largest silo group blob and checkpoint read from Redis: 512 MiB (Redis' own default `proto-max-bulk-len`). */
export const MAX_BLOB_BYTES = 512 * MiB;

/**
 * How long a finished run's job (its result, or its failure) and a mid-run checkpoint stay
 * in Redis while no coordinator collects them (s): 7 days. A checkpoint's clock restarts at
 * every write.
 */
export const KEEP_UNCOLLECTED_S = 7 * 24 * 3600;

/**
 * How long a run's result and final checkpoint stay in Redis once a coordinator has written
 * them to its results directory (s): 24 hours, for other coordinators of the same run
 * (another `--out`); then they expire. `dflsim queue clean` removes them at once.
 */
export const KEEP_COLLECTED_S = 24 * 3600;

/** A silo group's blobs expire after this (ms), if their coordinator died before removing them. */
export const BLOB_TTL_MS = 3_600_000;

/**
 * The size of a JSON value from a stranger (bytes of its JSON text, near enough: strings
 * count their UTF-16 length), walked without recursion and given up as soon as it passes
 * `limit`: a value above `limit` gives a number above `limit`.
 */
export function jsonBytes(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (v === null || typeof v !== 'object') total += 8;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (const x of v) stack.push(x);
    } else
      for (const [k, x] of Object.entries(v)) {
        total += k.length + 4;
        stack.push(x);
      }
    if (total > limit) return total;
  }
  return total;
}

/** A byte count in MiB for messages (`32 MiB`, `0.24 MiB`). */
export function mib(bytes: number): string {
  const m = bytes / MiB;
  return `${m >= 10 ? m.toFixed(0) : m >= 1 ? m.toFixed(1) : m.toFixed(2)} MiB`;
}
