/**
 * The closing line of test/summary-reporter.ts counts every failure vitest knows of, and
 * a browser test without a browser is a visible skip, except under CI where it fails.
 * Runs vitest itself on the fixtures in test/fixtures/reporter/ (outside the include
 * pattern) and on test/report/chromium.test.ts with a browser path that does not exist.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

/** Run vitest in a child with a clean environment (no CI, no parent vitest state, no colour). */
function vitest(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; closing: string } {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'CI' && k !== 'DFLSIM_CHROMIUM') base[k] = v;
  const r = spawnSync(process.execPath, [VITEST, 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', DFLSIM_SKIP_BUILD: '1', ...env },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, out, closing: lines[lines.length - 1]!.trim() };
}

const fixture = (name: string) => vitest(['--config', 'test/fixtures/reporter/vitest.config.ts', `${name}.fixture.ts`]);

describe('summary reporter closing line', () => {
  it('a beforeAll that throws fails its file: 1 failed, its tests skipped', () => {
    const r = fixture('hook-fails');
    expect(r.status).toBe(1);
    expect(r.closing).toBe('0 passed, 1 failed, 2 skipped');
    expect(r.out).toContain('failed: hook-fails.fixture.ts: resource not found');
  });

  it('a file that fails to load is 1 failed', () => {
    const r = fixture('load-fails');
    expect(r.status).toBe(1);
    expect(r.closing).toBe('0 passed, 1 failed');
    expect(r.out).toContain('failed: load-fails.fixture.ts: cannot load');
  });

  it('passed, failed and skipped tests are counted one by one', () => {
    const r = fixture('mixed');
    expect(r.status).toBe(1);
    expect(r.closing).toBe('2 passed, 1 failed, 1 skipped');
  });

  it('an unhandled error is a failure even when every test passed', () => {
    const r = fixture('unhandled');
    expect(r.status).toBe(1);
    expect(r.closing).toBe('1 passed, 1 failed');
    expect(r.out).toContain('failed: unhandled error: nobody awaited this');
  });

  it('a file skipped on purpose exits 0 and its notice is repeated above the closing line', () => {
    const r = fixture('skip-notice');
    expect(r.status).toBe(0);
    const lines = r.out.split('\n').map((l) => l.trim());
    const at = lines.lastIndexOf('0 passed, 0 failed, 1 skipped');
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toBe('skipped: the fixture suite — its resource is missing');
  });
});

describe('the browser test without a browser', () => {
  const args = ['test/report/chromium.test.ts'];

  it('is skipped with a visible notice, and vitest exits 0, when CI is not set', () => {
    const r = vitest(args, { DFLSIM_CHROMIUM: '/nonexistent/chromium' });
    expect(r.status, r.out).toBe(0);
    expect(r.closing).toBe('0 passed, 0 failed, 2 skipped');
    expect(r.out).toContain(
      'skipped: report.html in headless Chromium — Chromium not found at /nonexistent/chromium; install with `apt-get install -y chromium` or set DFLSIM_CHROMIUM, and run again',
    );
  });

  it('fails, and vitest exits non-zero, under CI=true', () => {
    const r = vitest(args, { DFLSIM_CHROMIUM: '/nonexistent/chromium', CI: 'true' });
    expect(r.status).toBe(1);
    expect(r.closing).toBe('0 passed, 1 failed, 2 skipped');
    expect(r.out).toContain('failed: test/report/chromium.test.ts: Chromium not found at /nonexistent/chromium');
  });
});
