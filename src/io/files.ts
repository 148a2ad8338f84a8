/**
 * Writing results files: each file appears whole or not at all, so a run killed at any
 * moment leaves either the previous file or the new one, never half of one.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/** Write `data` to `file` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
