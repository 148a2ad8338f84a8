/**
 * The house rule, enforced: nothing outside a topology's own file tests a topology's name.
 * Timing, training, experiments and reports read what a topology value says of itself
 * (its mixing, display, needs and supports); only `src/overlay/topologies/*.ts` (the files
 * that define topology values, the multigraph's among them) may compare a string with a
 * topology's name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { topologyNames } from '../../src/overlay/catalogue.js';
import { ROOT } from '../helpers.js';

const SRC = path.join(ROOT, 'src');
/** The files that define topology values. */
const TOPOLOGY_FILES = [/^overlay\/topologies\//];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The places in `text` that compare a string with one of `names` (or test a name's prefix). */
export function nameComparisons(text: string, names: readonly string[]): string[] {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alt = names.map(esc).join('|');
  const patterns = [
    new RegExp(`[!=]==?\\s*['"\`](${alt})['"\`]`, 'g'),
    new RegExp(`['"\`](${alt})['"\`]\\s*[!=]==?`, 'g'),
    new RegExp(`\\bcase\\s+['"\`](${alt})['"\`]\\s*:`, 'g'),
    new RegExp(`\\.(startsWith|endsWith|includes)\\(\\s*['"\`](${alt}|multigraph-|base-)['"\`]`, 'g'),
  ];
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\*|\/\/)/.test(line)) return; // comments may name topologies
    for (const re of patterns) for (const m of line.matchAll(re)) found.push(`${i + 1}: ${m[0]}`);
  });
  return found;
}

describe('topology names are tested only in topology files', () => {
  const names = topologyNames().filter((n) => !n.startsWith('multigraph-multigraph'));

  it('the scan finds the comparisons it is meant to find (so that its silence below means something)', () => {
    expect(nameComparisons("if (t === 'ring') x();", names)).toEqual(["1: === 'ring'"]);
    expect(nameComparisons("  case 'matcha': return 1;", names)).toEqual(["1: case 'matcha':"]);
    expect(nameComparisons("const c = 'centralised' !== name;", names)).toEqual(["1: 'centralised' !=="]);
    expect(nameComparisons("if (d.topology.startsWith('matcha')) continue;", names)).toEqual(["1: .startsWith('matcha'"]);
    expect(nameComparisons("x.includes('multigraph-')", names)).toEqual(["1: .includes('multigraph-'"]);
    expect(nameComparisons("// when the topology === 'ring'", names)).toEqual([]);
    expect(nameComparisons("if (scheme === 'uniform') x();", names)).toEqual([]);
  });

  it('no file outside overlay/topologies/ compares with a topology name', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      if (TOPOLOGY_FILES.some((re) => re.test(rel))) continue;
      for (const hit of nameComparisons(readFileSync(file, 'utf8'), names)) offenders.push(`src/${rel}:${hit}`);
    }
    expect(offenders).toEqual([]);
  });
});
