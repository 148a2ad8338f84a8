/**
 * Library calls given nonsense (null, numbers, objects where a path goes, missing options)
 * raise a DflsimInputError that names the function's argument (`loadConfig: file`,
 * `runExperiment: opts.outDir`, `request`), never a TypeError from deep inside. Each case
 * is checked through the public entry (`src/index.ts`).
 */
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

type Call = [label: string, call: () => unknown, where: RegExp];

/** The error a call raises (sync or async), or undefined when it raised none. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

const trainCfg = () => api.loadConfig('experiments/quick-demo.json');
const any = (v: unknown) => v as never;

const CASES: Call[] = [
  ['loadConfig(null)', () => api.loadConfig(any(null)), /^loadConfig: file$/],
  ['loadConfig(42)', () => api.loadConfig(any(42)), /^loadConfig: file$/],
  ['loadConfig({})', () => api.loadConfig(any({})), /^loadConfig: file$/],
  ['loadConfig(file, "x")', () => api.loadConfig('experiments/quick-demo.json', any('x')), /^loadConfig: overrides$/],
  ['validateConfig({}, undefined)', () => api.validateConfig({}, any(undefined)), /^validateConfig: source$/],
  ['validateConfig(null, source)', () => api.validateConfig(null, 'cfg.json'), /^cfg\.json$/],
  ['validateConfig(42, source)', () => api.validateConfig(42, 'cfg.json'), /^cfg\.json$/],
  ['runExperiment(null, opts)', () => api.runExperiment(any(null), { outDir: 'x' }), /^runExperiment: file$/],
  ['runExperiment(file, null)', () => api.runExperiment('experiments/quick-demo.json', any(null)), /^runExperiment: opts$/],
  [
    'runExperiment(file, {outDir: 5})',
    () => api.runExperiment('experiments/quick-demo.json', any({ outDir: 5 })),
    /^runExperiment: opts\.outDir$/,
  ],
  ['runTraining(null, ...)', () => api.runTraining(any(null), 'c.json', { outDir: 'x' } as never), /^runTraining: cfg$/],
  ['runTraining({}, ...)', () => api.runTraining(any({}), 'c.json', { outDir: 'x' } as never), /^runTraining: cfg\.kind$/],
  ['runTraining(cfg, 42, ...)', () => api.runTraining(any(trainCfg()), any(42), { outDir: 'x' } as never), /^runTraining: configFile$/],
  ['runTraining(cfg, file, null)', () => api.runTraining(any(trainCfg()), 'c.json', any(null)), /^runTraining: opts$/],
  ['runTraining(cfg, file, {})', () => api.runTraining(any(trainCfg()), 'c.json', any({})), /^runTraining: opts\.outDir$/],
  ['computeCycleTimes(null)', () => api.computeCycleTimes(any(null)), /^request$/],
  ['computeCycleTimes(42)', () => api.computeCycleTimes(any(42)), /^request$/],
  ['computeCycleTimes({network: null})', () => api.computeCycleTimes(any({ network: null, workload: 'femnist' })), /^network$/],
  ['computeCycleTimes({workload: 5})', () => api.computeCycleTimes(any({ network: 'gaia-cities', workload: 5 })), /^workload$/],
  ['prepareContext(null)', () => api.prepareContext(any(null)), /^request$/],
  ['loadUnderlay(null)', () => api.loadUnderlay(any(null)), /^loadUnderlay: spec$/],
  ['loadUnderlay({})', () => api.loadUnderlay(any({})), /^loadUnderlay: spec$/],
  ['underlayFromGml(null, file)', () => api.underlayFromGml(any(null), 'x.gml'), /^underlayFromGml: text$/],
  ['underlayFromGml(text, 42)', () => api.underlayFromGml('graph [ ]', any(42)), /^underlayFromGml: file$/],
  ['networkFromGraphology(null)', () => api.networkFromGraphology(any(null)), /^network$/],
  ['registerModel(null, ...)', () => api.registerModel(any(null), any(null)), /^registerModel: name$/],
  ['registerModel(name, null)', () => api.registerModel('my-model', any(null)), /^registerModel: definition$/],
  ['registerModel(name, {build: 5})', () => api.registerModel('my-model', any({ build: 5 })), /^registerModel: definition$/],
  ['registerDataset(42, ...)', () => api.registerDataset(any(42), any({})), /^registerDataset: name$/],
  ['registerDataset(name, null)', () => api.registerDataset('my-data', any(null)), /^registerDataset: my-data$/],
  ['registerTopology(null)', () => api.registerTopology(any(null)), /^registerTopology: topology$/],
  ['registerTopology(42)', () => api.registerTopology(any(42)), /^registerTopology: topology$/],
  ['registerTopology({name: 5})', () => api.registerTopology(any({ name: 5 })), /^registerTopology: topology$/],
  ['buildSchedule(null, ...)', () => api.buildSchedule(any(null), 'ring', 5, [1, 1]), /^buildSchedule: ctx$/],
  ['buildSchedule({}, ...)', () => api.buildSchedule(any({}), 'ring', 5, [1, 1]), /^buildSchedule: ctx$/],
];

describe('library calls refuse nonsense arguments with a DflsimInputError naming the argument', () => {
  it.each(CASES)('%s', async (_label, call, where) => {
    const e = await errorOf(call);
    expect(e).toBeInstanceOf(api.DflsimInputError);
    expect((e as api.DflsimInputError).where).toMatch(where);
  });

  it('buildSchedule names its topology, rounds and shard sizes', () => {
    const ctx = api.prepareContext({ network: 'gaia-cities', workload: 'femnist' });
    const sizes = new Array<number>(11).fill(10); // gaia-cities: 11 silos
    const where = (call: () => unknown) => {
      try {
        call();
      } catch (e) {
        return e instanceof api.DflsimInputError ? e.where : `not an input error: ${String(e)}`;
      }
      return 'no error';
    };
    expect(where(() => api.buildSchedule(ctx, any(null), 5, sizes))).toBe('buildSchedule: topology');
    expect(where(() => api.buildSchedule(ctx, 'ring', any('5'), sizes))).toBe('buildSchedule: rounds');
    expect(where(() => api.buildSchedule(ctx, 'ring', 0, sizes))).toBe('buildSchedule: rounds');
    expect(where(() => api.buildSchedule(ctx, 'ring', 5, any(null)))).toBe('buildSchedule: shardSizes');
    expect(where(() => api.buildSchedule(ctx, 'ring', 5, any(['a'])))).toBe('buildSchedule: shardSizes');
    // and a good call still builds
    expect(api.buildSchedule(ctx, 'ring', 5, sizes).n).toBe(11);
  });
});
