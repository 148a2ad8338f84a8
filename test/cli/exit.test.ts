/**
 * Every command exits by itself, also with the two-thread wasm backend, whose pthread
 * workers used to keep Node alive after the command was done. A guard kills a child that
 * is still alive 10 s after its last output, and the test fails.
 * (`bench train` skips PyTorch at this size (its script runs only at 197-200 px): the yardstick lives in bench/train.ts only.)
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkFile, QUIET_MS, ROOT, runGuarded } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

describe('commands exit by themselves', () => {
  it('bench train --threads 2', async () => {
    const r = await runGuarded([
      BIN,
      'bench',
      'train',
      '--threads',
      '2',
      '--backend',
      'wasm',
      '--size',
      '32',
      '--batch',
      '4',
      '--steps',
      '1',
      '--format',
      'json',
    ]);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { backend: string; threads: number; samplesPerSec: number };
    expect(j.backend).toBe('wasm');
    expect(j.threads).toBe(2);
    expect(j.samplesPerSec).toBeGreaterThan(0);
  }, 60_000);

  it('bench profile --threads 2', async () => {
    const r = await runGuarded([
      BIN,
      'bench',
      'profile',
      '--threads',
      '2',
      '--size',
      '32',
      '--batch',
      '4',
      '--steps',
      '1',
      '--format',
      'json',
    ]);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { threads: number; path: string; kernels: { name: string; calls: number }[]; forwardConvMs: number };
    expect(j.threads).toBe(2);
    // FADNet's forward convolutions ran and were timed: the native step's, or the tf.layers step's kernels
    const forward = j.path === 'native' ? /^conv forward$/ : /^(Conv2D|FusedConv2D)$/;
    expect(j.kernels.some((k) => forward.test(k.name) && k.calls > 0)).toBe(true);
    expect(j.forwardConvMs).toBeGreaterThan(0);
  }, 60_000);

  it('bench profile --layers --threads 2 (the tf.layers step)', async () => {
    const r = await runGuarded([
      BIN,
      'bench',
      'profile',
      '--layers',
      '--threads',
      '2',
      '--size',
      '32',
      '--batch',
      '4',
      '--steps',
      '1',
      '--format',
      'json',
    ]);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { path: string; kernels: { name: string; calls: number }[]; forwardConvMs: number };
    expect(j.path).toBe('layers');
    expect(j.kernels.some((k) => /^(Conv2D|FusedConv2D)$/.test(k.name) && k.calls > 0)).toBe(true);
    expect(j.forwardConvMs).toBeGreaterThan(0);
  }, 60_000);

  it('dflsim run of a tiny config with DFLSIM_THREADS=2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-exit-'));
    const cfg = path.join(dir, 'tiny.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'train',
        name: 'tiny',
        network: networkFile('gaia'),
        topology: 'ring',
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 4 },
        rounds: 3,
        batchSize: 4,
        lr: 0.01,
        evalEvery: 1,
        backend: 'wasm',
      }),
    );
    const out = path.join(dir, 'out');
    const r = await runGuarded([BIN, 'run', cfg, '--out', out], { DFLSIM_THREADS: '2' });
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend wasm x2/);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(true);
  }, 90_000);

  it('the thread pool itself does not hold the process (no CLI exit backstop)', async () => {
    // the library, not bin/dflsim.js (which also exits once main() settles)
    const script = `import { benchTrain } from ${JSON.stringify(path.join(ROOT, 'dist/src/learning/tf/bench.js'))};
      const r = await benchTrain({ model: 'fadnet', size: 32, batch: 4, steps: 1, backend: 'wasm', threads: 2 });
      console.log(r.threads);`;
    const r = await runGuarded(['--input-type=module', '-e', script]);
    expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2');
  }, 60_000);
});
