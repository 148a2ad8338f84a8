/**
 * The dflsim package's own directory and version, found from this module's location (in
 * `src/` or in the built `dist/src/`, in a clone or installed under `node_modules/`): the one
 * walk up the directory tree that the built-in networks, the native addon, the build id and
 * every run's recorded version share.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The dflsim project root: the nearest directory above this module whose package.json is dflsim's. */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let d = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(d, 'package.json');
    if (fs.existsSync(p)) {
      try {
        if ((JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string }).name === 'dflsim') return (root = d);
      } catch {
        // not ours (or unreadable): keep walking
      }
    }
    const up = path.dirname(d);
    if (up === d) throw new Error('dflsim: cannot find the project root (a package.json named dflsim)');
    d = up;
  }
}

/** The package version (its package.json's `version`; `0.0.0` when it has none). */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
}
