/**
 * `--resume` of a sweep reads every run's checkpoint first: a bad checkpoint in a later
 * run stops the sweep (exit 2, naming that checkpoint) before any run rewrites a file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, d);
    if (statSync(p).isFile()) out[d] = statSync(p).mtimeMs;
  }
  return out;
}

describe('resuming a sweep', () => {
  it("checks every run's checkpoint before the first run continues", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-resume-sweep-'));
    const cfg = path.join(dir, 'sweep.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'train',
        name: 'sw',
        network: networkFile('gaia'),
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 3,
        batchSize: 2,
        evalEvery: 1,
        checkpointEvery: 1,
        seed: 1,
        workers: 1,
        sweep: { topology: ['ring', 'mst'] },
      }),
    );
    const out = path.join(dir, 'out');
    const first = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--keep-checkpoints'], { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    // the second run's checkpoint replaced by the first's: written by another config
    const bad = path.join(out, 'topology=mst', 'checkpoint.bin');
    copyFileSync(path.join(out, 'topology=ring', 'checkpoint.bin'), bad);
    const before = snapshot(out);
    const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: the checkpoint was written by a different config`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);
  });
});
