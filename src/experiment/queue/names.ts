/**
 * The queue's names: the shape of dflsim's job ids (checked before any path or key is built
 * from one), and where a path built from a job's data may go. No Redis client here.
 */
import path from 'node:path';

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
