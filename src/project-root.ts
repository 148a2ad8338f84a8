/** The dflsim package's own directory, found from this module's location. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dflsim project root: the nearest directory above this module whose package.json is dflsim's. */
export function projectRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(d, 'package.json');
    if (fs.existsSync(p)) {
      try {
        if ((JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string }).name === 'dflsim') return d;
      } catch {
        // not ours (or unreadable): keep walking
      }
    }
    const up = path.dirname(d);
    if (up === d) throw new Error('dflsim: cannot find the project root (a package.json named dflsim)');
    d = up;
  }
}
