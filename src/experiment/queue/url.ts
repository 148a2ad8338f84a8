/**
 * Queue URLs: checking and redaction (a password never reaches a log, an error or a
 * results file). No Redis client here, so the CLI can check a URL without loading one.
 */
import { DflsimInputError } from '../../errors.js';

/**
 * A Redis URL with its user and password replaced by `***` (kept: scheme, host, port, db).
 * Anything that does not parse is shown as `<redis url>`.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<redis url>';
  }
}

/** Replace every occurrence of the URL (and its password) in a message by the redacted URL. */
export function redactIn(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password)]) if (secret) out = out.split(secret).join('***');
  } catch {
    /* not a URL: nothing more to hide */
  }
  return out;
}

/**
 * Check a queue URL: `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS).
 * @param where the flag or variable it came from (`--queue`, `DFLSIM_QUEUE`)
 */
export function checkQueueUrl(url: string, where: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DflsimInputError(where, `not a Redis URL: expected redis://host:port or rediss://host:port, got "${redactUrl(url)}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new DflsimInputError(where, `expected a redis:// or rediss:// URL, got ${u.protocol}// (${redactUrl(url)})`);
  if (!u.hostname) throw new DflsimInputError(where, `no host in ${redactUrl(url)}`);
  if (!/^\/?(\d{1,5})?$/.test(u.pathname))
    throw new DflsimInputError(where, `the database in ${redactUrl(url)} is not a number: expected redis://host:port/<database number>`);
  return url;
}

/** The database number of a checked queue URL (0 without one). */
export function urlDatabase(url: string): number {
  try {
    const m = /^\/(\d+)$/.exec(new URL(url).pathname);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Whether a queue URL carries a password (which a command line shows to every user, in ps). */
export function urlHasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
