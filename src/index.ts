/**
 * dflsim's public library API (re-exports only).
 */
import './topologies.js';

export * from './errors.js';
export * from './random.js';
export * from './units.js';
export * from './network/underlay.js';
export * from './network/gml.js';
export * from './network/builtin.js';
export * from './network/load.js';
export * from './network/connectivity.js';
export * from './timing/workload.js';
export * from './timing/karp.js';
export * from './timing/cycle-time.js';
export * from './timing/graph-state.js';
export * from './overlay/overlay.js';
export * from './overlay/overlay-file.js';
export * from './overlay/star.js';
export * from './overlay/mst.js';
export * from './overlay/delta-mbst.js';
export * from './overlay/ring.js';
export * from './overlay/registry.js';
export * from './multigraph/multigraph.js';
export * from './multigraph/rounds.js';
export * from './multigraph/topology.js';
export * from './multigraph/report.js';
export * from './experiment/cycle-times.js';
export * from './experiment/config.js';
export * from './experiment/runner.js';
export * from './experiment/experiment.js';
export * from './experiment/checkpoint.js';
export * from './experiment/topology-file.js';
export * from './learning/trainer.js';
export * from './learning/mixing.js';
export * from './learning/schedule.js';
export { initEngineState, runRounds, runRoundsAsync, sampleBatch, averageWeights, consensusDistance, roundSeed, type EngineData, type EngineOptions, type EngineState, type MetricRow, type SiloShard } from './learning/dpasgd.js';
export { type Sequence, type DrivingDataset, type Shard, type TargetStats, frameLength, countFrames, frameOf, sequenceOffsets, allTargets, shardFromFrames, shardFromSequences, datasetToShard, poolShards, splitBySequence, targetStats, constantPredictorRmse } from './data/dataset.js';
export * from './data/synthetic-driving.js';
export * from './data/partition.js';
export * from './data/dronet-reader.js';
export * from './data/registry.js';
export * from './overlay/matcha.js';
export * from './overlay/edge-coloring.js';
export { allTopologies, TOPOLOGY_ORDER } from './topologies.js';
