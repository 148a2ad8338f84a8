/**
 * Users' models in configs and jobs: `model.name` / `path` / `module` (one of them), `init`
 * and `loss`; a model registered in-process only trains in this thread; queued runs carry a
 * model file by content and never make a worker import a module.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { buildRunJob, checkRunJob, jobId, RefusedJobError } from '../../src/experiment/queue/job.js';
import { checkModelPlacement } from '../../src/experiment/run-trainer.js';
import { registerModel } from '../../src/index.js';
import { kerasStyleCnn, saveModelFiles } from '../learning/tf/model-files.js';

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected a DflsimInputError');
}

const train = (model: unknown): TrainConfig =>
  validateConfig({ kind: 'train', network: 'gaia', model, dataset: { kind: 'synthetic-characters' } }, 'x.json') as TrainConfig;

describe('model configs', () => {
  it('takes one of name, path and module; init only with a path; a known loss', () => {
    expect(train({ path: 'm/model.json', init: 'seeded', loss: 'categorical-crossentropy' }).model).toEqual({
      path: 'm/model.json',
      init: 'seeded',
      loss: 'categorical-crossentropy',
      inputSize: 28,
    });
    expect(train({ module: 'm.mjs' }).model).toEqual({ module: 'm.mjs', inputSize: 28 });
    let e = errorOf(() => train({ name: 'femnist-cnn', path: 'm/model.json' }));
    expect(e.message).toMatch(/model\.path: give one of "name", "path" and "module", not "name" and "path"/);
    e = errorOf(() => train({ module: 'm.mjs', init: 'file' }));
    expect(e.message).toMatch(/model\.init: only a model file \("path"\) has weights to start from/);
    e = errorOf(() => train({ name: 'femnist-cnm' }));
    expect(e.message).toMatch(/model\.name: unknown model "femnist-cnm" \(did you mean "femnist-cnn"\?\)/);
    e = errorOf(() => train({ name: 'femnist-cnn', loss: 'hinge' }));
    expect(e.where).toBe('x.json: model.loss');
  });

  it('a model registered in-process only: no worker threads, no silo queue (field named)', () => {
    registerModel('in-process-mlp', {
      build: ({ tf, inputShape, classes }) =>
        tf.sequential({ layers: [tf.layers.flatten({ inputShape }), tf.layers.dense({ units: classes ?? 1 })] }),
      loss: 'categorical-crossentropy',
    });
    const cfg = train({ name: 'in-process-mlp' });
    expect(() => checkModelPlacement(cfg, { workers: 1, field: 'x.json: ' })).not.toThrow();
    let e = errorOf(() => checkModelPlacement(cfg, { workers: 2, field: 'x.json: ' }));
    expect(e.where).toBe('x.json: workers');
    expect(e.message).toMatch(/registered in this process without a "module"/);
    e = errorOf(() => checkModelPlacement(cfg, { siloQueue: true, field: 'x.json: ' }));
    expect(e.where).toBe('x.json: distributeSilos');
    // with a module, worker threads can build it
    registerModel('with-module-mlp', { build: () => kerasStyleCnn(), loss: 'categorical-crossentropy', module: '/somewhere/mlp.mjs' });
    expect(() => checkModelPlacement(train({ name: 'with-module-mlp' }), { workers: 2, field: '' })).not.toThrow();
  });
});

describe('model files and modules in queued jobs', () => {
  const meta = { experiment: 'e', label: 'run', runDir: '.', build: 'b', prefix: 'dflsim' };
  const check = { build: 'b', prefix: 'dflsim' };

  it('refuses a module at the coordinator and at the worker', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-job-module-'));
    const cfgFile = path.join(dir, 'exp.json');
    writeFileSync(path.join(dir, 'm.mjs'), 'export function createModel() {}\n');
    const cfg = train({ module: 'm.mjs' });
    const e = errorOf(() => buildRunJob(cfg, cfgFile, meta));
    expect(e.where).toBe(`${cfgFile}: model.module`);
    expect(e.message).toMatch(/never makes a worker import a module/);
    // a forged job carrying model.module is refused before anything runs
    const job = buildRunJob(train({ name: 'femnist-cnn' }), cfgFile, meta);
    const forged = { ...job.data, config: { ...job.data.config, model: { module: '/tmp/evil.mjs', inputSize: 28 } } };
    const id = jobId(forged);
    expect(() => checkRunJob(forged, id, path.join(dir, 'work'), check)).toThrow(RefusedJobError);
    expect(() => checkRunJob(forged, id, path.join(dir, 'work'), check)).toThrow(
      /model\.module: a queued job never makes a worker import a module/,
    );
  });

  it("carries a model file and its shards as model/<name>; a job's model.path stays in the working directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-job-file-'));
    await saveModelFiles(kerasStyleCnn(), path.join(dir, 'my-model'), 2);
    const cfgFile = path.join(dir, 'exp.json');
    const job = buildRunJob(train({ path: 'my-model/model.json' }), cfgFile, meta);
    expect(Object.keys(job.data.files).sort()).toEqual(['model/group1-shard1of2.bin', 'model/group1-shard2of2.bin', 'model/model.json']);
    expect(job.data.config.model.path).toBe('model/model.json');
    const work = path.join(dir, 'work');
    const checked = checkRunJob(job.data, job.id, work, check);
    expect(checked.writes.map((w) => path.relative(work, w.file)).sort()).toEqual([
      'model/group1-shard1of2.bin',
      'model/group1-shard2of2.bin',
      'model/model.json',
    ]);
    for (const bad of ['../model.json', '/etc/model.json', 'network/model.json']) {
      const forged = { ...job.data, config: { ...job.data.config, model: { path: bad, inputSize: 28 } } };
      expect(() => checkRunJob(forged, jobId(forged), work, check)).toThrow(/model\.path .* is not a model file the job carries/);
    }
  });
});
