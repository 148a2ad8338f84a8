/**
 * The import graph of src/ (dependency-cruiser): no import cycle between modules, none
 * between folders (src's top-level folders form a DAG: a folder such as `overlay/`, with its
 * subfolders, never imports a folder that imports it back), and the pure core (network,
 * graph, overlay, multigraph, timing) imports nothing from learning, data, analysis, io,
 * experiment, report or cli. dependency-cruiser reads the built JavaScript (dist/src, built
 * by the global setup; TypeScript 7 has no compiler API for it to parse .ts), from the
 * modules that have a source file (a deleted source's stale output is not an entry);
 * type-only imports, erased in JavaScript, are checked on the sources by a plain scan, for
 * the folder graph as for the core.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type IRuleSetType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const CORE = ['network', 'graph', 'overlay', 'multigraph', 'timing'];
const OUTER = ['learning', 'data', 'analysis', 'io', 'experiment', 'report', 'cli'];

/** The rules dependency-cruiser checks on `dist/src` (`root` is the folder the modules live in). */
function rules(root: string): IRuleSetType {
  return {
    forbidden: [
      { name: 'no-circular', severity: 'error', from: { path: `^${root}/` }, to: { circular: true } },
      { name: 'no-folder-cycle', severity: 'error', scope: 'folder', from: { path: `^${root}/` }, to: { circular: true } },
      {
        name: 'core-is-pure',
        severity: 'error',
        from: { path: `^${root}/(${CORE.join('|')})/` },
        to: { path: `^${root}/(${OUTER.join('|')})/` },
      },
    ],
  };
}

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

/** Cruise `entries` (paths relative to `cwd`) with {@link rules}; each violation as one line, a cycle spelt out. */
async function violations(cwd: string, entries: string[], root: string): Promise<{ lines: string[]; cruised: number }> {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const r = await cruise(entries, {
      validate: true,
      exclude: { path: 'node_modules' },
      doNotFollow: { path: 'node_modules' },
      ruleSet: rules(root),
    });
    const out = typeof r.output === 'string' ? JSON.parse(r.output) : r.output;
    const lines = (out.summary.violations as Violation[]).map(
      (v) => `${v.rule.name}: ${v.from} -> ${v.cycle?.length ? v.cycle.map((c) => c.name).join(' -> ') : v.to}`,
    );
    return { lines, cruised: out.summary.totalCruised };
  } finally {
    process.chdir(here);
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const sources = sourceFiles(path.join(ROOT, 'src')).map((f) => path.relative(ROOT, f));

/** A module's node in the folder graph: its top-level folder under src/ (`overlay` for `src/overlay/topologies/ring.ts`), or the file itself at src/'s top (`errors.ts`). */
function folderOf(file: string): string {
  const parts = path.relative('src', file).split(path.sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.js$/, '.ts');
}

/** Every relative module a source names in an import or export, static or dynamic, type-only or not (resolved to a path under the project). */
function importsOf(file: string): { line: number; target: string }[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: { line: number; target: string }[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*'(\.[^']+)'|(?:^|\n)\s*import\s*'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const line = text.slice(0, m.index + m[0].length).split('\n').length;
    out.push({ line, target: path.join(path.dirname(file), spec) });
  }
  return out;
}

/** The folder graph: for each edge a -> b, the first import that makes it (`file:line -> target`). */
type FolderGraph = Map<string, Map<string, string>>;

function folderGraph(files: readonly string[]): FolderGraph {
  const g: FolderGraph = new Map();
  for (const f of files) {
    const a = folderOf(f);
    for (const { line, target } of importsOf(f)) {
      const b = folderOf(target);
      if (a === b) continue;
      if (!g.has(a)) g.set(a, new Map());
      const edges = g.get(a)!;
      if (!edges.has(b)) edges.set(b, `${f}:${line} -> ${target.replace(/\.js$/, '.ts')}`);
    }
  }
  return g;
}

/**
 * The cycles of a folder graph, one per strongly connected component of more than one
 * folder (Tarjan), each spelt out with the import behind every step:
 * `overlay -> multigraph -> overlay (src/overlay/catalogue.ts:9 -> ...; ...)`.
 */
function folderCycles(g: FolderGraph): string[] {
  const nodes = [...new Set([...g.keys(), ...[...g.values()].flatMap((m) => [...m.keys()])])].sort();
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(g.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return sccs.map((scc) => {
    // a shortest way back to the component's first folder, from its first step (breadth-first within the component)
    const inScc = new Set(scc);
    const start = [...scc].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    let end: string | undefined;
    while (queue.length && !end) {
      const v = queue.shift()!;
      for (const w of [...(g.get(v)?.keys() ?? [])].sort()) {
        if (!inScc.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [start];
    for (let v = end!; v !== start; v = prev.get(v)!) cycle.splice(1, 0, v);
    cycle.push(start);
    const why = cycle.slice(1).map((b, i) => g.get(cycle[i])!.get(b)!);
    return `${cycle.join(' -> ')} (${why.join('; ')})`;
  });
}

describe('import graph of src/', () => {
  it('has no module cycle, no folder cycle, and keeps the core pure (dependency-cruiser on the built modules)', async () => {
    const entries = sources.map((f) => f.replace(/^src\//, 'dist/src/').replace(/\.ts$/, '.js'));
    expect(
      entries.every((f) => existsSync(path.join(ROOT, f))),
      'dist/ is built from the current sources',
    ).toBe(true);
    const { lines, cruised } = await violations(ROOT, entries, 'dist/src');
    expect(cruised).toBeGreaterThan(sources.length / 2);
    expect(lines).toEqual([]);
  }, 120_000);

  it('the folder rule catches a folder cycle that no module cycle shows', async () => {
    // a/one.js -> b/two.js -> a/three.js: no module is on a cycle, the folders a and b are
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-folder-cycle-'));
    try {
      for (const d of ['lib/a', 'lib/b']) mkdirSync(path.join(dir, d), { recursive: true });
      writeFileSync(path.join(dir, 'lib/a/one.js'), "import { two } from '../b/two.js';\nexport const one = () => two();\n");
      writeFileSync(path.join(dir, 'lib/b/two.js'), "import { three } from '../a/three.js';\nexport const two = () => three;\n");
      writeFileSync(path.join(dir, 'lib/a/three.js'), 'export const three = 3;\n');
      writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
      const { lines } = await violations(dir, ['lib'], 'lib');
      expect(lines.filter((l) => l.startsWith('no-circular'))).toEqual([]);
      expect(lines.filter((l) => l.startsWith('no-folder-cycle')).sort()).toEqual([
        'no-folder-cycle: lib/a -> lib/b -> lib/a',
        'no-folder-cycle: lib/b -> lib/a -> lib/b',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('no core source imports, even for types, from learning, data, analysis, io, experiment, report or cli', () => {
    const bad: string[] = [];
    const outer = new RegExp(`from '(\\.\\./)+(${OUTER.join('|')})/`);
    for (const f of sources.filter((s) => CORE.some((c) => s.startsWith(`src/${c}/`)))) {
      readFileSync(path.join(ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(import|export)\b/.test(line) && outer.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(bad).toEqual([]);
  });

  it("src's folders form a DAG, type-only imports included (each cycle printed with the imports that make it)", () => {
    const g = folderGraph(sources);
    // the scan sees the imports it should: the report reads experiment results, the overlays are built on graph algorithms
    expect(g.get('report')?.has('experiment')).toBe(true);
    expect(g.get('overlay')?.has('graph')).toBe(true);
    expect(folderCycles(g)).toEqual([]);
  });

  it('the folder-cycle finder spells out a cycle with the import behind each step', () => {
    const g: FolderGraph = new Map([
      [
        'experiment',
        new Map([
          ['report', 'src/experiment/experiment.ts:10 -> src/report/markdown.ts'],
          ['network', 'src/experiment/x.ts:3 -> src/network/load.ts'],
        ]),
      ],
      ['report', new Map([['experiment', 'src/report/write.ts:9 -> src/experiment/checkpoint.ts']])],
      ['overlay', new Map([['multigraph', 'src/overlay/catalogue.ts:9 -> src/multigraph/topology.ts']])],
      [
        'multigraph',
        new Map([
          ['timing', 'src/multigraph/rounds.ts:2 -> src/timing/karp.ts'],
          ['overlay', 'src/multigraph/topology.ts:10 -> src/overlay/topology.ts'],
        ]),
      ],
      ['timing', new Map([['network', 'src/timing/delay-model.ts:1 -> src/network/connectivity.ts']])],
    ]);
    expect(folderCycles(g).sort()).toEqual([
      'experiment -> report -> experiment (src/experiment/experiment.ts:10 -> src/report/markdown.ts; src/report/write.ts:9 -> src/experiment/checkpoint.ts)',
      'multigraph -> overlay -> multigraph (src/multigraph/topology.ts:10 -> src/overlay/topology.ts; src/overlay/catalogue.ts:9 -> src/multigraph/topology.ts)',
    ]);
    expect(folderOf('src/overlay/topologies/ring.ts')).toBe('overlay');
    expect(folderOf('src/errors.js')).toBe('errors.ts');
  });
});
