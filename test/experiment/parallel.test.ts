/**
 * `--parallel-runs 2`: a sweep's runs in two child processes give the results of the same
 * sweep run one by one (every file there; metrics identical but for wall time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

const files = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
function withoutWall(file: string): string {
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const w = rows[0].indexOf('wallMs');
  return rows.map((r) => r.filter((_, i) => i !== w).join(',')).join('\n');
}
const json = (file: string): unknown =>
  JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'wallMs' || k === 'outDir' ? undefined : v));

describe('--parallel-runs', () => {
  it('2 processes give the sequential results', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-parallel-'));
    const cfg = path.join(dir, 'par.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'train',
        name: 'par',
        network: networkFile('gaia'),
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 4,
        batchSize: 2,
        evalEvery: 1,
        checkpointEvery: 2,
        seed: 5,
        workers: 1,
        backend: 'wasm',
        sweep: { topology: ['ring', 'mst', 'star'] },
      }),
    );
    const seq = path.join(dir, 'seq'),
      par = path.join(dir, 'par');
    const a = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', seq], { encoding: 'utf8' });
    expect(a.status, a.stderr).toBe(0);
    const b = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', par, '--parallel-runs', '2'], { encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    expect(files(par)).toEqual(files(seq));
    for (const f of files(seq)) {
      if (f.endsWith('.csv')) expect(withoutWall(path.join(par, f)), f).toBe(withoutWall(path.join(seq, f)));
      else if (f.endsWith('summary.json')) expect(json(path.join(par, f)), f).toEqual(json(path.join(seq, f)));
      else if (f.endsWith('config.resolved.json') || f.endsWith('topology.json'))
        expect(readFileSync(path.join(par, f), 'utf8'), f).toBe(readFileSync(path.join(seq, f), 'utf8'));
    }
    const bad = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', path.join(dir, 'bad'), '--parallel-runs', '0'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--parallel-runs: expected a positive integer');
  }, 180_000);
});
