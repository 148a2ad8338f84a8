/**
 * Every relative link and image in the README and docs/ (published results included) points
 * at a file that exists, so the reproduction section's links to docs/results/ cannot rot.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'api' || e.name === 'node_modules' ? [] : markdownFiles(p);
    return e.name.endsWith('.md') ? [p] : [];
  });
}

describe('links in the README and docs/', () => {
  it('every relative link resolves to a file or folder', () => {
    const files = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];
    const broken: string[] = [];
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/i.test(target)) continue;
        checked++;
        if (!existsSync(path.resolve(path.dirname(f), decodeURIComponent(target)))) broken.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});
