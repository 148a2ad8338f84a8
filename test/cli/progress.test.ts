/**
 * The progress lines of runs in parallel: each run (label) keeps its own rate and its own
 * five-second spacing, and a resumed run's ETA counts from where it resumed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../../src/cli/progress.js';

function sink(): { lines: string[]; stream: NodeJS.WriteStream } {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('Progress (plain lines)', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps a rate and a spacing per label when two runs interleave', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const { lines, stream } = sink();
    const p = new Progress(stream);
    // run a resumed at 500 of 1000, run b from 0; one update each per second
    for (let t = 0; t <= 10; t++) {
      vi.setSystemTime(t * 1000);
      p.update('a', 500 + 10 * t, 1000);
      p.update('b', 5 * t, 1000);
    }
    // first update of each, then one line per label every 5 s: 0, 5, 10 s
    expect(lines.filter((l) => l.startsWith('a:'))).toEqual([
      'a: 500/1000 (ETA ?) \n',
      'a: 550/1000 (ETA 45s) \n', // 50 rounds in 5 s since resuming: 450 left take 45 s
      'a: 600/1000 (ETA 40s) \n',
    ]);
    expect(lines.filter((l) => l.startsWith('b:'))).toEqual([
      'b: 0/1000 (ETA ?) \n',
      'b: 25/1000 (ETA 3m15s) \n', // 5 per second: 975 left take 195 s
      'b: 50/1000 (ETA 3m10s) \n',
    ]);
  });

  it('always prints the last update', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const { lines, stream } = sink();
    const p = new Progress(stream);
    p.update('a', 1, 2);
    vi.setSystemTime(1000);
    p.update('a', 2, 2);
    expect(lines).toEqual(['a: 1/2 (ETA ?) \n', 'a: 2/2 (ETA 0s) \n']);
  });
});
