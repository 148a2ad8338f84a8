/**
 * `matcha` and `matcha+`: MATCHA (Wang et al. 2019) on the underlay's links and on the
 * connectivity graph, as timed by Marfoq et al. (2020) and Do et al. (2023); see
 * `../matcha.ts`. Each round activates matchings at random (seeded by the context's
 * seed); the published cycle time is the sum of 1,000 round times / 999. Trained with
 * W = I − αL over the round's active edges. Its rounds are barrier rounds: on the max-plus
 * clock round k lasts its largest delay, so the round ends are the running sum of
 * MATCHA's round times.
 */
import { createRng } from '../../random.js';
import { overlayFromPairs } from '../overlay.js';
import { isolatedSilos, type RoundState, type SiloPair } from '../round-state.js';
import { buildMatcha, matchaRoundTimes, type MatchaBase, type MatchaRoundTime } from '../matcha.js';
import { matchaMixing } from '../mixing-rules.js';
import { cached, pairExchanges, type Topology, type TopologyContext, type TopologyPlan } from '../topology.js';

function matchaPlan(base: MatchaBase, ctx: TopologyContext): TopologyPlan {
  const r = cached(ctx, `matcha:${base}:${ctx.budget}:${ctx.seed}`, () =>
    buildMatcha(base, ctx.underlay, ctx.cg, ctx.k, { budget: ctx.budget, seed: ctx.seed, rounds: 0 }),
  );
  const topology = r.topology;
  // the result carries the plan (matchings, probabilities, α): no second optimisation
  const plan = r;
  const overlay = overlayFromPairs(topology, ctx.cg, r.matchings.flat(), true);
  // the training rounds: a stream of their own (fork 'matcha-rounds'), drawn as needed
  const times: MatchaRoundTime[] = [];
  let stream: Generator<MatchaRoundTime> | undefined;
  const timeOf = (k: number): MatchaRoundTime => {
    stream ??= matchaRoundTimes(plan, ctx.cg, ctx.k, createRng(ctx.seed).fork('matcha-rounds'), Number.MAX_SAFE_INTEGER);
    while (times.length <= k) times.push(stream.next().value as MatchaRoundTime);
    return times[k];
  };
  return {
    topology,
    n: ctx.cg.n,
    static: false,
    // W = I − αL over the round's active edges, α the plan's own (optimised with its matchings)
    mixing: { rule: (n) => (s) => matchaMixing(n, s.strong, plan.alpha), name: () => 'matcha', doublyStochastic: () => true },
    round(k): RoundState {
      const rt = timeOf(k);
      const strong: SiloPair[] = [];
      for (const m of rt.active) for (const [a, b] of plan.matchings[m]) strong.push([a, b], [b, a]);
      return {
        round: k,
        state: k,
        strong,
        weak: [],
        isolated: isolatedSilos(ctx.cg.n, strong),
        extra: { activeMatchings: rt.active, alpha: plan.alpha },
        exchanges: pairExchanges(ctx.cg, strong, 'barrier'),
      };
    },
    siloTimes: ctx.k,
    maxPlus: { kind: 'per-silo' },
    cycleTimeMs: r.cycleTimeMs,
    criticalCircuit: [],
    overlay,
    overlayEdges: overlay.edges.length,
    details: {
      base: r.base,
      budget: r.budget,
      seed: ctx.seed,
      matchings: r.matchings.length,
      maxDegree: r.maxDegree,
      probabilities: r.probabilities,
      lambda2: r.lambda2,
      uniformLambda2: r.uniformLambda2,
      alpha: r.alpha,
      rho: r.rho,
      cycleTimeMs: r.cycleTimeMs,
      cycleTimeRounds: r.cycleTimeRounds,
      meanRoundMs: r.meanRoundMs,
      meanActiveMatchings: r.meanActiveMatchings,
    },
  };
}

/** MATCHA on the underlay's links. */
export const matchaTopology: Topology = {
  name: 'matcha',
  family: 'sampled',
  description: "MATCHA: random matchings of the underlay's links (budget, seed)",
  supports: { cycleTime: true, training: true, drawing: false, multigraphBase: false },
  needs: {},
  lists: { defaultComparison: true },
  build: (ctx) => matchaPlan('underlay', ctx),
};

/** MATCHA(+) on the connectivity graph. */
export const matchaPlusTopology: Topology = {
  name: 'matcha+',
  family: 'sampled',
  description: 'MATCHA(+): random matchings of the connectivity graph (budget, seed)',
  supports: { cycleTime: true, training: true, drawing: false, multigraphBase: false },
  needs: {},
  lists: { defaultComparison: true },
  build: (ctx) => matchaPlan('connectivity', ctx),
};
