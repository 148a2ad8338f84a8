/**
 * The silo pool: a round's silos trained in parallel by worker threads give the same bits
 * as in the main thread, whatever the worker count, and a run checkpointed with 2 workers
 * resumes with 1 to the same end as an uninterrupted run (FADNet with its batch norm and
 * seeded dropout, the multigraph with its stale copies, per-silo evaluation).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig, type TrainConfig } from '../../../src/experiment/config.js';
import { runTraining } from '../../../src/experiment/runner.js';
import { networkFile } from '../../helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'pool.json');
const raw = {
  kind: 'train',
  name: 'pool',
  network: networkFile('gaia'),
  topology: 'multigraph-ring',
  workload: { name: 'f', modelSizeBits: 10943360, computeMs: 25 },
  model: { name: 'fadnet', inputSize: 32 },
  // a test set of more than one evaluation batch (64): the pool splits evaluations at batch boundaries
  dataset: { kind: 'synthetic-driving', sequences: 44, framesPerSequence: 9 },
  rounds: 4,
  batchSize: 4,
  localSteps: 2,
  evalEvery: 2,
  evalSilos: true,
  checkpointEvery: 2,
  seed: 5,
  backend: 'wasm',
};
writeFileSync(file, JSON.stringify(raw));
const cfg = validateConfig(raw, file) as TrainConfig;

/** metrics.csv without the wall-clock column. */
function metrics(out: string): string {
  return readFileSync(path.join(out, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const c = l.split(',');
      c.splice(2, 1);
      return c.join(',');
    })
    .join('\n');
}

describe('silo pool', () => {
  let inMain = '';
  it('gives the same metrics with 1 (main thread), 2 and 3 workers', async () => {
    const byWorkers: string[] = [];
    for (const workers of [1, 2, 3]) {
      const out = path.join(dir, `w${workers}`);
      const s = await runTraining(cfg, file, { outDir: out, workers });
      expect(s.backend.workers).toBe(workers);
      expect(s.completed).toBe(true);
      expect(JSON.parse(readFileSync(path.join(out, 'config.resolved.json'), 'utf8')).backend.workers).toBe(workers);
      byWorkers.push(metrics(out));
    }
    inMain = byWorkers[0];
    expect(inMain.split('\n')).toHaveLength(5);
    expect(byWorkers[1]).toBe(inMain);
    expect(byWorkers[2]).toBe(inMain);
  });

  it('resumes a checkpoint written with 2 workers in a run with 1, to the same end', async () => {
    const out = path.join(dir, 'resume');
    let rounds = 0;
    const first = await runTraining(cfg, file, {
      outDir: out,
      workers: 2,
      onRound: () => {
        rounds++;
      },
      shouldStop: () => rounds >= 2,
    });
    expect(first.interrupted).toBe(true);
    expect(first.rounds).toBe(2);
    const second = await runTraining(cfg, file, { outDir: out, workers: 1, resume: true });
    expect(second.completed).toBe(true);
    expect(metrics(out)).toBe(inMain);
  });

  it('with failures (down silos on the event clock, ring mixing rows mixed as results arrive): 2 workers equal 1', async () => {
    const raw2 = {
      ...raw,
      name: 'pool-down',
      topology: 'ring',
      clock: 'events',
      evalSilos: false,
      failures: { silos: [{ silo: 'Dublin', fromRound: 1, toRound: 2 }], rate: { perRound: 0.2, meanDownRounds: 1 } },
    };
    const f2 = path.join(dir, 'pool-down.json');
    writeFileSync(f2, JSON.stringify(raw2));
    const cfg2 = validateConfig(raw2, f2) as TrainConfig;
    const got: string[] = [];
    for (const workers of [1, 2]) {
      const out = path.join(dir, `down${workers}`);
      await runTraining(cfg2, f2, { outDir: out, workers });
      got.push(metrics(out));
    }
    // some rounds had silos down (the `down` column), and the runs agree
    const header = got[0]!.split('\n')[0]!.split(',');
    const downCol = header.indexOf('down');
    expect(downCol).toBeGreaterThan(0);
    expect(
      got[0]!
        .split('\n')
        .slice(1)
        .some((l) => Number(l.split(',')[downCol]) > 0),
    ).toBe(true);
    expect(got[1]).toBe(got[0]);
  });
});
