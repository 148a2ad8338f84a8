/**
 * `dflsim bench simulate` runs whole simulation rounds and exits by itself, with the worker
 * pool (2 workers) and in-process (1 worker); its figures are printed, never asserted on
 * time. A guard (as in exit.test.ts) kills a child still alive 10 s after its last output,
 * and the test fails. Also: which sizes the PyTorch yardsticks can build (checked against
 * the scripts by hand: dpasgd_torch.py fails at 36 and runs at 37; fadnet_torch.py runs
 * at 197 to 200 only), and bad options exit 2.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpasgdTorchSizeProblem, fadnetTorchSizeProblem, torchFadnetSides } from '../../src/learning/tf/torch-yardstick.js';
import { QUIET_MS, ROOT, runGuarded as guarded } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');
/** The guard with the worker and thread counts left to the command's options. */
const runGuarded = (args: string[]) => guarded(args, { DFLSIM_WORKERS: '', DFLSIM_THREADS: '' });

interface SimulateJson {
  silos: number;
  size: number;
  batch: number;
  rounds: number;
  localSteps: number;
  workers: number;
  threads: number;
  backend: string;
  params: number;
  roundsPerSec: number;
  siloStepsPerSec: number;
  samplesPerSec: number;
  msPerRound: number;
  peakRssMiB: number;
  torch?: { status: string; reason?: string };
}

const TINY = ['bench', 'simulate', '--silos', '3', '--size', '32', '--batch', '2', '--rounds', '1'];

describe('dflsim bench simulate', () => {
  for (const workers of [2, 1]) {
    it(`--workers ${workers} exits by itself and prints its figures as JSON`, async () => {
      const r = await runGuarded([BIN, ...TINY, '--workers', String(workers), '--torch', 'skip', '--format', 'json']);
      expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as SimulateJson;
      expect(j).toMatchObject({ silos: 3, size: 32, batch: 2, rounds: 1, localSteps: 1, workers, threads: 1 });
      expect(j.roundsPerSec).toBeGreaterThan(0);
      // every silo takes one step of 2 samples per round
      expect(j.siloStepsPerSec / j.roundsPerSec).toBeCloseTo(3, 9);
      expect(j.samplesPerSec / j.siloStepsPerSec).toBeCloseTo(2, 9);
      expect(j.msPerRound * j.roundsPerSec).toBeCloseTo(1000, 6);
      // FADNet at 32x32 (the 200x200 net has 341,980; the head's width layer shrinks)
      expect(j.params).toBe(341926);
      // a Node process with TensorFlow.js and a model resides in more than 50 MiB
      expect(j.peakRssMiB).toBeGreaterThan(50);
      expect(j.torch).toBeUndefined();
    }, 90_000);
  }

  it('--torch auto at a size the PyTorch yardstick cannot build: skipped, with the reason, before any Python runs', async () => {
    const r = await runGuarded([
      BIN,
      'bench',
      'simulate',
      '--silos',
      '1',
      '--size',
      '32',
      '--batch',
      '1',
      '--rounds',
      '1',
      '--workers',
      '1',
      '--format',
      'json',
    ]);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as SimulateJson;
    expect(j.workers).toBe(1);
    expect(j.torch).toEqual({ status: 'skipped', reason: dpasgdTorchSizeProblem(32) });
    expect(j.torch?.reason).toContain('use --size 37 or more');
  }, 90_000);

  it('bench train at a size fadnet_torch.py cannot build falls back to dpasgd_torch.py with one silo (here too small for it as well: skipped with its reason)', async () => {
    const r = await runGuarded([BIN, 'bench', 'train', '--size', '32', '--batch', '1', '--steps', '1', '--format', 'json']);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { torch?: { status: string; reason?: string } };
    expect(fadnetTorchSizeProblem(32)).not.toBeNull();
    expect(j.torch).toEqual({ status: 'skipped', reason: dpasgdTorchSizeProblem(32) });
  }, 90_000);

  it('bad options exit 2 naming the option', async () => {
    for (const [args, where] of [
      [['--size', '8', '--rounds', '1'], '--size'],
      [['--size', '32', '--rounds', '1', '--workers', '0'], '--workers'],
      [['--size', '32', '--rounds', '1.5'], '--rounds'],
    ] as const) {
      const r = await runGuarded([BIN, 'bench', 'simulate', '--silos', '2', '--batch', '1', ...args, '--torch', 'skip']);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^dflsim: ${where}: `));
      expect(r.stdout).toBe('');
    }
  }, 90_000);
});

describe('sizes the PyTorch yardsticks build', () => {
  it('feature maps of their FADNet: 200 -> 49, 25, 13, 7; 64 -> 15, 8, 4, 2', () => {
    expect(torchFadnetSides(200)).toEqual([49, 25, 13, 7]);
    expect(torchFadnetSides(64)).toEqual([15, 8, 4, 2]);
  });

  it('dpasgd_torch.py from 37 pixels; fadnet_torch.py at 197..200 only', () => {
    expect(dpasgdTorchSizeProblem(36)).toMatch(/size 36 gives 1x1/);
    expect(dpasgdTorchSizeProblem(37)).toBeNull();
    expect(dpasgdTorchSizeProblem(64)).toBeNull();
    const fadnetSizes: number[] = [];
    for (let s = 16; s <= 400; s++) if (fadnetTorchSizeProblem(s) === null) fadnetSizes.push(s);
    expect(fadnetSizes).toEqual([197, 198, 199, 200]);
  });
});
