#!/usr/bin/env node
/**
 * Writes docs/cli.md, the CLI reference: every command's and subcommand's `--help`, as the
 * yargs definitions print it (`node bin/dflsim.js <command> --help`, run against dist/, so
 * build first: `npm run docs:cli` does both). The commands are found by walking the
 * "Commands:" sections of the help texts, so a new command appears without editing this file.
 *
 *   node scripts/cli-reference.mjs            write docs/cli.md
 *   node scripts/cli-reference.mjs --stdout   print it instead (test/cli/cli-reference.test.ts
 *                                             compares that with the committed file)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'dflsim.js');

/** The help text of `dflsim ...command --help`, at yargs' width for a pipe (100 columns). */
function helpOf(command) {
  const env = { ...process.env };
  delete env.COLUMNS;
  const r = spawnSync(process.execPath, [BIN, ...command, '--help'], { cwd: ROOT, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`dflsim ${command.join(' ')} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout.replace(/\s+$/, '') + '\n';
}

/** The subcommands a help text lists under "Commands:" (the word after `dflsim ...command`). */
function subcommandsOf(help, command) {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.trim() === 'Commands:');
  if (at < 0) return [];
  const out = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.trim()) break;
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'dflsim') continue; // a wrapped description line
    const name = words[command.length + 1];
    if (name && /^[a-z][a-z0-9-]*$/.test(name)) out.push([...command, name]);
  }
  return out;
}

/** docs/cli.md's text. */
export function cliReference() {
  const sections = [];
  const walk = (command) => {
    const help = helpOf(command);
    sections.push({ command, help });
    for (const sub of subcommandsOf(help, command)) walk(sub);
  };
  walk([]);
  const title = (c) => (c.length ? `dflsim ${c.join(' ')}` : 'dflsim');
  const anchor = (c) => title(c).replace(/\s+/g, '-');
  const parts = [
    '# Command-line reference',
    '',
    "Generated from the commands' own definitions by `scripts/cli-reference.mjs` (`npm run docs:cli`);",
    '`test/cli/cli-reference.test.ts` fails when this file is not what the script writes. Every',
    'command also prints this with `--help`. Configs, their fields and defaults:',
    '[config-reference.md](config-reference.md).',
    '',
    ...sections.map((s) => `- [\`${title(s.command)}\`](#${anchor(s.command)})`),
    '',
  ];
  for (const s of sections) {
    parts.push(`## ${title(s.command)}`, '', '```text', s.help.replace(/\n$/, ''), '```', '');
  }
  return parts.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = cliReference();
  if (process.argv.includes('--stdout')) process.stdout.write(text);
  else {
    writeFileSync(path.join(ROOT, 'docs', 'cli.md'), text);
    console.log('wrote docs/cli.md');
  }
}
