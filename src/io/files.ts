/**
 * Writing results files: each file appears whole or not at all, so a run killed at any
 * moment leaves either the previous file or the new one, never half of one.
 */
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

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

/**
 * Write `lines` (each ending in a newline) to `file` as they are produced, through a stream
 * that waits for the disk when its buffer is full (backpressure), into a temporary file
 * beside `file` renamed over it at the end: `file` appears whole or not at all, and a
 * failure (of the stream or of the generator) removes the temporary file.
 * @returns the number of lines written
 */
export async function writeLinesAtomic(file: string, lines: Iterable<string>): Promise<number> {
  const tmp = `${file}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  let failed: Error | undefined;
  out.on('error', (e) => (failed ??= e));
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  let count = 0;
  try {
    await opened;
    for (const line of lines) {
      if (failed) throw failed;
      count++;
      if (!out.write(line))
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error): void => reject(e);
          out.once('error', onError);
          out.once('drain', () => {
            out.off('error', onError);
            resolve();
          });
        });
    }
    await new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      out.once('error', reject);
      out.end(() => resolve());
    });
    if (failed) throw failed;
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return count;
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
}
