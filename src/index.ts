/**
 * dflsim's public library API: a deliberate set of re-exports, each documented where it is
 * defined. Everything else under `src/` is internal and may change without notice (the
 * package's `exports` map refuses deep imports). `test/public-api.test.ts` lists these
 * names, so adding, renaming or removing one is a visible decision.
 */

// Errors: bad input is a DflsimInputError naming where (a file and line, a field, a flag) and what.
export { DflsimInputError, isInputError } from './errors.js';

// Networks: built-in ones, GML files, graphology graphs, generated ones; the connectivity graph.
export { loadUnderlay, type LoadUnderlayOptions } from './network/load.js';
export { shapeNetwork, selectSilos, keepLargestComponent, type NetworkShapeOptions, type ComponentChoice } from './network/silos.js';
export { displayLabel } from './network/labels.js';
export { builtinNetworkNames } from './network/builtin.js';
export {
  underlayFromGml,
  geodesicKm,
  nodeNames,
  type Underlay,
  type UnderlayLink,
  type Coordinate,
  type SiloAttributes,
  type MissingCoordinates,
  type GmlUnderlayOptions,
} from './network/underlay.js';
export {
  networkFromGraphology,
  networkToGraphology,
  isGraphologyGraph,
  type GraphologyNetworkOptions,
  type NetworkNodeAttributes,
  type NetworkEdgeAttributes,
  type NetworkGraphAttributes,
} from './network/graphology.js';
export { generateNetwork, type GenerateOptions } from './network/generate.js';
export { buildConnectivityGraph, type ConnectivityGraph, type ConnectivityOptions, type LinkCapacities } from './network/connectivity.js';

// Topologies: the catalogue, the values in it, their plans and round states, and the helpers
// that make a new topology one file (registerTopology, staticPlan, timeVaryingPlan, a mixing rule).
export { findTopology, getTopologyValue, topologyNames, topologyPatternNames, registerTopology } from './overlay/catalogue.js';
export {
  staticPlan,
  timeVaryingPlan,
  type Topology,
  type TopologyPattern,
  type TopologyFamily,
  type TopologySupports,
  type TopologyNeeds,
  type TopologyLists,
  type TopologyDisplay,
  type TopologyContext,
  type TopologyPlan,
  type StaticPlanOptions,
  type TimeVaryingSpec,
  type RoundGraph,
} from './overlay/topology.js';
export {
  UNIFORM_MIXING,
  SCHEME_MIXING,
  EXPLICIT_MIXING,
  LOCAL_MIXING,
  type PlanMixing,
  type MixingRule,
  type MixingInputs,
  type MixingRows,
  type MixTerm,
  type StaticScheme,
} from './overlay/mixing-rules.js';
export { overlayFromPairs, overlayCycleTime, type Overlay, type OverlayEdge } from './overlay/overlay.js';
export type { RoundState, RoundWeights, SiloPair } from './overlay/round-state.js';
export { readOverlayFile, toOverlayFile, type OverlayFile } from './overlay/overlay-file.js';
export {
  toGraphology,
  type ToGraphologyOptions,
  type RoundToGraphologyOptions,
  type SiloNodeAttributes,
  type OverlayEdgeAttributes,
  type OverlayGraphAttributes,
  type RoundNodeAttributes,
  type RoundEdgeAttributes,
  type RoundGraphAttributes,
} from './overlay/graphology.js';
export { describeMultigraph, type MultigraphReport } from './experiment/multigraph-report.js';

// Cycle times and clocks: a comparison in one call, or a context whose plans run on the chosen
// clock (max-plus, exact; or the event clock with fair sharing, stragglers and failures).
export {
  computeCycleTimes,
  prepareContext,
  timeTopologies,
  buildOnClock,
  defaultTopologies,
  type CycleTimeRequest,
  type CycleTimeReport,
  type NamedStragglers,
  type NamedFailures,
} from './experiment/cycle-times.js';
export type { TopologyResult } from './overlay/registry.js';

// Plans for your own trainer: a topology's rounds (edges, mixing rows, per-silo round times on
// the clock) one at a time, written as JSON Lines or NumPy (docs/plan.md), and a run exported
// for replay in PyTorch (examples/python/dpasgd_plan.py).
export { planRounds, type PlanRound, type PlanMixTerm } from './learning/plan-rounds.js';
export {
  preparePlanExport,
  planExportOnContext,
  writePlanJsonl,
  writePlanNpz,
  planNpzArrays,
  PLAN_SCHEMA,
  PLAN_CYCLE_TIME_DEFINITION,
  MAX_PLAN_NPZ_BYTES,
  type PlanExport,
  type PlanExportRequest,
  type PlanHeader,
} from './experiment/plan-export.js';
export { exportRun, type ExportedRun } from './experiment/export-run.js';
export { clockedPlan, type ClockedPlan } from './overlay/clocked-plan.js';
export type { ClockChoice, MaxPlusRounds } from './timing/clock.js';
export type { EventCycleTimeOptions } from './timing/clock.js';
export type { SiloTimes } from './timing/delay-model.js';
export type { SiloRoundTimes } from './timing/exchanges.js';
export type { RoundExchanges, RoundEnds } from './timing/exchanges.js';
export type { StragglerSpec } from './timing/stragglers.js';
export type { AvailabilitySpec, SiloDownInterval, LinkDownInterval } from './timing/availability.js';
export type { TimingParams } from './timing/workload.js';
export type { ProfileSummary } from './network/silo-profile.js';
export type { BaseGraphVariant } from './overlay/topology.js';
export type { MultigraphStats } from './multigraph/rounds.js';
export type { Sharing } from './timing/event-clock.js';
export type { CycleTimeResult } from './timing/cycle-time.js';
export { maxCycleMean, type CycleMean } from './timing/karp.js';
export { WORKLOAD_PRESETS, getWorkload, type Workload } from './timing/workload.js';
export { gbpsToBitsPerSec, latencyMsFromKm, transferMs } from './units.js';
export { createRng, type Rng } from './random.js';

// Users' own data: NumPy (.npy, .npz), CSV tables and image folders read into one in-memory
// format, dealt to silos (IID, Dirichlet label skew, natural groups or files) and split.
export {
  checkTensorDataset,
  datasetSummary,
  alignTestDataset,
  type TensorDataset,
  type TensorShard,
  type DatasetSummary,
} from './data/tensor-dataset.js';
export { readNpzDataset, readNpyDataset, readNpy, type NpzDatasetOptions, type NpyArray, type NpyParseOptions } from './data/numpy.js';
export { readCsvDataset, type CsvDatasetOptions } from './data/csv-table.js';
export { readImageFolder, type ImageFolderOptions, type ImageDecoder } from './data/image-folder.js';
export {
  partitionTensor,
  splitTensor,
  splitShards,
  concatShards,
  type TensorPartitionSpec,
  type TensorSplitOptions,
  type TensorSplit,
  type ShardSplit,
} from './data/tensor-partition.js';
export {
  encodeNpy,
  encodeNpz,
  writeNpz,
  type NpyArrayInput,
  type NpyDtype,
  type NpyNumericInput,
  type NpyStringInput,
} from './data/numpy-write.js';
export {
  registerDataset,
  registeredDatasetNames,
  loadUserData,
  USER_DATA_KINDS,
  type DatasetDefinition,
  type DatasetLoadContext,
  type UserDataSpec,
  type LoadedUserData,
  type LoadUserDataOptions,
  type FeatureScaling,
  type LabelTask,
  type NpzDataSpec,
  type NpyDataSpec,
  type CsvDataSpec,
  type ImageFolderDataSpec,
  type RegisteredDataSpec,
} from './data/user-data.js';

// Experiments: a config file run whole (sweeps, seeds, parallel or queued runs), or one training run.
export { runExperiment, type ExperimentOptions, type ExperimentResult, type ReportCycleTimes } from './experiment/experiment.js';
export {
  loadConfig,
  validateConfig,
  configJsonSchema,
  type ExperimentConfig,
  type TrainConfig,
  type CycleTimeConfig,
  type ConfigOverride,
} from './experiment/config.js';
export { runTraining } from './experiment/runner.js';
export type { RunOptions, RunSummary, SimulationRecord } from './experiment/run-types.js';

// Training with your own trainer: the DPASGD engine, a topology's schedule, the trainer seam.
export {
  initEngineState,
  runRounds,
  runRoundsAsync,
  type EngineState,
  type EngineData,
  type EngineOptions,
  type MetricRow,
  type SiloShard,
} from './learning/dpasgd.js';
export { buildSchedule, scheduleFromPlan, mixingRule, type TrainingSchedule, type RoundPlan } from './learning/schedule.js';
export type { LocalTrainer, LocalTrainResult, Batch, Evaluation, OptimizerState, SiloJob } from './learning/trainer.js';

// Your own model: register one by name (a config's model.name), and check a model against the data.
export {
  registerModel,
  modelNames,
  LOSS_NAMES,
  type ModelDefinition,
  type ModelBuildOptions,
  type LossName,
  type StepTimeDefault,
} from './learning/model-registry.js';
export { checkModelData, type DataShape, type ModelShape } from './learning/model-data.js';

// Analysis: intervals, tests and the verdict rules, pure functions of the runs.
export { meanInterval, pairedTTest, welchTTest, type Interval, type TTest } from './analysis/stats.js';
export {
  decideVerdict,
  DEFAULT_VERDICT_RULES,
  type Verdict,
  type VerdictInput,
  type VerdictRules,
  type VerdictOutcome,
  type SeedRun,
  type Comparison,
  type ConditionResult,
  type Task,
} from './analysis/verdict.js';
export { trainingVerdict, meanCurves, type AnalysedRun, type BandPoint } from './analysis/training.js';

// Reports: what `dflsim run` prints, and a results directory read back or written as report.md and report.html.
export { experimentSummaryText } from './report/console-summary.js';
export { readResults, writeReport, type ReportPaths, type ReportOptions } from './report/write.js';
export {
  publishResults,
  metricsDigest,
  readPublishedCondition,
  comparePublished,
  type PublishedFiles,
  type PublishedCondition,
  type PublishedComparison,
} from './report/publish.js';
export { renderMarkdown, type ReportData, type ReportRun } from './report/markdown.js';
