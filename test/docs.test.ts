/**
 * The API reference (`npm run docs`, TypeDoc over `src/index.ts` into `docs/api/`, which is
 * generated and not committed) renders with no warning: every public name and every type a
 * public signature names is documented and reachable, and no `{@link}` points at an internal
 * name. TypeDoc runs here with `--treatWarningsAsErrors` into a temporary directory, so a new
 * warning fails the suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('the API reference (TypeDoc)', () => {
  it('renders src/index.ts with warnings treated as errors', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // `npm run docs` is this command; the test runs the same binary with a temporary output
    const command = pkg.scripts.docs!.split(/\s+/);
    expect(command[0]).toBe('node');
    const out = mkdtempSync(path.join(tmpdir(), 'dflsim-api-'));
    try {
      const r = spawnSync(process.execPath, [...command.slice(1), '--out', out, '--treatWarningsAsErrors'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const text = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '');
      expect(text.split('\n').filter((l) => /\[(warning|error)\]/.test(l))).toEqual([]);
      expect(r.status).toBe(0);
      // a page per public function, e.g. runExperiment's, carrying its TSDoc
      const page = path.join(out, 'functions', 'runExperiment.html');
      expect(existsSync(page)).toBe(true);
      expect(readFileSync(page, 'utf8')).toContain('Load, validate and run an experiment config');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('docs/api is generated, not committed', () => {
    const ignore = readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignore).toContain('docs/api/');
  });
});
