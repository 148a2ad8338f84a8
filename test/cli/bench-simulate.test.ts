/**
 * `dflsim bench simulate` runs whole simulation rounds and exits by itself, with the worker
 * pool (2 workers) and in-process (1 worker); its figures are printed, never asserted on
 * time. A guard (as in exit.test.ts) kills a child still alive 10 s after its last output,
 * and the test fails. FADNet, the FEMNIST CNN by name and a model.json the test writes
 * report their figures, their training path and which PyTorch model (if any) has their
 * architecture. Also: which sizes the PyTorch yardsticks can build (checked against the
 * scripts by hand: dpasgd_torch.py fails at 36 and runs at 37; fadnet_torch.py runs at 197
 * to 200 only), which model files have the FEMNIST CNN's architecture, and bad options
 * (and bad --model values) exit 2 naming the flag.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeKernelAddon } from '../../src/learning/tf/kernels/native.js';
import { buildModel } from '../../src/learning/tf/models/build.js';
import { femnistCnnArchitecture } from '../../src/learning/tf/simulate-bench.js';
import { dpasgdTorchSizeProblem, fadnetTorchSizeProblem, torchFadnetSides } from '../../src/learning/tf/torch-yardstick.js';
import { saveModelFiles } from '../learning/tf/model-files.js';
import { QUIET_MS, ROOT, runGuarded as guarded } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');
/** The guard with the worker and thread counts left to the command's options. */
const runGuarded = (args: string[]) => guarded(args, { DFLSIM_WORKERS: '', DFLSIM_THREADS: '' });

interface SimulateJson {
  model: string;
  modelOrigin: { field: string; value: string };
  silos: number;
  size?: number;
  inputShape: number[];
  classes?: number;
  loss: string;
  batch: number;
  rounds: number;
  localSteps: number;
  workers: number;
  threads: number;
  backend: string;
  kernels?: string;
  path: 'native' | 'layers';
  pathNotice?: string;
  yardstick?: string;
  yardstickMismatch?: string;
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
      expect(j).toMatchObject({ model: 'fadnet', inputShape: [32, 32, 1], loss: 'mse', yardstick: 'fadnet' });
      expect(j.classes).toBeUndefined();
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

  /** The figures every simulation reports, whatever its model: `silos` silos, one step of `batch` samples each per round. */
  function expectFigures(j: SimulateJson, silos: number, batch: number): void {
    expect(j.roundsPerSec).toBeGreaterThan(0);
    expect(j.siloStepsPerSec / j.roundsPerSec).toBeCloseTo(silos, 9);
    expect(j.samplesPerSec / j.siloStepsPerSec).toBeCloseTo(batch, 9);
    expect(j.msPerRound * j.roundsPerSec).toBeCloseTo(1000, 6);
    expect(j.peakRssMiB).toBeGreaterThan(50);
  }

  // on wasm, the FEMNIST CNN and the test's CNN are inside the native step's cover: they
  // train through it wherever the addon is built, through tf.layers otherwise
  const expectedPath = nativeKernelAddon() ? 'native' : 'layers';

  for (const workers of [1, 2]) {
    it(`--model femnist-cnn --workers ${workers}: the FEMNIST CNN on 28x28x1 characters of 62 classes, its path and its yardstick`, async () => {
      const r = await runGuarded([
        BIN,
        'bench',
        'simulate',
        '--model',
        'femnist-cnn',
        '--rounds',
        '1',
        '--silos',
        '2',
        '--batch',
        '4',
        '--workers',
        String(workers),
        '--backend',
        'wasm',
        '--torch',
        'skip',
        '--format',
        'json',
      ]);
      expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as SimulateJson;
      expect(j).toMatchObject({
        model: 'femnist-cnn',
        modelOrigin: { field: 'model.name', value: 'femnist-cnn' },
        silos: 2,
        batch: 4,
        rounds: 1,
        workers,
        backend: 'wasm',
        inputShape: [28, 28, 1],
        classes: 62,
        loss: 'categorical-crossentropy',
        path: expectedPath,
        yardstick: 'femnist-cnn',
      });
      // 320 + 18,496 + 1,179,776 + 7,998 (femnist-cnn.ts)
      expect(j.params).toBe(1206590);
      expect(j.size).toBeUndefined();
      expect(j.kernels?.endsWith('+native-step')).toBe(expectedPath === 'native');
      expectFigures(j, 2, 4);
      expect(j.torch).toBeUndefined();
    }, 120_000);
  }

  describe('a model.json written by the test', () => {
    let dir = '';
    let file = '';
    beforeAll(async () => {
      tf.env().set('PROD', true); // no "install tfjs-node" notice
      await tf.setBackend('cpu');
      dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bench-model-'));
      // Conv2D 4 3x3 (40) -> max-pool 2 -> Keras Dropout -> flatten (13·13·4 = 676) -> Dense 10 softmax (6,770): 6,810 parameters
      const init = (seed: number) => tf.initializers.glorotUniform({ seed });
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.dropout({ rate: 0.25 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
        ],
      });
      file = await saveModelFiles(model, path.join(dir, 'small'));
      model.dispose();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('--model <model.json> --workers 2: its shape, classes, parameters and path; no yardstick has its architecture', async () => {
      const r = await runGuarded([
        BIN,
        'bench',
        'simulate',
        '--model',
        file,
        '--rounds',
        '1',
        '--silos',
        '2',
        '--batch',
        '3',
        '--workers',
        '2',
        '--backend',
        'wasm',
        '--torch',
        'skip',
        '--format',
        'json',
      ]);
      expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as SimulateJson;
      expect(j).toMatchObject({
        model: 'model.json',
        modelOrigin: { field: 'model.path', value: file },
        workers: 2,
        inputShape: [28, 28, 1],
        classes: 10,
        loss: 'categorical-crossentropy',
        params: 6810,
        // its Keras Dropout became dflsim's seeded dropout at load: still inside the native step's cover
        path: expectedPath,
      });
      expect(j.yardstick).toBeUndefined();
      expect(j.yardstickMismatch).toBe("its layer 1 (Conv2D) has filters 4, the FEMNIST CNN's filters 32");
      expectFigures(j, 2, 3);
    }, 120_000);

    it('--torch auto on a model file of another architecture: the yardstick skipped with a one-line reason, before any Python runs', async () => {
      const r = await runGuarded([
        BIN,
        'bench',
        'simulate',
        '--model',
        file,
        '--rounds',
        '1',
        '--silos',
        '2',
        '--batch',
        '1',
        '--workers',
        '1',
      ]);
      expect(r.hung, `still alive ${QUIET_MS} ms after its last output: ${r.stdout}${r.stderr}`).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`2 silos, ${file} (6810 parameters, input 28x28x1, 10 classes), batch 1`);
      const skipped = r.stdout.split('\n').filter((l) => l.startsWith('PyTorch'));
      expect(skipped).toEqual([
        "PyTorch: skipped (dpasgd_torch.py builds FADNet and the FEMNIST CNN only; model.json is neither: its layer 1 (Conv2D) has filters 4, the FEMNIST CNN's filters 32)",
      ]);
    }, 120_000);

    it('bad --model values exit 2 naming the flag', async () => {
      const notJson = path.join(dir, 'notes.json');
      writeFileSync(notJson, 'not json');
      const noTopology = path.join(dir, 'empty', 'model.json');
      mkdirSync(path.dirname(noTopology));
      writeFileSync(noTopology, JSON.stringify({ format: 'layers-model' }));
      for (const [args, message] of [
        [
          ['--model', 'femnet'],
          /^dflsim: --model: expected fadnet, femnist-cnn or the path of a model\.json, got "femnet" \(no such file\)$/,
        ],
        [['--model', dir], /^dflsim: --model: .* is a directory: give the path of its model\.json$/],
        [['--model', notJson], /^dflsim: --model: model\.path: .*notes\.json: is not JSON/],
        [['--model', noTopology], /^dflsim: --model: model\.path: .*model\.json: modelTopology: missing/],
        [
          ['--model', 'femnist-cnn', '--size', '28'],
          /^dflsim: --size: is FADNet's input side \(--model fadnet\); femnist-cnn has its own input shape$/,
        ],
        [['--model', file, '--size', '28'], /^dflsim: --size: is FADNet's input side/],
      ] as const) {
        const r = await runGuarded([BIN, 'bench', 'simulate', '--silos', '2', '--rounds', '1', ...args, '--torch', 'skip']);
        expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
        expect(r.stderr.trim(), args.join(' ')).toMatch(message);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stdout).toBe('');
      }
    }, 120_000);
  });

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

describe('model files with the FEMNIST CNN architecture (the PyTorch yardstick of a model file)', () => {
  /** The FEMNIST CNN from plain tf.layers, as a Keras user has it (Keras Dropout), or with one thing changed. */
  function kerasFemnist(
    o: { lastActivation?: 'softmax' | 'linear'; units?: number; dropout?: boolean; inputSide?: number } = {},
  ): tf.LayersModel {
    const layers: tf.layers.Layer[] = [
      tf.layers.conv2d({ inputShape: [o.inputSide ?? 28, o.inputSide ?? 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      ...(o.dropout === false ? [] : [tf.layers.dropout({ rate: 0.25 })]),
      tf.layers.flatten(),
      tf.layers.dense({ units: o.units ?? 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 62, activation: o.lastActivation ?? 'linear' }),
    ];
    return tf.sequential({ layers });
  }

  beforeAll(async () => {
    tf.env().set('PROD', true); // no "install tfjs-node" notice
    await tf.setBackend('cpu');
  });

  it('the same layers, with Keras Dropout and logits or a softmax, are the FEMNIST CNN; other widths, a missing layer or another input are not', () => {
    const cases: [Parameters<typeof kerasFemnist>[0], ReturnType<typeof femnistCnnArchitecture>][] = [
      [{}, { same: true }],
      [{ lastActivation: 'softmax' }, { same: true }],
      [{ units: 64 }, { same: false, difference: "its layer 6 (Dense) has units 64, the FEMNIST CNN's units 128" }],
      [{ dropout: false }, { same: false, difference: "its layer 4 is a Flatten, the FEMNIST CNN's a Dropout" }],
      [{ inputSide: 32 }, { same: false, difference: "its input shape is [32,32,1], the FEMNIST CNN's [28,28,1]" }],
    ];
    for (const [o, expected] of cases) {
      const m = kerasFemnist(o);
      try {
        expect(femnistCnnArchitecture(m), JSON.stringify(o)).toEqual(expected);
      } finally {
        m.dispose();
      }
    }
  });

  it("saved as a model.json and loaded (its Dropout then dflsim's seeded dropout), it is still the FEMNIST CNN", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bench-femnist-'));
    const m = kerasFemnist({ lastActivation: 'softmax' });
    try {
      const file = await saveModelFiles(m, dir);
      const h = await buildModel({ path: file }, { seed: 0, numClasses: 62 });
      try {
        expect(h.model.layers.filter((l) => l.getClassName() === 'Dropout')).toHaveLength(0);
        expect(femnistCnnArchitecture(h.model)).toEqual({ same: true });
      } finally {
        h.model.dispose();
      }
    } finally {
      m.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
