/**
 * The PyTorch yardsticks of the training benchmarks: the scripts in `../shared/bench/`
 * (beside the project root), run with the first Python that can `import torch`
 * (DFLSIM_PYTHON, `python3`, `/usr/bin/python3`). Each prints one JSON line of figures.
 * This module starts child processes: the CLI and bench/ use it, the core never does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../project-root.js';

/** How to install what the yardsticks need (printed when they are skipped). */
export const TORCH_INSTALL_HINT = 'install with: apt-get install -y python3-torch';

export { projectRoot };

/** A yardstick script of `../shared/bench/` (e.g. `fadnet_torch.py`). */
export function yardstickScript(name: string): string {
  return path.join(path.resolve(projectRoot(), '..', 'shared'), 'bench', name);
}

let foundPython: string | null | undefined;

/** The first Python that can import torch (DFLSIM_PYTHON, python3, /usr/bin/python3), or null; looked up once per process. */
export function findTorchPython(): string | null {
  if (foundPython !== undefined) return foundPython;
  foundPython = null;
  for (const py of [process.env.DFLSIM_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      foundPython = py;
      break;
    } catch {
      // not there, or no torch: try the next
    }
  }
  return foundPython;
}

/** The yardstick's figures, or why it did not run. */
export type YardstickOutcome<T> = { ran: true; python: string; args: string[]; result: T } | { ran: false; reason: string };

/** Why a yardstick cannot run here (no torch, no script), or null when it can. */
export function yardstickUnavailable(script: string): string | null {
  if (!findTorchPython()) return `no python3 with torch; ${TORCH_INSTALL_HINT}`;
  if (!fs.existsSync(script)) return `${script} not found`;
  return null;
}

/**
 * Run a yardstick script with `args` and parse the JSON of its last output line. A script
 * that fails (or prints no JSON) is an error; a missing torch or script is a skip.
 */
export function runYardstick<T>(script: string, args: string[]): YardstickOutcome<T> {
  const why = yardstickUnavailable(script);
  if (why) return { ran: false, reason: why };
  const python = findTorchPython()!;
  let out: string;
  try {
    out = execFileSync(python, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 2 ** 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `PyTorch yardstick ${path.basename(script)} ${args.join(' ')} failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const last = out.trim().split('\n').pop() ?? '';
  try {
    return { ran: true, python, args, result: JSON.parse(last) as T };
  } catch {
    throw new Error(`PyTorch yardstick ${path.basename(script)}: expected a JSON line, got "${last.slice(0, 200)}"`);
  }
}

/**
 * A yardstick compared with dflsim: skipped (no torch, no script, or a size the script
 * cannot build), failed (the script's error), or its runs, the fastest, and dflsim's
 * samples/s over the fastest's.
 */
export type TorchComparison<R> =
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  | { status: 'ran'; python: string; runs: R[]; fastest: R; ratio: number };

/**
 * Feature-map sides of the yardsticks' FADNet at an input side: the stem (stride 2, same
 * padding), a 3x3 max-pool of stride 2 (valid), then three blocks of stride 2 (same).
 */
export function torchFadnetSides(size: number): [number, number, number, number] {
  const x1 = Math.floor((Math.ceil(size / 2) - 3) / 2) + 1;
  const x2 = Math.ceil(x1 / 2);
  const x3 = Math.ceil(x2 / 2);
  return [x1, x2, x3, Math.ceil(x3 / 2)];
}

/** Why fadnet_torch.py (FADNet with the 200x200 geometry built in) cannot run at `size`, or null. */
export function fadnetTorchSizeProblem(size: number): string | null {
  const [x1, x2, x3, x4] = torchFadnetSides(size);
  const ok = x4 === 7 && Math.ceil(x1 / 7) === 7 && Math.ceil(x2 / 4) === 7 && Math.ceil(x3 / 2) === 7;
  return ok
    ? null
    : `fadnet_torch.py builds FADNet's 200x200 geometry only (feature maps 49, 25, 13, 7); size ${size} gives ${x1}, ${x2}, ${x3}, ${x4}`;
}

/** Why dpasgd_torch.py cannot run at `size` (its BatchNorm needs a last feature map larger than 1x1), or null. */
export function dpasgdTorchSizeProblem(size: number): string | null {
  const last = (s: number) => torchFadnetSides(s)[3];
  if (last(size) >= 2) return null;
  let min = size;
  while (last(min) < 2) min++;
  return `dpasgd_torch.py needs FADNet's last feature map larger than 1x1 (its BatchNorm); size ${size} gives ${last(size)}x${last(size)} (use --size ${min} or more)`;
}

/** A yardstick's error as a comparison that failed. */
function failed(e: unknown): { status: 'failed'; reason: string } {
  return { status: 'failed', reason: e instanceof Error ? e.message : String(e) };
}

function compare<R extends { samplesPerSec: number }>(python: string, runs: R[], dflsimSamplesPerSec: number): TorchComparison<R> {
  const fastest = runs.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a));
  return { status: 'ran', python, runs, fastest, ratio: dflsimSamplesPerSec / fastest.samplesPerSec };
}

/** The models shared/bench/dpasgd_torch.py builds (its `--model`). */
export type YardstickModel = 'fadnet' | 'femnist-cnn';

/** One run of shared/bench/dpasgd_torch.py. */
export interface TorchSimulateRun {
  /** Its `--model`. */
  model: YardstickModel;
  threads: number;
  procs: number;
  roundsPerSec: number;
  siloStepsPerSec: number;
  samplesPerSec: number;
}

/**
 * The whole-simulation yardstick (shared/bench/dpasgd_torch.py) with the same model (FADNet,
 * default, at `size`; or the FEMNIST CNN on 28x28x1 characters of 62 classes), silos,
 * batch, rounds and local steps, at `cores` cores in both of its settings: one process of
 * `cores` threads, and `cores` processes of one thread (one setting when cores = 1).
 */
export function torchSimulate(
  o: { model?: YardstickModel; silos: number; size?: number; batch: number; rounds: number; localSteps: number },
  cores: number,
  dflsimSamplesPerSec: number,
): TorchComparison<TorchSimulateRun> {
  const model = o.model ?? 'fadnet';
  if (model === 'fadnet' && o.size === undefined) throw new Error('dflsim torchSimulate: FADNet needs its size');
  const script = yardstickScript('dpasgd_torch.py');
  const why = (model === 'fadnet' ? dpasgdTorchSizeProblem(o.size!) : null) ?? yardstickUnavailable(script);
  if (why) return { status: 'skipped', reason: why };
  const settings =
    cores === 1
      ? [{ threads: 1, procs: 1 }]
      : [
          { threads: cores, procs: 1 },
          { threads: 1, procs: cores },
        ];
  let python = '';
  const runs: TorchSimulateRun[] = [];
  try {
    for (const s of settings) {
      const args = [
        '--model',
        model,
        '--silos',
        o.silos,
        ...(model === 'fadnet' ? ['--size', o.size!] : []),
        '--batch',
        o.batch,
        '--rounds',
        o.rounds,
        '--local-steps',
        o.localSteps,
        '--threads',
        s.threads,
        '--procs',
        s.procs,
      ].map(String);
      const r = runYardstick<{ rounds_per_sec: number; silo_steps_per_sec: number; samples_per_sec: number }>(script, args);
      if (!r.ran) return { status: 'skipped', reason: r.reason };
      python = r.python;
      runs.push({
        model,
        ...s,
        roundsPerSec: r.result.rounds_per_sec,
        siloStepsPerSec: r.result.silo_steps_per_sec,
        samplesPerSec: r.result.samples_per_sec,
      });
    }
  } catch (e) {
    return failed(e);
  }
  return compare(python, runs, dflsimSamplesPerSec);
}

/** One run of the training-step yardstick. */
export interface TorchTrainRun {
  threads: number;
  samplesPerSec: number;
  msPerStep: number;
  /** The script that ran: `fadnet_torch.py`, `dpasgd_torch.py --silos 1` (FADNet at other sizes) or `dpasgd_torch.py --model femnist-cnn --silos 1`. */
  script?: string;
}

/**
 * The training-step yardstick at the same size, batch, steps and threads. FADNet (default):
 * shared/bench/fadnet_torch.py at its 200x200 geometry; at other sizes (e.g. 64x64)
 * shared/bench/dpasgd_torch.py with one silo, whose round is one step plus loading that
 * silo's weights and Adam state (as dflsim's step loads the silo's flat state). The FEMNIST
 * CNN (28x28x1, 62 classes; `size` is not read): dpasgd_torch.py `--model femnist-cnn` with
 * one silo, the same way.
 */
export function torchTrain(
  o: { model?: YardstickModel; size: number; batch: number; steps: number; threads: number },
  dflsimSamplesPerSec: number,
): TorchComparison<TorchTrainRun> {
  const femnist = o.model === 'femnist-cnn';
  const oneSilo = femnist || fadnetTorchSizeProblem(o.size) !== null;
  const script = yardstickScript(oneSilo ? 'dpasgd_torch.py' : 'fadnet_torch.py');
  const why = (oneSilo && !femnist ? dpasgdTorchSizeProblem(o.size) : null) ?? yardstickUnavailable(script);
  if (why) return { status: 'skipped', reason: why };
  const rounds = Math.max(o.steps, 10);
  const args = femnist
    ? ['--model', 'femnist-cnn', '--silos', 1, '--batch', o.batch, '--rounds', rounds, '--threads', o.threads, '--procs', 1]
    : oneSilo
      ? ['--silos', 1, '--size', o.size, '--batch', o.batch, '--rounds', rounds, '--threads', o.threads, '--procs', 1]
      : ['--batch', o.batch, '--size', o.size, '--steps', o.steps, '--threads', o.threads];
  let r: YardstickOutcome<{ samples_per_sec: number; ms_per_step?: number; silo_steps_per_sec?: number }>;
  try {
    r = runYardstick(script, args.map(String));
  } catch (e) {
    return failed(e);
  }
  if (!r.ran) return { status: 'skipped', reason: r.reason };
  const msPerStep = oneSilo ? 1000 / r.result.silo_steps_per_sec! : r.result.ms_per_step!;
  return compare(
    r.python,
    [
      {
        threads: o.threads,
        samplesPerSec: r.result.samples_per_sec,
        msPerStep,
        script: femnist ? 'dpasgd_torch.py --model femnist-cnn --silos 1' : oneSilo ? 'dpasgd_torch.py --silos 1' : 'fadnet_torch.py',
      },
    ],
    dflsimSamplesPerSec,
  );
}
