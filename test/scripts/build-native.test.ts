/**
 * scripts/build-native.mjs, the install step that builds the native kernels with node-gyp:
 * without a C compiler, or when the compile fails, it exits 0 (so `npm install` goes on),
 * says so in one line and leaves no addon behind, so training uses the wasm kernels. Each
 * case runs on a copy of the sources in a temporary directory: the project's own build is
 * not touched. (test/learning/tf/native.test.ts checks the real build under CI.)
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const LINE =
  /^dflsim: native kernels not built \((.+)\); training uses the wasm kernels, about 2\.6x slower, and its results differ from a native build's in the last bits$/;

let dir: string;
let bin: string;

/** Run the copied script with `env` over this process's environment (undefined: unset). */
function build(env: Record<string, string | undefined>, ...args: string[]): { status: number | null; lines: string[]; addon: boolean } {
  const merged: Record<string, string | undefined> = { ...process.env, DFLSIM_NATIVE: undefined, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'build-native.mjs'), ...args], {
    cwd: dir,
    env: merged as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  return {
    status: r.status,
    lines: r.stderr.split('\n').filter(Boolean),
    addon: existsSync(path.join(dir, 'build', 'Release', 'dflsim_native.node')),
  };
}

/** An addon left by an older build (older than every source), which the failed build must remove. */
function staleAddon(): void {
  const f = path.join(dir, 'build', 'Release', 'dflsim_native.node');
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, 'old build');
  utimesSync(f, new Date(2000, 0, 1), new Date(2000, 0, 1));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dflsim-build-native-'));
  for (const f of ['package.json', 'binding.gyp', 'scripts/build-native.mjs', 'native/src'])
    cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  // a PATH with node and nothing else, and a compiler that always fails
  bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  writeFileSync(path.join(bin, 'failing-cc'), '#!/bin/sh\necho "failing-cc: error: this compiler always fails" >&2\nexit 1\n');
  chmodSync(path.join(bin, 'failing-cc'), 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/build-native.mjs without a working C compiler', () => {
  it('CC naming a missing compiler: exit 0, one line naming it, no addon (an older one is removed)', () => {
    staleAddon();
    const r = build({ CC: '/nonexistent/cc', CXX: '/nonexistent/c++' });
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(LINE);
    expect(LINE.exec(r.lines[0]!)![1]).toBe('no C compiler "/nonexistent/cc"');
    expect(r.addon).toBe(false);
  });

  it('no cc on PATH: exit 0, one line, no addon', () => {
    const r = build({ CC: undefined, PATH: bin });
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([expect.stringMatching(LINE)]);
    expect(LINE.exec(r.lines[0]!)![1]).toBe('no C compiler "cc"');
    expect(r.addon).toBe(false);
  });

  it('a compiler that fails: exit 0, one line with its error and the log, no addon', () => {
    staleAddon();
    const r = build({ CC: path.join(bin, 'failing-cc') }, '--force');
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([expect.stringMatching(LINE)]);
    expect(LINE.exec(r.lines[0]!)![1]).toBe('failing-cc: error: this compiler always fails; log: build/native-build.log');
    expect(readFileSync(path.join(dir, 'build', 'native-build.log'), 'utf8')).toMatch(/failing-cc: error: this compiler always fails/);
    expect(r.addon).toBe(false);
  });

  it('DFLSIM_NATIVE=0: no build and nothing said', () => {
    const r = build({ DFLSIM_NATIVE: '0', CC: '/nonexistent/cc' });
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([]);
  });
});
