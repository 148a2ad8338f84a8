#!/usr/bin/env node
/**
 * Build dflsim's native kernels (native/src/*.c, binding.gyp) with node-gyp into
 * build/Release/dflsim_native.node, against the installed Node headers (--nodedir: nothing
 * is downloaded). It never fails the install: without a C compiler, make, Python (for
 * node-gyp) or the headers, or when the compile fails, it says so in one line (the whole
 * log in build/native-build.log) and training uses the wasm kernels.
 *
 *   node scripts/build-native.mjs            build when a source is newer than the addon
 *   node scripts/build-native.mjs --force    build anyway
 *
 * node-gyp is npm's own (npm passes it to install scripts as npm_config_node_gyp), else a
 * node-gyp installed beside dflsim, else the one inside this Node's npm. `DFLSIM_NATIVE=0`
 * skips the build; `CC` names the compiler, as for any node-gyp build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const out = path.join(root, 'build', 'Release', 'dflsim_native.node');
const log = path.join(root, 'build', 'native-build.log');
const force = process.argv.includes('--force');

/** Say why there are no native kernels, in one line, and end without failing the install. */
function skip(why) {
  fs.rmSync(out, { force: true }); // no addon from an older build: the line below must be true
  process.stderr.write(
    `dflsim: native kernels not built (${why}); training uses the wasm kernels, about 2.6x slower, and its results differ from a native build's in the last bits\n`,
  );
  process.exit(0);
}

/** Every file the addon is built from. */
function inputs() {
  const src = path.join(root, 'native', 'src');
  return [...fs.readdirSync(src).map((f) => path.join(src, f)), path.join(root, 'binding.gyp'), self];
}

/** A Node directory with the headers node-gyp builds against (include/node/node_api.h), or undefined. */
function nodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'), // the prefix Node was installed into
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node), // node-gyp's own download, if any
    '/usr', // Debian's libnode-dev (N-API is ABI-stable across Node versions)
  ].filter(Boolean);
  return candidates.find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')));
}

/** node-gyp's command-line script, or undefined. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed beside dflsim: npm's own below
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), // Windows
  );
  return candidates.find((f) => f && /\.[cm]?js$/.test(f) && fs.existsSync(f));
}

/** Whether `cmd` (a path or a name on PATH) exists. */
function onPath(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd);
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/** What went wrong, in a few words, from node-gyp's log. */
function reason(text) {
  if (/find Python/.test(text) && /You need to install the latest version of Python|Could not find any Python/.test(text))
    return 'node-gyp found no Python 3';
  if (/not found: make|spawn make ENOENT/.test(text)) return 'no make (node-gyp builds with it)';
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const compiler = lines.find((l) => /\berror\b/i.test(l) && !/^gyp (ERR|info)!?/.test(l) && !/^make(\[\d+\])?: \*\*\*/.test(l));
  const gyp = lines.find(
    (l) => /^gyp ERR! /.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok|configure error|build error)/.test(l),
  );
  const found = (compiler ?? gyp ?? lines.at(-1) ?? 'no output').replace(/^gyp ERR! /, '');
  return found.length > 160 ? `${found.slice(0, 157)}...` : found;
}

if (process.env.DFLSIM_NATIVE === '0') process.exit(0);
if (!force && fs.existsSync(out)) {
  const built = fs.statSync(out).mtimeMs;
  if (inputs().every((f) => fs.statSync(f).mtimeMs <= built)) process.exit(0);
}

const headers = nodeDir();
if (!headers) skip("Node's headers (include/node/node_api.h) were not found");
const gyp = nodeGyp();
if (!gyp) skip('node-gyp was not found (it ships with npm)');
const cc = (process.env.CC || 'cc').trim().split(/\s+/)[0];
if (!onPath(cc)) skip(`no C compiler "${cc}"`);

// the addon is C only: CC set (gyp asks $CXX for its predefines otherwise) and the C compiler
// as the linker (node-gyp's Makefile links with $(CXX) unless LINK says otherwise), so that no
// C++ compiler is needed
const env = { ...process.env, CC: process.env.CC || 'cc', LINK: process.env.LINK || process.env.CC || 'cc' };
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--nodedir=${headers}`], {
  cwd: root,
  env,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
  maxBuffer: 1 << 26,
});
const text = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `${r.error.message}\n` : ''}`;
if (r.status === 0 && fs.existsSync(out)) process.exit(0);
fs.mkdirSync(path.dirname(log), { recursive: true });
fs.writeFileSync(log, text);
skip(`${reason(text)}; log: ${path.relative(process.cwd(), log) || log}`);
