/**
 * Progress display: a bar with ETA on a terminal, plain lines (at most every few seconds)
 * otherwise.
 */
import type { WriteStream } from 'node:tty';

/** A progress display for long runs. */
export class Progress {
  private readonly tty: boolean;
  /** Per label (runs in parallel interleave): when it was first seen, at which count, and its last plain line. */
  private readonly seen = new Map<string, { start: number; firstDone: number; lastPlain: number }>();
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream | WriteStream) {
    this.tty = Boolean((stream as WriteStream).isTTY);
  }

  /** Report `done` of `total` units of `label`. */
  update(label: string, done: number, total: number, detail = ''): void {
    const now = Date.now();
    let s = this.seen.get(label);
    if (!s) this.seen.set(label, (s = { start: now, firstDone: done, lastPlain: -Infinity }));
    // the rate since this label was first seen (a resumed run starts past 0)
    const elapsed = (now - s.start) / 1000;
    const progressed = done - s.firstDone;
    const eta = progressed > 0 ? (elapsed / progressed) * (total - done) : NaN;
    const etaText = Number.isFinite(eta) ? formatSeconds(eta) : '?';
    if (this.tty) {
      const width = 30;
      const filled = Math.round((width * done) / Math.max(1, total));
      const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ETA ${etaText} ${detail}`;
      this.stream.write(`\r${line.slice(0, ((this.stream as WriteStream).columns || 120) - 1)}\x1b[K`);
      this.drawn = true;
    } else if (done === total || now - s.lastPlain >= 5000) {
      s.lastPlain = now;
      this.stream.write(`${label}: ${done}/${total} (ETA ${etaText}) ${detail}\n`);
    }
    if (done === total) this.seen.delete(label);
  }

  /** Remove the bar before other output. */
  clear(): void {
    if (this.tty && this.drawn) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
    }
  }
}

/** `1h02m`, `3m05s`, `12s`. */
export function formatSeconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.round(s)}s`;
}
