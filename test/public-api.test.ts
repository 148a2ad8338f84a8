/**
 * The public library API: `src/index.ts`, the package's one entry. Its names are listed
 * here, so adding, renaming or removing one fails this test until the list says so: a
 * visible decision. Each name is documented where it is defined; the index holds
 * re-exports only; `dflsim` resolves to it and nothing deeper does; the engine entry points
 * train with a trainer of one's own; the README's library examples run as written.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { fakeTrainer } from './learning/fake-trainer.js';
import { ROOT } from './helpers.js';

/** The values (functions, classes, constants) of the public API. */
const VALUES = [
  // errors
  'DflsimInputError',
  'isInputError',
  // networks
  'loadUnderlay',
  'shapeNetwork',
  'selectSilos',
  'keepLargestComponent',
  'displayLabel',
  'builtinNetworkNames',
  'underlayFromGml',
  'nodeNames',
  'geodesicKm',
  'networkFromGraphology',
  'networkToGraphology',
  'isGraphologyGraph',
  'generateNetwork',
  'buildConnectivityGraph',
  // topologies
  'findTopology',
  'getTopologyValue',
  'topologyNames',
  'topologyPatternNames',
  'registerTopology',
  'staticPlan',
  'timeVaryingPlan',
  'overlayFromPairs',
  'UNIFORM_MIXING',
  'SCHEME_MIXING',
  'EXPLICIT_MIXING',
  'LOCAL_MIXING',
  'readOverlayFile',
  'toOverlayFile',
  'toGraphology',
  'describeMultigraph',
  // cycle times and clocks
  'computeCycleTimes',
  'prepareContext',
  'timeTopologies',
  'buildOnClock',
  'defaultTopologies',
  'clockedPlan',
  // plans for your own trainer
  'planRounds',
  'preparePlanExport',
  'planExportOnContext',
  'writePlanJsonl',
  'writePlanNpz',
  'planNpzArrays',
  'PLAN_SCHEMA',
  'PLAN_CYCLE_TIME_DEFINITION',
  'MAX_PLAN_NPZ_BYTES',
  'exportRun',
  'mixingRule',
  'overlayCycleTime',
  'maxCycleMean',
  'WORKLOAD_PRESETS',
  'getWorkload',
  'gbpsToBitsPerSec',
  'latencyMsFromKm',
  'transferMs',
  'createRng',
  // users' own data
  'checkTensorDataset',
  'datasetSummary',
  'alignTestDataset',
  'readNpzDataset',
  'readNpyDataset',
  'readNpy',
  'readCsvDataset',
  'readImageFolder',
  'partitionTensor',
  'splitTensor',
  'splitShards',
  'concatShards',
  'encodeNpy',
  'encodeNpz',
  'writeNpz',
  'registerDataset',
  'registeredDatasetNames',
  'loadUserData',
  'USER_DATA_KINDS',
  // experiments
  'runExperiment',
  'loadConfig',
  'validateConfig',
  'configJsonSchema',
  'runTraining',
  // training with one's own trainer
  'initEngineState',
  'runRounds',
  'runRoundsAsync',
  'buildSchedule',
  'scheduleFromPlan',
  // your own model
  'registerModel',
  'modelNames',
  'LOSS_NAMES',
  'checkModelData',
  // analysis
  'meanInterval',
  'pairedTTest',
  'welchTTest',
  'decideVerdict',
  'DEFAULT_VERDICT_RULES',
  'trainingVerdict',
  'meanCurves',
  // reports
  'experimentSummaryText',
  'readResults',
  'publishResults',
  'metricsDigest',
  'readPublishedCondition',
  'comparePublished',
  'writeReport',
  'renderMarkdown',
];

/** The types (interfaces and type aliases) of the public API; erased at run time, read from the index's source. */
const TYPES = [
  // networks
  'Underlay',
  'UnderlayLink',
  'Coordinate',
  'SiloAttributes',
  'MissingCoordinates',
  'GmlUnderlayOptions',
  'LoadUnderlayOptions',
  'NetworkShapeOptions',
  'ComponentChoice',
  'GraphologyNetworkOptions',
  'NetworkNodeAttributes',
  'NetworkEdgeAttributes',
  'NetworkGraphAttributes',
  'GenerateOptions',
  'ConnectivityGraph',
  'ConnectivityOptions',
  'LinkCapacities',
  // topologies
  'Topology',
  'TopologyPattern',
  'TopologyFamily',
  'TopologySupports',
  'TopologyNeeds',
  'TopologyLists',
  'TopologyDisplay',
  'TopologyContext',
  'TopologyPlan',
  'StaticPlanOptions',
  'TimeVaryingSpec',
  'RoundGraph',
  'PlanMixing',
  'MixingRule',
  'MixingInputs',
  'MixingRows',
  'MixTerm',
  'StaticScheme',
  'Overlay',
  'OverlayEdge',
  'RoundState',
  'RoundWeights',
  'SiloPair',
  'OverlayFile',
  'ToGraphologyOptions',
  'RoundToGraphologyOptions',
  'SiloNodeAttributes',
  'OverlayEdgeAttributes',
  'OverlayGraphAttributes',
  'RoundNodeAttributes',
  'RoundEdgeAttributes',
  'RoundGraphAttributes',
  'MultigraphReport',
  // cycle times and clocks
  'CycleTimeRequest',
  'CycleTimeReport',
  'NamedStragglers',
  'NamedFailures',
  'TopologyResult',
  'ClockedPlan',
  'PlanRound',
  'PlanMixTerm',
  'PlanExport',
  'PlanExportRequest',
  'PlanHeader',
  'ExportedRun',
  'ClockChoice',
  'MaxPlusRounds',
  'Sharing',
  'CycleTimeResult',
  'CycleMean',
  'Workload',
  'Rng',
  // users' own data
  'TensorDataset',
  'TensorShard',
  'DatasetDefinition',
  'DatasetLoadContext',
  'LoadedUserData',
  'NpyArrayInput',
  'NpyDtype',
  'NpyNumericInput',
  'NpyStringInput',
  'UserDataSpec',
  'DatasetSummary',
  'NpzDatasetOptions',
  'NpyArray',
  'NpyParseOptions',
  'CsvDatasetOptions',
  'ImageFolderOptions',
  'ImageDecoder',
  'TensorPartitionSpec',
  'TensorSplitOptions',
  'TensorSplit',
  'ShardSplit',
  // experiments
  'ExperimentOptions',
  'ExperimentResult',
  'ReportCycleTimes',
  'ExperimentConfig',
  'TrainConfig',
  'CycleTimeConfig',
  'ConfigOverride',
  'RunOptions',
  'RunSummary',
  // training
  'EngineState',
  'EngineData',
  'EngineOptions',
  'MetricRow',
  'SiloShard',
  'TrainingSchedule',
  'RoundPlan',
  'LocalTrainer',
  'LocalTrainResult',
  'Batch',
  'Evaluation',
  'OptimizerState',
  'SiloJob',
  // your own model
  'ModelDefinition',
  'ModelBuildOptions',
  'LossName',
  'StepTimeDefault',
  'DataShape',
  'ModelShape',
  // analysis
  'Interval',
  'TTest',
  'Verdict',
  'VerdictInput',
  'VerdictRules',
  'VerdictOutcome',
  'SeedRun',
  'Comparison',
  'ConditionResult',
  'AnalysedRun',
  'BandPoint',
  // reports
  'ReportPaths',
  'PublishedFiles',
  'ReportOptions',
  'PublishedCondition',
  'PublishedComparison',
  'ReportData',
  'ReportRun',
  // referenced by the public signatures above (documented with them)
  'EventCycleTimeOptions',
  'SiloTimes',
  'SiloRoundTimes',
  'RoundExchanges',
  'RoundEnds',
  'StragglerSpec',
  'AvailabilitySpec',
  'TimingParams',
  'ProfileSummary',
  'BaseGraphVariant',
  'MultigraphStats',
  'LoadUserDataOptions',
  'NpzDataSpec',
  'NpyDataSpec',
  'CsvDataSpec',
  'ImageFolderDataSpec',
  'RegisteredDataSpec',
  'SimulationRecord',
  'Task',
  'SiloDownInterval',
  'LinkDownInterval',
  'FeatureScaling',
  'LabelTask',
];

const INDEX = path.join(ROOT, 'src', 'index.ts');

/** The index's re-exports: each name, whether it is type-only, and the module it comes from. */
function reExports(): { name: string; type: boolean; from: string }[] {
  const text = readFileSync(INDEX, 'utf8');
  const out: { name: string; type: boolean; from: string }[] = [];
  for (const m of text.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)';/g)) {
    for (const part of m[2]
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const type = !!m[1] || part.startsWith('type ');
      out.push({ name: part.replace(/^type\s+/, ''), type, from: m[3] });
    }
  }
  return out;
}

describe('the public API (src/index.ts)', () => {
  it('exports exactly the listed values', () => {
    const names = Object.keys(api).sort();
    expect(names).toEqual([...VALUES].sort());
    for (const n of names) expect((api as Record<string, unknown>)[n], n).toBeDefined();
  });

  it('exports exactly the listed types, by re-exports only (no export *, no code of its own)', () => {
    const found = reExports();
    expect(
      found
        .filter((e) => e.type)
        .map((e) => e.name)
        .sort(),
    ).toEqual([...TYPES].sort());
    expect(
      found
        .filter((e) => !e.type)
        .map((e) => e.name)
        .sort(),
    ).toEqual([...VALUES].sort());
    // with comments and re-exports taken out, nothing is left
    const rest = readFileSync(INDEX, 'utf8')
      .replace(/\/\*\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/export\s+(type\s+)?\{[^}]*\}\s*from\s*'[^']+';/g, '');
    expect(rest.trim()).toBe('');
  });

  it('documents every public name where it is defined (TSDoc on the declaration)', () => {
    const undocumented: string[] = [];
    for (const { name, from } of reExports()) {
      const file = path.join(ROOT, 'src', from.replace(/\.js$/, '.ts'));
      const text = readFileSync(file, 'utf8');
      const decl = new RegExp(
        `^export\\s+(?:declare\\s+)?(?:async\\s+)?(?:function\\*?|const|let|class|interface|type|enum)\\s+${name}\\b`,
        'm',
      ).exec(text);
      if (!decl) {
        undocumented.push(`${name}: no declaration in ${from}`);
        continue;
      }
      // the declaration's own comment ends right before it (overloads: the first signature's)
      if (!/\*\/\s*$/.test(text.slice(0, decl.index))) undocumented.push(`${name} (${from})`);
    }
    expect(undocumented).toEqual([]);
  });

  it("is the package's one entry: `dflsim` resolves to it, deeper paths are refused", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      exports: Record<string, unknown>;
    };
    expect(pkg.main).toBe('dist/src/index.js');
    expect(pkg.types).toBe('dist/src/index.d.ts');
    expect(pkg.exports).toEqual({
      '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      './package.json': './package.json',
    });
    // a module inside the package may import it by name (Node's self-reference), as a user's code does
    const probe =
      "const m = await import('dflsim'); let deep = 'resolved'; try { await import('dflsim/dist/src/experiment/runner.js'); } catch (e) { deep = e.code; } console.log(JSON.stringify({ names: Object.keys(m).sort(), deep }));";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { names: string[]; deep: string };
    expect(out.names).toEqual([...VALUES].sort());
    expect(out.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);

  it("trains DPASGD with a trainer of one's own through the public entry points", () => {
    // 4 silos of y = 2x + 1 on a ring of a built-in network, plain SGD on a linear model
    const ctx = api.prepareContext({ network: 'gaia-cities', workload: 'femnist', rounds: 30 });
    const n = ctx.cg.n;
    const shard = (seed: number): api.SiloShard => {
      const x = Float32Array.from({ length: 16 }, (_, i) => ((i * 7 + seed * 3) % 16) / 16);
      return { x, y: x.map((v) => 2 * v + 1), size: 16 };
    };
    const data: api.EngineData = { shards: Array.from({ length: n }, (_, i) => shard(i)), test: shard(99) };
    const schedule = api.buildSchedule(
      ctx,
      'ring',
      30,
      data.shards.map((s) => s.size),
    );
    const trainer = fakeTrainer(1);
    const start = api.initEngineState(trainer, n, 1);
    // the untrained model: every silo's initial weights averaged, on the test set
    const mean = start.weights[0].map((_, j) => start.weights.reduce((a, w) => a + w[j], 0) / n);
    const untrained = trainer.evaluate(mean, data.test.x, data.test.y).rmse!;
    const opts: api.EngineOptions = { rounds: 30, localSteps: 1, batchSize: 4, lr: 0.2, seed: 1, evalEvery: 10 };
    const end = api.runRounds(start, trainer, schedule, data, opts);
    expect(end.done).toBe(true);
    expect(end.metrics).toHaveLength(30);
    // the simulated clock is the topology's: RING's rounds end where its plan says
    expect(end.simulatedMs).toBe(schedule.plan(29).endMs);
    const final = end.metrics.at(-1)!.testRmse!;
    expect(untrained).toBeGreaterThan(1);
    expect(final).toBeLessThan(untrained / 5);
  });
});

describe("the README's library examples", () => {
  /** The ```js blocks of the README's "As a library" section. */
  function examples(): string[] {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## As a library'), readme.indexOf('\n## ', readme.indexOf('\n## As a library') + 1));
    return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  }

  it('run as written and print what the README says', () => {
    const blocks = examples();
    expect(blocks).toHaveLength(4);
    // a user's project: dflsim and graphology installed beside the example, results in its own directory
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-readme-'));
    try {
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(ROOT, path.join(dir, 'node_modules', 'dflsim'));
      for (const dep of ['graphology', 'graphology-metrics'])
        symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(dir, 'node_modules', dep));
      mkdirSync(path.join(dir, 'experiments'));
      writeFileSync(
        path.join(dir, 'experiments', 'multigraph-t-sweep.json'),
        readFileSync(path.join(ROOT, 'experiments', 'multigraph-t-sweep.json')),
      );
      const run = (i: number): string => {
        writeFileSync(path.join(dir, `example-${i}.mjs`), blocks[i]);
        const r = spawnSync(process.execPath, [`example-${i}.mjs`], { cwd: dir, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout;
      };
      expect(run(0)).toBe('star: 288.73 ms\nring: 57.59 ms\nmultigraph-ring: 16.75 ms\n');
      expect(run(1)).toBe('ring: 24.21 ms per round\n4 silos, 4 directed edges, diameter 3\n');
      const plan = run(2).split('\n');
      expect(plan.slice(0, 3)).toEqual([
        '11 silos, 12 rounds (period 12)',
        'round 0: 11 strong edges, isolated [], ends 57.59 ms; silo 0 <- 0.70 x silo 0 + 0.30 x silo 10',
        'round 1: 3 strong edges, isolated [0,7,8,9,10], ends 63.73 ms; silo 0 <- 1.00 x silo 0',
      ]);
      expect(plan).toHaveLength(14); // the header, 12 rounds and the final newline
      const third = run(3);
      expect(third).toMatch(/^cycle time \(ms per round\)\n/);
      expect(third).toMatch(/gaia-cities\s+tMax=5\s+57\.6\s+16\.7\s+/);
      expect(third).toContain('report: results/multigraph-t-sweep/report.html\n');
      expect(readFileSync(path.join(dir, 'results', 'multigraph-t-sweep', 'report.md'), 'utf8')).toContain('multigraph-t-sweep');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
