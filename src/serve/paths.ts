/**
 * Paths built from a request stay inside the directory they belong to: a relative path with
 * no `..` step, no absolute or drive path, no NUL byte, that resolves (symbolic links
 * followed) under its base. Anything else is a {@link DflsimInputError} naming the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';

/** Server-generated ids: 16 lowercase hex digits. */
export const ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * `rel` resolved under `base`, or an input error naming `field`.
 * @param base an absolute directory
 * @param rel a path from a request (already URL-decoded)
 */
export function insideDir(base: string, rel: string, field: string): string {
  if (typeof rel !== 'string' || rel === '') throw new DflsimInputError(field, 'expected a relative path');
  if (rel.includes('\0')) throw new DflsimInputError(field, 'a path may not contain a NUL byte');
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel))
    throw new DflsimInputError(field, `an absolute path is outside the server's work directory: ${JSON.stringify(rel)}`);
  if (rel.split(/[\\/]/).includes('..'))
    throw new DflsimInputError(field, `a ".." step leaves the server's work directory: ${JSON.stringify(rel)}`);
  const root = path.resolve(base);
  const full = path.resolve(root, rel);
  const within = (p: string, r: string): boolean => p === r || p.startsWith(r + path.sep);
  if (!within(full, root)) throw new DflsimInputError(field, `outside the server's work directory: ${JSON.stringify(rel)}`);
  // a symbolic link inside may still point outside
  if (fs.existsSync(full)) {
    const real = fs.realpathSync(full);
    if (!within(real, fs.realpathSync(root)))
      throw new DflsimInputError(field, `outside the server's work directory: ${JSON.stringify(rel)}`);
  }
  return full;
}
