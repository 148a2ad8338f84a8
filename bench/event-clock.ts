/**
 * Benchmark: the event-driven clock's speed against the exact max-plus clock over the same
 * round exchanges, 100 silos x 10,000 rounds: a RING-like static async exchange set (a
 * nearest-neighbour tour of a generated network, both directions) and a multigraph-like one
 * on the directed tour (edge e strong every m(e) = min(5, round(d1(e) / dmin)) rounds, its
 * copy launched in the round after its previous strong round), plus a STAR round trip of
 * 1,000 rounds. Silo profiles are seeded random (compute and access links around the
 * FEMNIST workload's). Exchanges are built synthetically from the connectivity graph so
 * that no topology plan is needed; core links of 1e11 bit/s make the access links the
 * bottleneck. Then the same on real topology plans: dflsim's RING and multigraph-ring
 * built by the catalogue on the generated network with a seeded random silo profile, their
 * own exchanges timed by max-plus (per silo) and by the event clock. Prints figures; asserts nothing.
 * Run: `npm run build && node dist/bench/event-clock.js [--silos 100] [--rounds 10000]`.
 */
import { time } from './common.js';
import { prepareContext } from '../src/experiment/cycle-times.js';
import { findTopology } from '../src/overlay/catalogue.js';
import { planEventClock } from '../src/timing/clock.js';
import { buildConnectivityGraph, type ConnectivityGraph } from '../src/network/connectivity.js';
import { generateNetwork } from '../src/network/generate.js';
import { createRng } from '../src/random.js';
import { eventClock, type EventClock } from '../src/timing/event-clock.js';
import type { SiloTimes } from '../src/timing/delay-model.js';
import { fixedTransferMs, type RoundClock, type RoundExchanges } from '../src/timing/exchanges.js';
import { maxPlusClock } from '../src/timing/max-plus.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A greedy nearest-neighbour tour of the connectivity graph by latency. */
function tour(cg: ConnectivityGraph): number[] {
  const n = cg.n,
    seen = new Uint8Array(n),
    order = [0];
  seen[0] = 1;
  for (let t = 1; t < n; t++) {
    const a = order[t - 1];
    let best = -1;
    for (let b = 0; b < n; b++) if (!seen[b] && (best < 0 || cg.latencyMs[a * n + b] < cg.latencyMs[a * n + best])) best = b;
    seen[best] = 1;
    order.push(best);
  }
  return order;
}

function exchanges(
  cg: ConnectivityGraph,
  sync: RoundExchanges['sync'],
  from: number[],
  to: number[],
  upShare: number[],
  downShare: number[],
  extra: Partial<RoundExchanges> = {},
): RoundExchanges {
  const n = cg.n;
  return {
    sync,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    latencyMs: Float64Array.from(from, (a, e) => cg.latencyMs[a * n + to[e]]),
    pathBitsPerMs: Float64Array.from(from, (a, e) => cg.bandwidthBitsPerMs[a * n + to[e]]),
    upShare: Int32Array.from(upShare),
    downShare: Int32Array.from(downShare),
    ...extra,
  };
}

function bench(
  label: string,
  s: SiloTimes,
  ex: (k: number) => RoundExchanges,
  rounds: number,
  make?: (sharing: 'fixed' | 'fair') => EventClock,
): void {
  const run = (m: () => RoundClock): [number, number] => {
    const [end, ms] = time(() => m().roundEndMs(rounds - 1));
    return [end, ms];
  };
  const events = make ?? ((sharing: 'fixed' | 'fair') => eventClock(s, ex, { sharing }));
  const [mpEnd, mpMs] = run(() => maxPlusClock(s, ex));
  let fixedClock: EventClock | undefined, fairClock: EventClock | undefined;
  const [fxEnd, fxMs] = run(() => (fixedClock = events('fixed')));
  const [faEnd, faMs] = run(() => (fairClock = events('fair')));
  const per = (ms: number) => `${ms.toFixed(0)} ms (${((ms * 1000) / rounds).toFixed(1)} us/round)`;
  console.log(`${label}, ${rounds} rounds:`);
  console.log(`    max-plus      ${per(mpMs)}  cycle ${(mpEnd / rounds).toFixed(3)} ms/round`);
  console.log(
    `    events fixed  ${per(fxMs)}  x${(fxMs / mpMs).toFixed(1)} of max-plus  ${fixedClock!.eventCount} events  |end - max-plus| / end = ${(Math.abs(fxEnd - mpEnd) / mpEnd).toExponential(1)}`,
  );
  console.log(
    `    events fair   ${per(faMs)}  x${(faMs / mpMs).toFixed(1)} of max-plus  ${fairClock!.eventCount} events  cycle ${(faEnd / rounds).toFixed(3)} ms/round, (end - fixed end) / fixed end = ${((faEnd - fxEnd) / fxEnd).toExponential(2)}`,
  );
}

function main(): void {
  const n = arg('--silos', 100),
    rounds = arg('--rounds', 10_000);
  // core links of 1e11 bit/s so that the access links, not the paths, are the bottleneck and
  // fair sharing has something to share
  const cg = buildConnectivityGraph(generateNetwork({ n, seed: 1 }), 1e11);
  const rng = createRng(1);
  // FEMNIST: M = 4,843,243 bits, Tc = 4.6 ms; access links 1e10 bit/s (0.48 ms per copy), here 0.2x..5x
  const M = 4_843_243;
  const s: SiloTimes = {
    n,
    computeMs: Float64Array.from({ length: n }, () => 4.6 * Math.exp(0.5 * rng.normal())),
    uploadMs: Float64Array.from({ length: n }, () => 0.48 * Math.exp(0.8 * rng.normal())),
    downloadMs: Float64Array.from({ length: n }, () => 0.48 * Math.exp(0.8 * rng.normal())),
    modelSizeBits: M,
  };
  const order = tour(cg);
  const next = order.map((_, t) => order[(t + 1) % n]);
  // RING-like: the tour in both directions (out- and in-degree 2)
  const ring = exchanges(cg, 'async', [...order, ...next], [...next, ...order], new Array(2 * n).fill(2), new Array(2 * n).fill(2));
  bench(`RING-like (${n} silos, tour both ways, ${2 * n} transfers a round)`, s, () => ring, rounds);
  // multigraph-like on the directed tour: multiplicity from d1 = C_i + x(i,j) with shares 1
  const directed = exchanges(cg, 'async', order, next, new Array(n).fill(1), new Array(n).fill(1));
  const d1 = order.map((i, e) => s.computeMs[i] + fixedTransferMs(s, directed, e));
  const dmin = Math.min(...d1);
  const mult = d1.map((d) => Math.min(5, Math.max(1, Math.round(d / dmin))));
  const states: RoundExchanges[] = [];
  const multigraph = (k: number): RoundExchanges => {
    if (k === 0) return directed;
    const st = k % 60; // lcm(1..5) = 60: the strong sets repeat; launch rounds are relative to k
    const idx = order.map((_, e) => e).filter((e) => st % mult[e] === 0);
    const base = (states[st] ??= exchanges(
      cg,
      'async',
      idx.map((e) => order[e]),
      idx.map((e) => next[e]),
      idx.map(() => 1),
      idx.map(() => 1),
    ));
    return { ...base, launchRound: Int32Array.from(idx, (e) => k - mult[e] + 1) };
  };
  const hist = [1, 2, 3, 4, 5].map((m) => mult.filter((x) => x === m).length);
  bench(`multigraph-like (${n} silos, directed tour, multiplicities 1..5: ${hist.join('/')})`, s, multigraph, rounds);
  // STAR round trip around the first tour silo, fewer rounds (its fair sharing is O(n) per event)
  const c0 = order[0],
    leaves = order.slice(1);
  const star = exchanges(
    cg,
    'round-trip',
    [...leaves, ...leaves.map(() => c0)],
    [...leaves.map(() => c0), ...leaves],
    [...leaves.map(() => 1), ...leaves.map(() => n - 1)],
    [...leaves.map(() => n - 1), ...leaves.map(() => 1)],
    { answers: Int32Array.from([...leaves.map(() => -1), ...leaves.map((_, t) => t)]) },
  );
  bench(`STAR round trip (${n} silos)`, s, () => star, Math.max(1, Math.round(rounds / 10)));

  // Real plans: the catalogue's RING and multigraph-ring on the same generated network (its own
  // 1 Gbit/s core), FEMNIST workload, a seeded random silo profile
  const ctx = prepareContext({
    network: generateNetwork({ n, seed: 1 }),
    workload: 'femnist',
    rounds,
    siloProfile: {
      computeMs: { lognormal: { median: 4.6, sigma: 0.5 } },
      uploadGbps: { lognormal: { median: 10, sigma: 0.8 } },
      downloadGbps: { lognormal: { median: 10, sigma: 0.8 } },
      seed: 1,
    },
  });
  console.log('real plans (catalogue builders, random silo profile):');
  for (const name of ['ring', 'multigraph-ring']) {
    const [plan, buildMs] = time(() => findTopology(name)!.build(ctx));
    console.log(`  (${name} built in ${buildMs.toFixed(0)} ms)`);
    bench(
      `${name} plan (${n} silos)`,
      plan.siloTimes,
      (k) => plan.round(k).exchanges,
      rounds,
      (sharing) => planEventClock(plan, { sharing, seed: 0 }),
    );
  }
}

main();
