/**
 * What a run simulates: its topology's schedule on the config's network and clock, the
 * model size and step time (the model's own unless the config says otherwise), and how
 * often it evaluates.
 */
import { DflsimInputError } from '../errors.js';
import { mixingRule, scheduleFromPlan, type TrainingSchedule } from '../learning/schedule.js';
import { clockedPlan } from '../overlay/clocked-plan.js';
import type { TopologyContext } from '../overlay/topology.js';
import { MAX_PLUS } from '../timing/clock.js';
import { modelLabel, resolveConfigPath, trainTiming, type TrainConfig, type TrainTiming } from './config.js';
import { checkModelData } from '../learning/model-data.js';
import { BITS_PER_PARAMETER, defaultStepTime } from '../learning/model-defaults.js';
import type { CycleTimeRequest } from './cycle-times.js';
import type { Underlay } from '../network/underlay.js';
import { configDataShape, modelSpecOf, trainedTopology, trainerOptionsOf } from './run-data.js';

/**
 * The training schedule of a config's topology on a context: the topology's plan on the
 * max-plus clock and the mixing rule it names (static overlays other than RING, and schedule files, use the
 * config's `mixing` scheme; STAR's FedAvg weighs by `shardSizes`).
 */
export function trainingSchedule(
  ctx: TopologyContext,
  cfg: Pick<TrainConfig, 'topology' | 'mixing'>,
  shardSizes: readonly number[],
): TrainingSchedule {
  const plan = clockedPlan(trainedTopology(cfg.topology).build(ctx), MAX_PLUS, ctx.rounds);
  return scheduleFromPlan(plan, mixingRule(plan, plan.n, { shardSizes, scheme: cfg.mixing }));
}

/**
 * The clock's workload of a training config ({@link trainTiming}): what the config sets, else
 * the trained model's own parameter count x 32 bits (the model is built once to count them)
 * and its documented default step time.
 */
export async function resolveTrainTiming(cfg: Omit<TrainConfig, 'sweep'>, configFile = 'config'): Promise<TrainTiming> {
  // the model is built (once per shape) whatever the config sets: a model that cannot be
  // built, or does not fit the data, is a config error before anything runs
  const { describeModel } = await import('../learning/tf/models/build.js');
  const data = await configDataShape(cfg as TrainConfig, configFile);
  const { seed: _s, ...shape } = trainerOptionsOf(cfg as TrainConfig, data, configFile);
  let model: Awaited<ReturnType<typeof describeModel>>;
  try {
    model = await describeModel(modelSpecOf(cfg.model, configFile), shape, configFile);
  } catch (e) {
    if (e instanceof DflsimInputError) throw e;
    const name = modelLabel(cfg.model);
    const why = (e as Error).message.replace(/^dflsim (createModel: )?[\w-]+: /, '');
    const field = /inputSize/.test(why) ? 'model.inputSize' : /loss/.test(why) && cfg.model.loss ? 'model.loss' : 'model';
    throw new DflsimInputError(
      `${configFile}: ${field}`,
      `${name}: ${why.replace(/^inputSize (\(feature count\) )?/, 'model.inputSize ')}`,
    );
  }
  checkModelData(model, data, configFile);
  return trainTiming(cfg, {
    paramCount: model.paramCount,
    bitsPerParameter: BITS_PER_PARAMETER,
    stepTime: defaultStepTime(model, cfg.batchSize),
  });
}

/**
 * How often a run evaluates: the config's `evalEvery`, else about 20 evaluations over the
 * rounds it trains (floor(rounds / 20), at least 1: at least 20 evaluations); the last round is always evaluated.
 * @param roundsRun the rounds the run trains (within its time budget)
 */
export function resolveEvalEvery(evalEvery: number | undefined, roundsRun: number): number {
  return evalEvery ?? Math.max(1, Math.floor(roundsRun / DEFAULT_EVALUATIONS));
}

/** Evaluations per run when `evalEvery` is not set (and the last round). */
export const DEFAULT_EVALUATIONS = 20;

/** A config's silo profile, link capacities and clock as request fields (errors name the config file). */
export function clockAndProfile(
  c: Pick<TrainConfig, 'siloProfile' | 'linkCapacities' | 'clock' | 'sharing' | 'stragglers' | 'failures'>,
  file: string,
): Partial<CycleTimeRequest> {
  return {
    ...(c.siloProfile !== undefined
      ? {
          siloProfile: typeof c.siloProfile === 'string' ? resolveConfigPath(c.siloProfile, file) : c.siloProfile,
          siloProfileField: `${file}: siloProfile`,
        }
      : {}),
    linkCapacities: c.linkCapacities,
    clock: c.clock,
    sharing: c.sharing,
    ...(c.stragglers ? { stragglers: c.stragglers } : {}),
    ...(c.failures ? { failures: c.failures } : {}),
    clockField: `${file}: `,
  };
}

/**
 * The timing context request of a training config: its network (or an underlay already
 * loaded from it), workload and timing fields, and the files its topology reads. A training
 * round computes `localSteps` local steps, so the clock counts as many.
 */
export function trainContextRequest(
  cfg: Omit<TrainConfig, 'sweep'>,
  configFile: string,
  timing: Pick<TrainTiming, 'workload'>,
  network: string | Underlay = resolveConfigPath(cfg.network, configFile),
): CycleTimeRequest {
  return {
    network,
    missingCoordinates: cfg.missingCoordinates,
    ...(cfg.silos !== undefined ? { silos: cfg.silos, silosField: `${configFile}: silos` } : {}),
    component: cfg.component,
    componentField: `${configFile}: component`,
    ...clockAndProfile(cfg, configFile),
    workload: timing.workload,
    accessGbps: cfg.accessGbps,
    uploadGbps: cfg.uploadGbps,
    downloadGbps: cfg.downloadGbps,
    coreGbps: cfg.coreGbps,
    localUpdates: cfg.localSteps,
    tMax: cfg.tMax,
    rounds: cfg.rounds,
    budget: cfg.budget,
    baseGraph: cfg.baseGraph,
    equidynEta: cfg.equidynEta,
    seed: cfg.seed,
    overlayFile: cfg.overlay ? resolveConfigPath(cfg.overlay, configFile) : undefined,
    scheduleFile: cfg.schedule ? resolveConfigPath(cfg.schedule, configFile) : undefined,
  };
}
