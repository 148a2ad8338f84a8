/**
 * A lock file in a results directory: two `dflsim run` commands writing the same directory
 * would mix their files, so the second refuses. A lock left by a process that is gone
 * (same host, pid not alive) is taken over.
 */
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';

/** Name of the lock file (removed when the run ends). */
export const LOCK_FILE = '.dflsim.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the lock of `dir` (creating the directory).
 * @param where what to name in the error (e.g. `--out`)
 * @returns release: removes the lock, and the directory when this call created it and it is still empty
 */
export function lockOutDir(dir: string, where: string): () => void {
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      let owner: { pid?: number; host?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        /* half-written: treat as stale */
      }
      const sameHost = owner.host === undefined || owner.host === os.hostname();
      if (typeof owner.pid === 'number' && (!sameHost || alive(owner.pid))) {
        throw new DflsimInputError(
          where,
          `${dir} is being written by another dflsim run (pid ${owner.pid}${sameHost ? '' : ` on ${owner.host}`}); wait for it, or remove ${file} if that run is gone`,
        );
      }
      try {
        unlinkSync(file);
      } catch {
        /* taken by another process meanwhile: retry */
      }
    }
  }
  return () => {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
    if (created) {
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {
        /* not empty */
      }
    }
  };
}
