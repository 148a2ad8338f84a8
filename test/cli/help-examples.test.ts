/**
 * Every `--help` example of every command names files that exist: experiment configs,
 * networks (a GML file or a built-in name), overlay files. The examples are recorded as
 * the commands register them (yargs' `example`), for each command and subcommand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../src/cli/main.js';
import { ROOT } from '../helpers.js';

/** The examples a command registers when its --help is shown: [command line, description]. */
async function examplesOf(argv: string[]): Promise<{ examples: [string, string][]; help: string }> {
  const examples: [string, string][] = [];
  let help = '';
  const y = buildCli({ out: () => {}, err: () => {} }) as unknown as {
    example: (cmd: string, desc: string) => unknown;
    parseAsync: (argv: string[]) => Promise<unknown>;
  };
  const example = y.example.bind(y);
  y.example = (cmd: string, desc: string) => {
    examples.push([cmd, desc]);
    return example(cmd, desc);
  };
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    help += a.join(' ') + '\n';
  });
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await y.parseAsync([...argv, '--help']);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return { examples, help };
}

/** Commands listed in a --help text's "Commands:" section (names after "dflsim ..."). */
function commandsIn(help: string, prefix: string[]): string[][] {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.trim() === 'Commands:');
  if (at < 0) return [];
  const out: string[][] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.trim()) break;
    const words = l.trim().split(/\s+/);
    if (words[0] !== 'dflsim') continue;
    const name = words[prefix.length + 1];
    if (name && !name.startsWith('<') && !name.startsWith('[')) out.push([...prefix, name]);
  }
  return out;
}

const builtins = readdirSync(path.join(ROOT, 'topologies'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => (JSON.parse(readFileSync(path.join(ROOT, 'topologies', f), 'utf8')) as { name: string }).name);

/** The inputs an example names: [what, value] pairs to check. */
function inputsOf(example: string): [string, string][] {
  const words = example.split(/\s+/);
  const out: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const prev = words[i - 1];
    if (prev === '--out' || prev === '-o' || prev === '>') continue; // written, not read
    if (w === '-n' || w === '--network') out.push(['network', words[i + 1]!]);
    else if (/\.(json|ya?ml|gml)$/.test(w) && prev !== '-n' && prev !== '--network') out.push(['file', w]);
  }
  return out;
}

describe('--help examples', () => {
  let all: { command: string; example: string }[] = [];

  beforeAll(async () => {
    const top = await examplesOf([]);
    const queue = commandsIn(top.help, []);
    expect(queue.map((c) => c[0])).toEqual(
      expect.arrayContaining(['cycle-time', 'compare', 'multigraph', 'run', 'report', 'bench', 'config-schema']),
    );
    while (queue.length) {
      const cmd = queue.shift()!;
      const { examples, help } = await examplesOf(cmd);
      for (const [ex] of examples) all.push({ command: cmd.join(' '), example: ex });
      queue.push(...commandsIn(help, cmd));
    }
  });

  afterAll(() => {
    all = [];
  });

  it('every command and subcommand has examples', () => {
    const commands = new Set(all.map((x) => x.command));
    for (const c of ['cycle-time', 'compare', 'multigraph', 'run', 'report', 'config-schema', 'bench train', 'bench cycle-times'])
      expect(commands.has(c), c).toBe(true);
  });

  it('name experiment configs, networks and overlay files that exist', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { command, example } of all) {
      for (const [what, v] of inputsOf(example)) {
        checked++;
        const exists = existsSync(path.resolve(ROOT, v)) || (what === 'network' && builtins.includes(v));
        if (!exists) missing.push(`${command}: ${what} "${v}" in: ${example}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(10);
    // every experiments/*.json named is a shipped config
    const configs = all.flatMap((x) => x.example.split(/\s+/)).filter((w) => /^experiments\/.*\.json$/.test(w));
    expect(configs.length).toBeGreaterThanOrEqual(3);
  });

  it('multigraph --help lists no MATCHA-only flags; cycle-time --help does', async () => {
    const mg = (await examplesOf(['multigraph'])).help;
    expect(mg).toContain('--t-max');
    expect(mg).not.toMatch(/--budget|--seed/);
    const ct = (await examplesOf(['cycle-time'])).help;
    expect(ct).toMatch(/--budget/);
    expect(ct).toMatch(/--seed/);
  });
});
