#!/usr/bin/env node
/**
 * Build dflsim's native kernels (native/src/*.c -> build/native/dflsim_native.node)
 * with the machine's C compiler against Node's own headers. It never fails the install:
 * without a compiler or headers it says so once and training uses the wasm kernels.
 *
 *   node scripts/build-native.mjs            build when a source is newer than the addon
 *   node scripts/build-native.mjs --force    build anyway
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'native', 'src');
const srcs = fs.readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(srcDir, f));
const inputs = [...fs.readdirSync(srcDir).map((f) => path.join(srcDir, f)), fileURLToPath(import.meta.url)];
const outDir = path.join(root, 'build', 'native');
const out = path.join(outDir, 'dflsim_native.node');
const force = process.argv.includes('--force');

if (process.env.DFLSIM_NATIVE === '0') process.exit(0);
if (!force && fs.existsSync(out) && inputs.every((f) => fs.statSync(out).mtimeMs >= fs.statSync(f).mtimeMs)) process.exit(0);

function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node', // Debian's libnode-dev (N-API is ABI-stable across Node versions)
  ].filter(Boolean);
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

function warn(why) {
  process.stderr.write(`dflsim: native kernels not built (${why}); training uses the wasm kernels, about 2.6x slower, and its results differ from a native build's in the last bits\n`);
  process.exit(0);
}

const inc = headerDir();
if (!inc) warn("Node's headers (node_api.h) were not found");
const cc = process.env.CC || 'cc';
fs.mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O3', '-std=gnu11', '-shared', '-fPIC', '-pthread', '-ffp-contract=off', '-fno-fast-math',
    '-fno-math-errno', '-fvisibility=hidden', '-Wall', '-I', inc, ...srcs, '-o', tmp, '-lm'], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.renameSync(tmp, out);
} catch (e) {
  fs.rmSync(tmp, { force: true });
  const msg = e.code === 'ENOENT' ? `no C compiler "${cc}"` : String(e.stderr || e.message).trim().split('\n').slice(0, 3).join(' ');
  warn(msg);
}
