/**
 * The tree is formatted by Prettier (`.prettierrc.json`; `npm run format` rewrites,
 * `npm run format:check` checks): a file left unformatted fails here, named.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('formatting', () => {
  it('every source, test, bench and script file is as Prettier writes it', () => {
    const bin = path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
    const r = spawnSync(process.execPath, [bin, '--list-different', '.'], { cwd: ROOT, encoding: 'utf8' });
    // --list-different exits 1 with the names of the files that differ, 2 on an error
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([]);
    expect(r.status).toBe(0);
  }, 60_000);
});
