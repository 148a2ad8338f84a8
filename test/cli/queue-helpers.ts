/**
 * Helpers of the queue tests (worker-queue, distribute-silos): `dflsim` child processes that
 * are all killed after each test, polling, and results compared without wall-clock columns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { networkFile, ROOT } from '../helpers.js';

/** The built CLI. */
export const BIN = path.join(ROOT, 'bin/dflsim.js');

/** A child `dflsim` with its output so far. */
export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** Start `dflsim` children with `env` added; `killAll` SIGKILLs those still alive (call it after each test). */
export function spawner(env: NodeJS.ProcessEnv): {
  dflsim: (args: string[], more?: NodeJS.ProcessEnv) => Proc;
  killAll: () => Promise<void>;
} {
  const started: Proc[] = [];
  return {
    dflsim(args, more = {}) {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: { ...process.env, ...env, ...more },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '',
        err = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
      });
      child.stderr!.on('data', (d) => {
        err += String(d);
      });
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      const p = { child, out: () => out, err: () => err, exited };
      started.push(p);
      return p;
    },
    async killAll() {
      for (const p of started.splice(0))
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
    },
  };
}

/** Wait until `cond` holds (polled every 50 ms), or fail naming `what`. */
export async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file below `dir`, sorted (a results directory's lock file left out). */
export function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(path.join(dir, f)).isFile() && !f.endsWith('.lock'))
    .sort();
}

/** metrics.csv without its wallMs column. */
export function metricsWithoutWall(file: string): string {
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const w = rows[0].indexOf('wallMs');
  return rows.map((r) => r.filter((_, i) => i !== w).join(',')).join('\n');
}

/** summary.json without wall time and output directory. */
export function summaryWithoutWall(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'wallMs' || k === 'outDir' ? undefined : v));
}

/**
 * Write a small linear-model training config on Gaia (22 sequences of 4 frames, wasm, one
 * worker thread) as `<dir>/<name>.json`, with `fields` on top; the queue tests' common run.
 */
export function writeLinearConfig(dir: string, name: string, fields: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  const base = {
    kind: 'train',
    name,
    network: networkFile('gaia'),
    model: { name: 'linear', inputSize: 16 },
    dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
    evalEvery: 1,
    workers: 1,
    backend: 'wasm',
  };
  writeFileSync(file, JSON.stringify({ ...base, ...fields }));
  return file;
}
