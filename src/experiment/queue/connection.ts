/**
 * Redis connections of the queue: URL parsing, redaction (a password never reaches a log,
 * an error or a results file) and a quick reachability probe (an unreachable server is a
 * clear error within seconds, not a hang).
 */
import { Redis } from 'ioredis';
import { DflsimInputError } from '../../errors.js';
import { redactIn, redactUrl } from './url.js';

/** Name of the BullMQ queue holding dflsim runs. */
export const QUEUE_NAME = 'dflsim-runs';

/** Seconds the probe waits for Redis before giving up. */
export const PROBE_TIMEOUT_MS = 3000;

/** ioredis options of the queue's long-lived connections (BullMQ needs maxRetriesPerRequest null: commands wait for a reconnect). */
export function connectionOptions(): { maxRetriesPerRequest: null; enableReadyCheck: boolean; retryStrategy: (times: number) => number } {
  return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}

/** A long-lived connection for BullMQ (the caller closes it). */
export function openConnection(url: string): Redis {
  return new Redis(url, connectionOptions());
}

/**
 * Connect once, PING and disconnect; an unreachable or refusing server is a DflsimInputError
 * naming `where` and the redacted URL, within {@link PROBE_TIMEOUT_MS}.
 */
export async function probeRedis(url: string, where: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: PROBE_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => { /* reported below */ });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => { await r.connect(); await r.ping(); })(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS); }),
    ]);
  } catch (e) {
    throw new DflsimInputError(where, `cannot reach Redis at ${redactUrl(url)}: ${redactIn((e as Error).message, url)} (start redis-server, or check the URL)`);
  } finally {
    if (timer) clearTimeout(timer);
    r.disconnect();
  }
}
