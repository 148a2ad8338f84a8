/**
 * `dflsim run` overrides of the time-model fields (--clock, --sharing, --silo-profile,
 * --link-capacities): the built binary on a small cycle-times config, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

function dflsim(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ringCycleMs(out: string): number {
  const rows = readFileSync(path.join(out, 'cycle-times.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  return Number(rows.find((r) => r[2] === 'ring')![3]);
}

describe('dflsim run --clock / --sharing / --silo-profile / --link-capacities', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-overrides-'));
  const cfg = path.join(dir, 'gaia-ring.json');
  writeFileSync(
    cfg,
    JSON.stringify({ kind: 'cycle-times', name: 'gaia-ring', networks: [networkFile('gaia')], workload: 'femnist', topologies: ['ring'] }),
  );
  // Virginia computes a local step in 100 ms instead of 4.6: its self-loop (one local step per
  // round) is a circuit of mean 100 ms, so the ring's cycle time (the max cycle mean) is >= 100 ms.
  const profile = path.join(dir, 'slow.csv');
  writeFileSync(profile, 'silo,computeMs\nVirginia,100\n');

  it('a silo profile given on the command line slows the ring; the resolved config records it', () => {
    expect(dflsim(dir, 'run', cfg, '--out', 'plain').code).toBe(0);
    const r = dflsim(dir, 'run', cfg, '--out', 'slow', '--silo-profile', 'slow.csv');
    expect(r.code).toBe(0);
    const plain = ringCycleMs(path.join(dir, 'plain'));
    const slow = ringCycleMs(path.join(dir, 'slow'));
    expect(plain).toBeLessThan(100);
    expect(slow).toBeGreaterThanOrEqual(100 - 1e-9);
    expect(JSON.parse(readFileSync(path.join(dir, 'slow', 'config.resolved.json'), 'utf8')).siloProfile).toBe(profile);
  });

  // The event clock's cycle time is its own asymptotic rate, found as a periodic regime: with
  // fixed sharing it is max-plus's Karp cycle mean (the end of round K over K differed by the
  // start-up transient: 1.13e-4 relative here before). Measured equal to 1e-15.
  it('--clock events --sharing fixed matches max-plus to 1e-9, labelled exact; --sharing fair is never slower', () => {
    expect(dflsim(dir, 'run', cfg, '--out', 'events', '--clock', 'events', '--silo-profile', 'slow.csv').code).toBe(0);
    expect(dflsim(dir, 'run', cfg, '--out', 'fair', '--clock', 'events', '--sharing', 'fair', '--silo-profile', 'slow.csv').code).toBe(0);
    const slow = ringCycleMs(path.join(dir, 'slow'));
    expect(Math.abs(ringCycleMs(path.join(dir, 'events')) - slow) / slow).toBeLessThan(1e-9);
    expect(readFileSync(path.join(dir, 'events', 'cycle-times.csv'), 'utf8')).toMatch(
      /"exact: periodic regime after \d+ rounds?, cyclicity \d+"/,
    );
    expect(ringCycleMs(path.join(dir, 'fair'))).toBeLessThanOrEqual(ringCycleMs(path.join(dir, 'events')) * (1 + 1e-9));
    expect(JSON.parse(readFileSync(path.join(dir, 'fair', 'config.resolved.json'), 'utf8'))).toMatchObject({
      clock: 'events',
      sharing: 'fair',
    });
  });

  it.each([
    [['--sharing', 'fair'], /sharing.*only on the event clock/],
    [['--silo-profile', 'missing.csv'], /--silo-profile: file not found: .*missing\.csv/],
    [['--silo-profile', '.'], /--silo-profile: .* is a directory/],
    [['--clock', 'sundial'], /Invalid values:[\s\S]*clock[\s\S]*sundial/],
  ])('bad override %j: exit 2, the option named, no stack, no output', (args, message) => {
    const out = `bad-${args.join('-').replace(/[^a-z]/gi, '')}`;
    const r = dflsim(dir, 'run', cfg, '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, out, 'cycle-times.csv'))).toBe(false);
  });
});
