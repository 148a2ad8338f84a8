/**
 * `--parallel-runs N`: the runs of a sweep in N child processes on this machine, each run
 * trained by the same {@link runTraining} into its own directory, so the results equal a
 * sequential sweep's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DflsimInputError } from '../errors.js';
import type { MetricRow } from '../learning/dpasgd.js';
import type { TrainConfig } from './config.js';
import type { RunSummary } from './runner.js';
import type { ChildRunRequest } from './run-child.js';

/** One run to train. */
export interface ParallelRun {
  runCfg: TrainConfig;
  outDir: string;
}

/** Options of {@link runParallel}. */
export interface ParallelOptions {
  /** Child processes (at most the runs). */
  processes: number;
  resume?: boolean;
  workers?: number;
  /** Keep finished runs' checkpoints. */
  keepCheckpoints?: boolean;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  onRound?: (index: number, row: MetricRow, total: number) => void;
}

/** The compiled child script (under vitest the sources are .ts: use dist/'s copy). */
function childScript(): string {
  const here = fileURLToPath(new URL('./run-child.js', import.meta.url));
  if (existsSync(here)) return here;
  const dist = here.replace(/([\\/])src([\\/]experiment[\\/]run-child\.js)$/, '$1dist$1src$2');
  if (existsSync(dist)) return dist;
  throw new Error(`cannot find the run child script (${here}); build with npm run build`);
}

type ChildMessage =
  | { type: 'log'; index: number; line: string }
  | { type: 'round'; index: number; row: MetricRow; total: number }
  | { type: 'done'; index: number; summary: RunSummary }
  | { type: 'error'; index: number; input: boolean; where: string; message: string; stack?: string };

/**
 * Train `runs` in child processes, a run per free child in order.
 * @param configFile the config path (relative paths resolve against it)
 * @returns summaries in the order of `runs` (those finished when stopped) and whether stopped
 */
export async function runParallel(
  runs: ParallelRun[],
  configFile: string,
  opts: ParallelOptions,
): Promise<{ summaries: RunSummary[]; interrupted: boolean }> {
  const n = Math.max(1, Math.min(opts.processes, runs.length));
  const script = childScript();
  const summaries: (RunSummary | undefined)[] = new Array(runs.length);
  let next = 0;
  let failure: Error | undefined;
  let interrupted = false;
  const children: ChildProcess[] = [];
  const stopTimer = setInterval(() => {
    if (opts.shouldStop?.()) for (const c of children) if (c.connected) c.send({ type: 'stop' });
  }, 200);
  try {
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            children.push(child);
            const give = (): void => {
              if (failure || interrupted || next >= runs.length || opts.shouldStop?.()) {
                if (child.connected) child.send({ type: 'exit' });
                return;
              }
              const index = next++;
              const req: ChildRunRequest = {
                type: 'run',
                index,
                runCfg: runs[index].runCfg,
                configFile,
                outDir: runs[index].outDir,
                resume: opts.resume,
                workers: opts.workers,
                keepCheckpoints: opts.keepCheckpoints,
              };
              child.send(req);
            };
            child.on('message', (m: ChildMessage) => {
              if (m.type === 'log') opts.log?.(m.line);
              else if (m.type === 'round') opts.onRound?.(m.index, m.row, m.total);
              else if (m.type === 'done') {
                summaries[m.index] = m.summary;
                if (m.summary.interrupted) interrupted = true;
                give();
              } else {
                failure ??= m.input
                  ? new DflsimInputError(m.where, m.where ? m.message.slice(m.where.length + 2) : m.message)
                  : new Error(m.stack ?? m.message);
                give();
              }
            });
            child.on('exit', (code) => {
              if (!failure && !interrupted && code !== 0 && next < runs.length)
                failure = new Error(`a --parallel-runs child exited with code ${code}`);
              resolve();
            });
            give();
          }),
      ),
    );
  } finally {
    clearInterval(stopTimer);
    for (const c of children) if (c.exitCode === null && !c.connected) c.kill();
  }
  if (failure) throw failure;
  const missing = summaries.findIndex((s) => !s);
  if (missing >= 0 && !interrupted) throw new Error(`run ${missing + 1} did not finish`);
  return { summaries: summaries.filter((s): s is RunSummary => !!s), interrupted };
}
