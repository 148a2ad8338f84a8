/**
 * docs/cli.md is what scripts/cli-reference.mjs writes from the commands' own `--help`
 * (like docs/config-reference.md and the config schema): a changed option, description or
 * command fails here until `npm run docs:cli` is run and the file committed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

describe('the CLI reference (docs/cli.md)', () => {
  it('is the one the commands generate, and covers every command and subcommand', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'cli-reference.mjs'), '--stdout'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const committed = readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    expect(committed).toBe(r.stdout);
    const headings = committed.split('\n').filter((l) => l.startsWith('## '));
    for (const c of ['cycle-time', 'compare', 'multigraph', 'run', 'config-schema', 'bench', 'bench train', 'report', 'worker', 'queue'])
      expect(headings).toContain(`## dflsim ${c}`);
    // options appear as yargs prints them, e.g. run's --resume
    expect(committed).toMatch(/--resume/);
  });
});
