/**
 * The import graph of src/ (dependency-cruiser): no import cycle, and the pure core
 * (network, graph, overlay, multigraph, timing) imports nothing from learning,
 * experiment, report or cli. dependency-cruiser reads the built JavaScript (dist/src,
 * built by the global setup; TypeScript 7 has no compiler API for it to parse .ts), from
 * the modules that have a source file (a deleted source's stale output is not an entry);
 * type-only imports, erased in JavaScript, are checked on the sources by a plain scan.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const CORE = ['network', 'graph', 'overlay', 'multigraph', 'timing'];
const OUTER = ['learning', 'experiment', 'report', 'cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const sources = sourceFiles(path.join(ROOT, 'src')).map((f) => path.relative(ROOT, f));

describe('import graph of src/', () => {
  it('has no cycle and keeps the core pure (dependency-cruiser on the built modules)', async () => {
    const entries = sources.map((f) => f.replace(/^src\//, 'dist/src/').replace(/\.ts$/, '.js'));
    expect(entries.every((f) => existsSync(path.join(ROOT, f))), 'dist/ is built from the current sources').toBe(true);
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await cruise(entries, {
        validate: true,
        exclude: { path: 'node_modules' },
        doNotFollow: { path: 'node_modules' },
        ruleSet: {
          forbidden: [
            { name: 'no-circular', severity: 'error', from: { path: '^dist/src/' }, to: { circular: true } },
            { name: 'core-is-pure', severity: 'error', from: { path: `^dist/src/(${CORE.join('|')})/` }, to: { path: `^dist/src/(${OUTER.join('|')})/` } },
          ],
        },
      });
      const out = typeof r.output === 'string' ? JSON.parse(r.output) : r.output;
      expect(out.summary.totalCruised).toBeGreaterThan(sources.length / 2);
      const violations = out.summary.violations.map((v: { rule: { name: string }; from: string; to: string }) => `${v.rule.name}: ${v.from} -> ${v.to}`);
      expect(violations).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  }, 120_000);

  it('no core source imports, even for types, from learning, experiment, report or cli', () => {
    const bad: string[] = [];
    const outer = new RegExp(`from '(\\.\\./)+(${OUTER.join('|')})/`);
    for (const f of sources.filter((s) => CORE.some((c) => s.startsWith(`src/${c}/`)))) {
      readFileSync(path.join(ROOT, f), 'utf8').split('\n').forEach((line, i) => { if (/^\s*(import|export)\b/.test(line) && outer.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`); });
    }
    expect(bad).toEqual([]);
  });
});
