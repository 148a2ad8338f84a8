/**
 * A child process of `--parallel-runs`: runs the training runs its parent sends (one at a
 * time) with {@link runTraining}, reporting rounds and the summary over IPC.
 */
import { isInputError } from '../errors.js';
import type { TrainConfig } from './config.js';
import { runTraining } from './runner.js';

/** A run sent to a child. */
export interface ChildRunRequest {
  type: 'run';
  index: number;
  runCfg: TrainConfig;
  configFile: string;
  outDir: string;
  resume?: boolean;
  workers?: number;
  keepCheckpoints?: boolean;
}

let stop = false;
process.on('SIGINT', () => {
  stop = true;
});
process.on('SIGTERM', () => {
  stop = true;
});
process.on('message', (m: ChildRunRequest | { type: 'stop' } | { type: 'exit' }) => {
  if (m.type === 'stop') {
    stop = true;
    return;
  }
  if (m.type === 'exit') {
    process.disconnect?.();
    return;
  }
  void (async () => {
    try {
      const summary = await runTraining(m.runCfg, m.configFile, {
        outDir: m.outDir,
        resume: m.resume,
        force: true,
        workers: m.workers,
        keepCheckpoints: m.keepCheckpoints,
        shouldStop: () => stop,
        log: (line) => process.send?.({ type: 'log', index: m.index, line }),
        onRound: (row, total) => process.send?.({ type: 'round', index: m.index, row, total }),
      });
      process.send?.({ type: 'done', index: m.index, summary });
    } catch (e) {
      process.send?.({
        type: 'error',
        index: m.index,
        input: isInputError(e),
        where: isInputError(e) ? e.where : '',
        message: (e as Error).message,
        stack: (e as Error).stack,
      });
    }
  })();
});
