/**
 * A run's metrics are a function of its resolved config and seed only: the same configs
 * run one after another in one process (in either order) give exactly the metrics each
 * gives alone in a fresh process (the real TensorFlow.js trainer, the linear model).
 * Before the fix, the model's initial weights were drawn from streams keyed by the
 * process-unique TensorFlow.js variable names (`dense_Dense2/kernel`, ...), so every
 * model built after the first started elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { runTraining } from '../../src/experiment/runner.js';
import type { MetricRow } from '../../src/learning/dpasgd.js';
import { networkFile, ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

const base = {
  kind: 'train',
  network: networkFile('gaia'),
  model: { name: 'linear', inputSize: 16 },
  dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 6 },
  rounds: 4,
  batchSize: 4,
  lr: 0.01,
  evalEvery: 1,
  evalSilos: true,
  seed: 3,
  backend: 'wasm',
  threads: 1,
};
/** Two RING runs that differ only in a field RING ignores, and a multigraph run. */
const variants = [
  { name: 'ring-t3', topology: 'ring', tMax: 3 },
  { name: 'ring-t5', topology: 'ring', tMax: 5 },
  { name: 'mg-t3', topology: 'multigraph-ring', tMax: 3 },
];

type Row = Omit<MetricRow, 'wallMs'>;
const dropWall = ({ wallMs: _w, ...rest }: MetricRow): Row => rest;

/** metrics.csv back into rows (numbers printed by JS round-trip exactly). */
function readMetrics(file: string): Row[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    const r = Object.fromEntries(cols.map((c, i) => [c, cells[i] === '' ? null : Number(cells[i])])) as unknown as MetricRow;
    return dropWall(r);
  });
}

describe('run order', () => {
  it('runs in one process, in either order, equal the same runs alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-run-order-'));
    // each config alone, in its own process
    const alone: Row[][] = variants.map((v) => {
      const file = path.join(dir, `${v.name}.json`);
      writeFileSync(file, JSON.stringify({ ...base, ...v }));
      const out = path.join(dir, `alone-${v.name}`);
      const r = spawnSync(process.execPath, [BIN, 'run', file, '--out', out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return readMetrics(path.join(out, 'metrics.csv'));
    });
    expect(alone[0]).toHaveLength(4);
    // RING does not read tMax: alone, its two runs are the same run
    expect(alone[1]).toEqual(alone[0]);
    expect(alone[2]).not.toEqual(alone[0]);

    // all of them in this process, forwards then backwards (every run here follows another)
    const inProcess = async (order: number[], tag: string): Promise<Row[][]> => {
      const got: Row[][] = [];
      for (const i of order) {
        const v = variants[i]!;
        const file = path.join(dir, `${v.name}.json`);
        const cfg = validateConfig(JSON.parse(readFileSync(file, 'utf8')), file) as TrainConfig;
        const s = await runTraining(cfg, file, { outDir: path.join(dir, `${tag}-${v.name}`) });
        expect(s.completed).toBe(true);
        got[i] = readMetrics(path.join(dir, `${tag}-${v.name}`, 'metrics.csv'));
      }
      return got;
    };
    const forwards = await inProcess([0, 1, 2], 'fwd');
    const backwards = await inProcess([2, 1, 0], 'bwd');
    for (let i = 0; i < variants.length; i++) {
      expect(forwards[i], `${variants[i]!.name} after others (forwards)`).toEqual(alone[i]);
      expect(backwards[i], `${variants[i]!.name} after others (backwards)`).toEqual(alone[i]);
    }
  }, 180_000);
});
