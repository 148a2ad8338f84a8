/**
 * End-to-end, the built binary: `--base-graph` and `--equidyn-eta` on `dflsim cycle-time`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

function dflsim(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dflsim cycle-time --base-graph / --equidyn-eta', () => {
  it("--base-graph reference times the authors' construction (gaia, base-2: 85.89 ms against 79.08 ms)", () => {
    const args = ['cycle-time', '-n', networkFile('gaia'), '-t', 'base-2', '--format', 'json'];
    const own = JSON.parse(dflsim(...args).out).results[0];
    const ref = JSON.parse(dflsim(...args, '--base-graph', 'reference').out).results[0];
    expect(own.details.construction).toBe('dflsim');
    expect(ref.details.construction).toBe('reference');
    // measured: 79.0762 and 85.8869 ms (femnist, K = 6,400)
    expect(own.cycleTimeMs).toBeCloseTo(79.0762, 3);
    expect(ref.cycleTimeMs).toBeCloseTo(85.8869, 3);
  });

  it.each([
    [['--base-graph', 'authors'], /Invalid values:[\s\S]*base-graph[\s\S]*authors/],
    [['--equidyn-eta', '1.5'], /--equidyn-eta: η must be in \(0, 1\], got 1\.5/],
    [['--equidyn-eta', '0'], /--equidyn-eta: η must be in \(0, 1\], got 0/],
  ])('bad %j: exit 2, the option named, no stack', (extra, message) => {
    const r = dflsim('cycle-time', '-n', 'gaia-cities', '-t', 'equidyn', ...extra);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
