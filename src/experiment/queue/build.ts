/**
 * The build of this dflsim: its version and a hash of its code, so that a queued result is
 * taken only by the build that made it (a changed line of code gives other job ids) and a
 * worker refuses the jobs of another build, naming both.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageVersion, projectRoot } from '../../project-root.js';

let cached: string | undefined;

/** Files below `dir` (relative, `/`-separated, sorted) whose names match `keep`. */
function codeFiles(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => keep(f) && statSync(path.join(dir, f)).isFile())
    .sort();
}

/**
 * This build's identity: `<version>+<12 hex digits>`, the digits a SHA-256 of the compiled
 * code (every `.js` file under `dist/src`, or the `.ts` sources where nothing is compiled),
 * the native addon's sources, `binding.gyp` and build script, and `package-lock.json` (the
 * dependencies' exact versions). Computed once per process.
 */
export function buildId(): string {
  if (cached) return cached;
  const root = projectRoot();
  const h = createHash('sha256');
  const add = (base: string, keep: (name: string) => boolean): void => {
    for (const f of codeFiles(path.join(root, base), keep))
      h.update(`${base}/${f}\0`)
        .update(readFileSync(path.join(root, base, f)))
        .update('\0');
  };
  const dist = path.join(root, 'dist', 'src');
  if (existsSync(dist)) add('dist/src', (f) => f.endsWith('.js'));
  else add('src', (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  add('native', (f) => /\.(c|h)$/.test(f));
  for (const f of ['binding.gyp', 'scripts/build-native.mjs', 'package-lock.json']) {
    const p = path.join(root, f);
    if (existsSync(p)) h.update(`${f}\0`).update(readFileSync(p)).update('\0');
  }
  cached = `${packageVersion()}+${h.digest('hex').slice(0, 12)}`;
  return cached;
}
