/**
 * Authentication of what travels through Redis: an HMAC-SHA256, keyed by a secret that the
 * coordinator and the workers share (`DFLSIM_QUEUE_SECRET` or `--queue-secret-file`), over
 * a canonical form of each job, result and checkpoint. Anyone who can write to the Redis
 * can add keys and jobs; without the secret they cannot make a coordinator take a result,
 * nor a worker run a job. Each message names its kind, the queue prefix and the job id, so
 * that a signed message cannot be replayed as another.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DflsimInputError } from '../../errors.js';

/** Said once by a worker or coordinator without a queue secret. */
export const NO_SECRET_WARNING =
  'warning: no queue secret: jobs and results are not authenticated, so anyone who can write to this Redis can plant them; give the coordinator and every worker the same DFLSIM_QUEUE_SECRET (or --queue-secret-file)';

/** A secret shorter than this (bytes) is refused. */
export const MIN_SECRET_BYTES = 16;

/**
 * Check a queue secret (leading and trailing white space dropped, as a file's final newline).
 * @param where where it came from (`DFLSIM_QUEUE_SECRET`, `--queue-secret-file`)
 */
export function checkSecret(text: string, where: string): Buffer {
  const secret = Buffer.from(text.trim(), 'utf8');
  if (secret.length < MIN_SECRET_BYTES)
    throw new DflsimInputError(
      where,
      `the queue secret has ${secret.length} bytes, fewer than ${MIN_SECRET_BYTES}: use a long random string (e.g. openssl rand -hex 32)`,
    );
  return secret;
}

/** SHA-256 of bytes, in hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function hmac(secret: Buffer, parts: (string | Uint8Array)[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Whether `sig` (from a stranger) equals `expected` (compared in constant time). */
function same(sig: unknown, expected: string): boolean {
  if (typeof sig !== 'string' || sig.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

/**
 * The signature of a job's data (everything but its `sig` field, as JSON: BullMQ stores the
 * data as JSON and gives it back with its keys in the same order).
 */
export function signJob(secret: Buffer, prefix: string, jobId: string, data: object): string {
  const { sig: _sig, ...rest } = data as { sig?: unknown };
  return hmac(secret, ['dflsim-job-v1', prefix, jobId, JSON.stringify(rest)]);
}

/** Whether a job's `sig` field is its signature under `secret`. */
export function jobSigned(secret: Buffer, prefix: string, jobId: string, data: object): boolean {
  return same((data as { sig?: unknown }).sig, signJob(secret, prefix, jobId, data));
}

/** What a run's result signature covers: its files by name and content, and its final checkpoint's hash. */
export interface SignedResult {
  files: Record<string, string>;
  checkpointSha256?: string;
  sig?: string;
}

/** The signature of a run's result (its files' base64 content decoded, so the encoding does not matter). */
export function signResult(secret: Buffer, prefix: string, jobId: string, result: SignedResult): string {
  const parts: (string | Uint8Array)[] = ['dflsim-result-v1', prefix, jobId, result.checkpointSha256 ?? '-'];
  for (const name of Object.keys(result.files).sort()) parts.push(name, sha256Hex(Buffer.from(String(result.files[name]), 'base64')));
  return hmac(secret, parts);
}

/** Whether a result's `sig` field is its signature under `secret`. */
export function resultSigned(secret: Buffer, prefix: string, jobId: string, result: SignedResult): boolean {
  return same(result.sig, signResult(secret, prefix, jobId, result));
}

/** The signature of a checkpoint's bytes, stored with it in Redis. */
export function signCheckpoint(secret: Buffer, prefix: string, jobId: string, bytes: Uint8Array): string {
  return hmac(secret, ['dflsim-checkpoint-v1', prefix, jobId, bytes]);
}

/** Whether `sig` is the signature of a checkpoint's bytes under `secret`. */
export function checkpointSigned(secret: Buffer, prefix: string, jobId: string, bytes: Uint8Array, sig: string): boolean {
  return same(sig, signCheckpoint(secret, prefix, jobId, bytes));
}

/** The signature of a silo group's answer: the key it was written to and its bytes' hash. */
export function signSiloAnswer(secret: Buffer, prefix: string, jobId: string, outKey: string, outSha256: string): string {
  return hmac(secret, ['dflsim-silos-v1', prefix, jobId, outKey, outSha256]);
}

/** Whether `sig` is the signature of a silo group's answer under `secret`. */
export function siloAnswerSigned(secret: Buffer, prefix: string, jobId: string, outKey: string, outSha256: string, sig: unknown): boolean {
  return same(sig, signSiloAnswer(secret, prefix, jobId, outKey, outSha256));
}

/** Marks a checkpoint stored by a worker: these 4 bytes, its signature (64 hex digits, or 64 "-" without a secret), then its bytes. */
const STORED_MAGIC = 'DFQC';

/** A checkpoint's bytes as a worker stores them in Redis, with their signature. */
export function packSigned(bytes: Uint8Array, sig: string | undefined): Buffer {
  return Buffer.concat([Buffer.from(STORED_MAGIC + (sig ?? '-'.repeat(64)), 'latin1'), bytes]);
}

/** A stored checkpoint's bytes and signature (undefined without one), or undefined when it is not one a worker stored. */
export function unpackSigned(buf: Buffer): { bytes: Buffer; sig: string | undefined } | undefined {
  if (buf.length < 68 || buf.toString('latin1', 0, 4) !== STORED_MAGIC) return undefined;
  const sig = buf.toString('latin1', 4, 68);
  return { bytes: buf.subarray(68), sig: /^[0-9a-f]{64}$/.test(sig) ? sig : undefined };
}
