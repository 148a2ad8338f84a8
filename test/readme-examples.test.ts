/**
 * The documentation's runnable shell examples run as written. A fenced block whose info
 * string is `sh runnable` or `bash runnable` in README.md or docs/*.md (the convention is in
 * docs/architecture.md) is split into commands, one a line (`#` lines are comments), and
 * each runs against the built CLI (`npx dflsim`, `dflsim` and `node bin/dflsim.js` all mean
 * bin/dflsim.js) in a temporary project directory that has `../shared` beside it and the
 * project's `experiments/`, `examples/` and `topologies/`, as a user's checkout has. Every
 * command must exit 0. Only quick commands are marked runnable.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SHARED } from './helpers.js';

/** A runnable command: the file it is in, its line there, and its words. */
interface Example {
  file: string;
  line: number;
  text: string;
  argv: string[];
}

const FENCE = /^```(?:sh|bash) runnable\n([\s\S]*?)^```$/gm;

/** The runnable commands of a Markdown text. */
export function runnableCommands(markdown: string, file: string): Example[] {
  const out: Example[] = [];
  for (const m of markdown.matchAll(FENCE)) {
    const startLine = markdown.slice(0, m.index).split('\n').length + 1;
    m[1]!.split('\n').forEach((raw, i) => {
      const text = raw.trim();
      if (!text || text.startsWith('#')) return;
      out.push({ file, line: startLine + i, text, argv: text.split(/\s+/) });
    });
  }
  return out;
}

const BIN = path.join(ROOT, 'bin', 'dflsim.js');

/** The command's argv with the CLI's spellings replaced by the built binary. */
function resolveCli(argv: string[]): string[] {
  if (argv[0] === 'npx' && argv[1] === 'dflsim') return [BIN, ...argv.slice(2)];
  if (argv[0] === 'dflsim') return [BIN, ...argv.slice(1)];
  if (argv[0] === 'node' && argv[1] === 'bin/dflsim.js') return [BIN, ...argv.slice(2)];
  throw new Error(`not a dflsim command: ${argv.join(' ')}`);
}

const files = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const examples = files.flatMap((f) => runnableCommands(readFileSync(path.join(ROOT, f), 'utf8'), f));

describe('runnable examples in README.md and docs/', () => {
  let parent = '';
  let project = '';
  beforeAll(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'dflsim-docs-'));
    project = path.join(parent, 'project');
    mkdirSync(project);
    symlinkSync(SHARED, path.join(parent, 'shared'));
    for (const d of ['experiments', 'examples', 'topologies']) symlinkSync(path.join(ROOT, d), path.join(project, d));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('finds the marked blocks: the README tour, the silos walkthrough and the docs', () => {
    const tagged = (md: string) => [...md.matchAll(FENCE)].length;
    expect(tagged('```sh runnable\nnpx dflsim --help\n```\n\n```sh\nnot this\n```\n')).toBe(1);
    expect(runnableCommands('```bash runnable\n# a comment\ndflsim a b\n\n```\n', 'x.md')).toEqual([
      { file: 'x.md', line: 3, text: 'dflsim a b', argv: ['dflsim', 'a', 'b'] },
    ]);
    expect(examples.filter((e) => e.file === 'README.md').length).toBeGreaterThanOrEqual(4);
    expect(examples.some((e) => e.file.startsWith('docs/'))).toBe(true);
  });

  it.each(examples.map((e) => [`${e.file}:${e.line}: ${e.text}`, e] as const))('%s', (_name, e) => {
    // words only: a runnable example has no quoting, pipes or redirections to interpret
    expect(e.text).not.toMatch(/["'|<>;&$`\\]/);
    const r = spawnSync(process.execPath, resolveCli(e.argv), { cwd: project, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});
