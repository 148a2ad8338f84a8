/**
 * `npm run bench` runs dist/bench/run.js (compiled from bench/run.ts by the build), which
 * runs each benchmark in bench/ in turn. Only its usage and bad input are exercised here:
 * benchmarks print figures and are not run by the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const RUN = path.join(ROOT, 'dist/bench/run.js');

describe('npm run bench', () => {
  it('the script runs the compiled bench/run.ts, which lists the benchmarks in bench/', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.bench).toBe('npm run build --silent && node dist/bench/run.js');
    expect(existsSync(RUN)).toBe(true);
    const r = spawnSync(process.execPath, [RUN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const names = /\[(.+)\]\s+\(default/.exec(r.stdout)?.[1]?.split('] [') ?? [];
    expect(names).toEqual([
      'cycle-times',
      'matcha',
      'topologies',
      'event-clock',
      'train',
      'kernels',
      'simulate',
      'queue',
      'distribute',
      'plan',
    ]);
    for (const n of names) {
      expect(existsSync(path.join(ROOT, 'bench', `${n}.ts`)), `bench/${n}.ts`).toBe(true);
      expect(existsSync(path.join(ROOT, 'dist/bench', `${n}.js`)), `dist/bench/${n}.js`).toBe(true);
    }
  });

  it('an unknown benchmark name is refused with exit code 2 before anything runs', () => {
    const r = spawnSync(process.execPath, [RUN, 'matcha', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bench: unknown benchmark "nope"');
    expect(r.stdout).not.toContain('== bench');
  });
});
