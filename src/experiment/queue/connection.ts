/**
 * Redis connections of the queue: the options of its long-lived connections, and a quick
 * probe that turns an unreachable server, a refused password, an untrusted TLS certificate
 * or a database the server does not have into a clear error within seconds (the URL
 * redacted: a password never reaches a log, an error or a results file).
 */
import { Redis } from 'ioredis';
import { DflsimInputError } from '../../errors.js';
import type { QueueTarget } from './names.js';
import { redactIn, redactUrl, urlDatabase } from './url.js';

/** Milliseconds the probe waits for Redis before giving up. */
export const PROBE_TIMEOUT_MS = 3000;

/** ioredis options of the queue's long-lived connections (BullMQ needs maxRetriesPerRequest null: commands wait for a reconnect). */
export function connectionOptions(): { maxRetriesPerRequest: null; enableReadyCheck: boolean; retryStrategy: (times: number) => number } {
  return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}

/** A long-lived connection for BullMQ (the caller closes it). */
export function openConnection(url: string): Redis {
  return new Redis(url, connectionOptions());
}

/** BullMQ's options for a queue, worker or events object of `target` (its keys under `<prefix>:`). */
export function bullOptions(target: QueueTarget): { connection: { url: string } & ReturnType<typeof connectionOptions>; prefix: string } {
  return { connection: { url: target.url, ...connectionOptions() }, prefix: target.prefix };
}

/** TLS errors of Node that mean "the server's certificate is not trusted here". */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What went wrong talking to Redis, said for the operator: a refused password, a missing
 * one, an untrusted certificate, a missing permission, or an unreachable server.
 * @param e the first error the client reported (the cause, not "Connection is closed")
 */
export function describeRedisError(e: Error & { code?: string }, url: string): string {
  const at = redactUrl(url);
  const msg = redactIn(e.message, url).split('\n')[0];
  if (/^WRONGPASS|invalid username-password/i.test(msg))
    return `Redis at ${at} refused the user name or password (${msg.replace(/\.$/, '')}): check the password in the URL`;
  if (/^NOAUTH/i.test(msg))
    return `Redis at ${at} needs a password (${msg.split(' ').slice(0, 2).join(' ')} ...): give it in the URL, redis://:password@host:port (or user:password@ with an ACL user)`;
  if (/^NOPERM/i.test(msg))
    return `the Redis user of ${at} may not run a command the queue needs (${msg}): give it the ACL in docs/scale-out.md`;
  if ((e.code && UNTRUSTED.has(e.code)) || /certificate/i.test(msg))
    return `the TLS certificate of Redis at ${at} is not trusted here (${msg}): give its CA with NODE_EXTRA_CA_CERTS=ca.pem, or check the host name`;
  if (/wrong version number|packet length too long|EPROTO/i.test(msg))
    return `TLS to Redis at ${at} failed (${msg}): is it a rediss:// server? (redis:// is plain TCP)`;
  return `cannot reach Redis at ${at}: ${msg} (start redis-server, or check the URL)`;
}

/**
 * Connect once, PING, check the URL's database exists, and disconnect; any failure is a
 * DflsimInputError naming `where` (the flag or variable the URL came from) and the real
 * cause, within {@link PROBE_TIMEOUT_MS}.
 */
export async function probeRedis(url: string, where: string): Promise<void> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // the client's first error is the cause (WRONGPASS, a TLS error); connect() rejects with "Connection is closed"
  let cause: Error | undefined;
  r.on('error', (e: Error) => {
    cause ??= e;
  });
  let timer: NodeJS.Timeout | undefined;
  const db = urlDatabase(url);
  try {
    try {
      await Promise.race([
        (async () => {
          await r.connect();
          await r.ping();
        })(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      throw new DflsimInputError(where, describeRedisError(cause ?? (e as Error), url));
    }
    // ioredis falls back to database 0 when the URL's does not exist: say so instead
    if (db > 0) {
      try {
        await r.select(db);
      } catch (e) {
        throw new DflsimInputError(
          where,
          `Redis at ${redactUrl(url)} has no database ${db} (${redactIn((e as Error).message, url)}): use one it has (0-15 unless its "databases" setting says more)`,
        );
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    r.disconnect();
  }
}

/** A Redis command that takes longer than this (ms) counts as Redis not answering. */
export const ANSWER_MS = 10_000;

/** Redis did not answer a command within {@link ANSWER_MS}. */
export class Silent extends Error {}

/**
 * `p`, or a {@link Silent} error after {@link ANSWER_MS}: the queue's connections wait for a
 * reconnect as long as it takes, and a caller that must not wait forever races them (the
 * command itself completes or fails later, unseen).
 */
export function answered<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Silent('Redis does not answer')), ANSWER_MS);
  });
  p.catch(() => {
    /* seen by the race, or too late to matter */
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
