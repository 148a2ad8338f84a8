/**
 * Training runs started from the explorer: each in its own child process (the runner's
 * `run-child` script, as `--parallel-runs` uses it), writing into a run directory under the
 * server's work directory. Evaluated rounds are kept and streamed to listeners; a run is
 * stopped by asking its child (it checkpoints and stops after the current round).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DflsimInputError } from '../errors.js';
import type { TrainConfig } from '../experiment/config.js';
import type { MetricRow } from '../learning/dpasgd.js';
import { writeReport } from '../report/write.js';

/** A run's event as the page receives it. */
export type TrainEvent =
  | {
      type: 'round';
      round: number;
      totalRounds: number;
      simulatedMs: number;
      trainLoss: number;
      testRmse: number | null;
      testAccuracy: number | null;
    }
  | {
      type: 'done';
      completed: boolean;
      stopped: boolean;
      error?: string;
      /** The run's report, relative to its files (`/api/train/<id>/files/<report>`), when it was written. */
      report?: string;
    };

/** One run. */
export interface TrainRun {
  id: string;
  dir: string;
  events: TrainEvent[];
  finished: boolean;
  listeners: Set<(e: TrainEvent) => void>;
  child?: ChildProcess;
  stopRequested: boolean;
  /** The child is done and the report is being written. */
  reporting?: boolean;
}

/** The compiled run-child script (under vitest the sources are .ts: use dist/'s copy). */
function childScript(): string {
  const here = fileURLToPath(new URL('../experiment/run-child.js', import.meta.url));
  if (existsSync(here)) return here;
  const dist = here.replace(/([\\/])src([\\/]experiment[\\/]run-child\.js)$/, '$1dist$1src$2');
  if (existsSync(dist)) return dist;
  throw new Error(`cannot find the run child script (${here}); build with npm run build`);
}

/** The runs of one server. */
export class TrainingRuns {
  private readonly runs = new Map<string, TrainRun>();

  /** @param runsDir the directory run directories go in (inside the server's work directory) */
  constructor(private readonly runsDir: string) {}

  /** A run by id, or undefined. */
  get(id: string): TrainRun | undefined {
    return this.runs.get(id);
  }

  /**
   * Start a run of a validated config (its raw form is written as the run's config.json).
   * @param maxRunning refuse when this many runs are still going
   */
  start(cfg: TrainConfig, raw: unknown, maxRunning = 2): TrainRun {
    const running = [...this.runs.values()].filter((r) => !r.finished).length;
    if (running >= maxRunning)
      throw new DflsimInputError('train', `${running} runs are still going: stop one first (at most ${maxRunning} at a time)`);
    const id = randomBytes(8).toString('hex');
    const dir = path.join(this.runsDir, id);
    mkdirSync(dir, { recursive: true });
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(raw, null, 2) + '\n');
    const run: TrainRun = { id, dir, events: [], finished: false, listeners: new Set(), stopRequested: false };
    this.runs.set(id, run);
    const child = fork(childScript(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, DFLSIM_WORKERS: '1' } });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    run.child = child;
    child.on(
      'message',
      (m: { type: string; row?: MetricRow; total?: number; summary?: { completed: boolean }; message?: string; input?: boolean }) => {
        if (m.type === 'round' && m.row) {
          const r = m.row;
          if (r.testRmse === null && (r.testAccuracy ?? null) === null) return; // only evaluated rounds
          this.emit(run, {
            type: 'round',
            round: r.round,
            totalRounds: m.total ?? 0,
            simulatedMs: r.simulatedMs,
            trainLoss: r.trainLoss,
            testRmse: r.testRmse,
            testAccuracy: r.testAccuracy ?? null,
          });
        } else if (m.type === 'done') {
          run.reporting = true;
          const completed = m.summary?.completed ?? false;
          // the run's report (the library's writeReport) beside its results, then the end of the stream
          void writeReport(path.join(dir, 'results')).then(
            () => this.finish(run, { type: 'done', completed, stopped: run.stopRequested, report: 'report.html' }),
            (e: unknown) =>
              this.finish(run, {
                type: 'done',
                completed,
                stopped: run.stopRequested,
                error: `the report could not be written: ${(e as Error)?.message ?? String(e)}`,
              }),
          );
        } else if (m.type === 'error') {
          // an input error's message names its field; anything else is reported without its stack
          this.finish(run, {
            type: 'done',
            completed: false,
            stopped: false,
            error: m.input ? String(m.message) : `training failed: ${String(m.message)}`,
          });
        }
      },
    );
    child.on('exit', (code) => {
      if (!run.finished && !run.reporting)
        this.finish(run, {
          type: 'done',
          completed: false,
          stopped: run.stopRequested,
          error: run.stopRequested ? undefined : `training process exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`,
        });
    });
    child.send({ type: 'run', index: 0, runCfg: cfg, configFile, outDir: path.join(dir, 'results'), workers: 1 });
    return run;
  }

  /** Ask a run to stop after its current round. */
  stop(run: TrainRun): void {
    if (run.finished) return;
    run.stopRequested = true;
    run.child?.send({ type: 'stop' });
  }

  /** Stop every run and end their children (the server is closing). */
  async closeAll(): Promise<void> {
    const alive = [...this.runs.values()].filter((r) => r.child && r.child.exitCode === null && r.child.signalCode === null);
    await Promise.all(
      alive.map(
        (r) =>
          new Promise<void>((resolve) => {
            r.child!.once('exit', () => resolve());
            r.stopRequested = true;
            r.child!.kill('SIGTERM');
            setTimeout(() => {
              r.child!.kill('SIGKILL');
              resolve();
            }, 3000).unref();
          }),
      ),
    );
  }

  private emit(run: TrainRun, e: TrainEvent): void {
    run.events.push(e);
    for (const l of run.listeners) l(e);
  }

  private finish(run: TrainRun, e: TrainEvent): void {
    if (run.finished) return;
    this.emit(run, e);
    run.finished = true;
    if (run.child?.connected) run.child.send({ type: 'exit' });
  }
}
