/**
 * examples/python/dpasgd_plan.py replays `dflsim run`: the linear model on dflsim's synthetic
 * driving data over the multigraph on gaia-cities (stale copies, isolated silos), exported by
 * `dflsim export-run`, trained in PyTorch from the plan as JSON Lines and as .npz; its
 * per-round train loss and test loss match the run's metrics.csv. Runs where a python3 can
 * `import torch`; skipped with a notice elsewhere, and required under CI=true.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTorchPython, TORCH_INSTALL_HINT } from '../../src/learning/tf/torch-yardstick.js';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');
const SCRIPT = path.join(ROOT, 'examples/python/dpasgd_plan.py');
const CONFIG = path.join(ROOT, 'experiments/plan-linear.json');
const python = findTorchPython();
const required = process.env.CI === 'true';

/**
 * Relative tolerance on the losses. Measured on x86-64 (PyTorch 1.13, dflsim's native step):
 * at most 1.5e-7 on the train loss and 2.1e-7 on the test loss over the 30 rounds, i.e.
 * float32 rounding (2^-23 = 1.2e-7) of the other sums of the forward pass and the gradient.
 */
const TOLERANCE = 5e-7;

interface Row {
  round: number;
  simulatedMs: number;
  trainLoss: number | null;
  testLoss?: number;
}

function metrics(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('examples/python/dpasgd_plan.py', () => {
  if (!python) {
    it.skipIf(!required)(`needs a python3 with torch (${TORCH_INSTALL_HINT}); required under CI=true`, () => {
      throw new Error(`CI=true: no python3 can import torch; ${TORCH_INSTALL_HINT}`);
    });
    if (!required) console.warn(`skipped examples/python/dpasgd_plan.py: no python3 with torch; ${TORCH_INSTALL_HINT}`);
    return;
  }

  it('replays dflsim run: the same train and test losses per round, from the JSON Lines and the .npz plan', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dflsim-py-plan-'));
    const exp = path.join(dir, 'export'),
      run = path.join(dir, 'run');
    execFileSync(process.execPath, [BIN, 'export-run', CONFIG, '-o', exp], { stdio: 'pipe' });
    execFileSync(process.execPath, [BIN, 'run', CONFIG, '-o', run], { stdio: 'pipe' });
    const want = metrics(path.join(run, 'metrics.csv'));
    expect(want.length).toBe(30);
    // the multigraph's rounds have isolated silos and stale copies: the replay covers them
    expect(want.some((r) => Number(r.isolated) > 0)).toBe(true);
    for (const plan of [[], ['--plan', path.join(exp, 'plan.npz')]]) {
      const out = execFileSync(python, [SCRIPT, exp, ...plan], { encoding: 'utf8' });
      const got = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Row);
      expect(got.map((r) => r.round)).toEqual(want.map((r) => Number(r.round)));
      let worst = 0;
      got.forEach((g, k) => {
        const w = want[k];
        expect(Math.abs(g.simulatedMs / Number(w.simulatedMs) - 1)).toBeLessThan(1e-12);
        const rel = (a: number, b: number): number => Math.abs(a / b - 1);
        worst = Math.max(worst, rel(g.trainLoss!, Number(w.trainLoss)));
        expect(rel(g.trainLoss!, Number(w.trainLoss)), `round ${k} trainLoss`).toBeLessThan(TOLERANCE);
        expect(g.testLoss === undefined, `round ${k} evaluated`).toBe(w.testLoss === '');
        if (g.testLoss !== undefined) expect(rel(g.testLoss, Number(w.testLoss)), `round ${k} testLoss`).toBeLessThan(TOLERANCE);
      });
      // the losses move: a replay that diverged would show it well above the tolerance
      expect(Number(want[29].trainLoss)).toBeLessThan(Number(want[0].trainLoss) / 2);
      expect(worst).toBeGreaterThan(0);
    }
  });
});
