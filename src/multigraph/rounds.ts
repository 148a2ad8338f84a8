/**
 * Per-round delays and round cycle times of the multigraph (Do et al. 2023; spec section
 * 6.3). Round k uses state `k mod S`. An edge strong now and strong before carries its
 * full delay `d(e)`; strong now but weak before, its silo already had a head start, so it
 * carries `max(C, d(e) - δ_{k-1}(e))`; a weak edge accumulates the rounds it skipped. The
 * round's cycle time `τk` is the maximum cycle mean with weights δk on strong edges and 0
 * on weak ones. With a silo profile the C of an edge is its sender's C_i, and every
 * silo's self-loop C_j counts as a circuit: τk >= max_j C_j (a silo cannot finish a round
 * faster than it computes). Without a profile the recursion is the paper's as published
 * (where τk may fall below C); a uniform profile gives the same figures whenever every
 * τk >= C (measured: all five shared networks, FEMNIST, multigraph-ring).
 *
 * The recursion's state after round k is (k mod S, δk). Once that state repeats (δ of a
 * round equal, bit for bit, to δ of the round S earlier), every later round repeats the
 * rounds of the period before it, so the rest are copied instead of solved: exact, and on
 * large overlays (1,000 silos) a few periods of maximum-cycle-mean solves instead of K.
 */
import { prepareMaxCycleMean } from '../timing/karp.js';
import { maxComputeMs, type SiloTimes } from '../timing/delay-model.js';
import type { Multigraph } from './multigraph.js';

/** The simulated rounds of a multigraph. */
export interface MultigraphRounds {
  /** τk of each round (ms): round k's duration on the max-plus clock, whose round ends are their running sum (`timing/clock.ts`). */
  tauMs: Float64Array;
  /** Mean of τk over the rounds: the multigraph's cycle time (ms). */
  cycleTimeMs: number;
  /** The round from which later rounds were copied from the period before (the recursion's state repeated), if it did. */
  repeatsFromRound?: number;
}

/**
 * Run the per-round recursion for `rounds` rounds.
 * @param mg the multigraph
 * @param k delay constants (for C)
 * @param rounds K
 * @param opts `detectPeriod: false` solves every round (the check of the shortcut)
 */
export function simulateMultigraph(mg: Multigraph, k: SiloTimes, rounds: number, opts: { detectPeriod?: boolean } = {}): MultigraphRounds {
  const detectPeriod = opts.detectPeriod ?? true;
  const n = mg.base.silos.length;
  const m = mg.base.edges.length;
  const from = Int32Array.from(mg.base.edges, (e) => e.from);
  const to = Int32Array.from(mg.base.edges, (e) => e.to);
  const solve = prepareMaxCycleMean(n, from, to);
  const S = mg.states.length;
  const strongIn = mg.states.map((st) => {
    const a = new Uint8Array(m);
    for (const e of st.strongEdges) a[e] = 1;
    return a;
  });
  const d = mg.delayMs;
  const Ce = Float64Array.from(mg.base.edges, (e) => k.computeMs[e.from]);
  // with a profile every silo's self-loop C_j is a circuit too: no round is shorter than the slowest compute
  // (without one, max_j C_j is the uniform C, a round's time when it has no circuit)
  const floor = maxComputeMs(k);
  let delta = new Float64Array(m);
  let next = new Float64Array(m);
  const w = new Float64Array(m);
  const tauMs = new Float64Array(rounds);
  // δ of the last round whose index is a multiple of S (the phase compared for a repeat)
  const snapshot = new Float64Array(m);
  let snapshotRound = -1;
  let periodicFrom = -1;
  for (let r = 0; r < rounds; r++) {
    const cur = strongIn[r % S];
    const prev = strongIn[(r - 1 + S) % S];
    for (let e = 0; e < m; e++) {
      if (r === 0) next[e] = d[e];
      else if (cur[e]) next[e] = prev[e] ? d[e] : Math.max(Ce[e], d[e] - delta[e]);
      w[e] = r === 0 || cur[e] ? next[e] : 0;
    }
    const mc = m ? solve(w).value : -Infinity;
    const tau = k.profile ? Math.max(mc, floor) : mc === -Infinity ? floor : mc;
    if (r > 0) for (let e = 0; e < m; e++) if (!cur[e]) next[e] = prev[e] ? tau : tau + delta[e];
    tauMs[r] = tau;
    [delta, next] = [next, delta];
    if (detectPeriod && r % S === 0 && r > 0) {
      if (snapshotRound >= 0 && sameBits(delta, snapshot)) {
        periodicFrom = r;
        break;
      }
      snapshot.set(delta);
      snapshotRound = r;
    }
  }
  // rounds after a repeated state: round r + q equals round r - S + q
  if (periodicFrom >= 0) for (let r = periodicFrom + 1; r < rounds; r++) tauMs[r] = tauMs[r - S];
  let sum = 0;
  for (let r = 0; r < rounds; r++) sum += tauMs[r];
  return { tauMs, cycleTimeMs: rounds ? sum / rounds : 0, ...(periodicFrom >= 0 ? { repeatsFromRound: periodicFrom } : {}) };
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The statistics of the paper's Tables 2 and 5. */
export interface MultigraphStats {
  /** Number of graph states S. */
  states: number;
  /** States with at least one isolated silo. */
  statesWithIsolated: number;
  /** Rounds (of the simulated K) with at least one isolated silo. */
  roundsWithIsolated: number;
  /** Mean number of isolated silos per round over K rounds. */
  meanIsolatedPerRound: number;
  /** Strong (directed) edges of each state. */
  strongEdgesPerState: number[];
  /** Mean strong edges per state. */
  meanStrongEdgesPerState: number;
  /** Multiplicity histogram: count of edges with m = 1 .. t. */
  multiplicityHistogram: number[];
}

/** Compute the statistics of a multigraph over `rounds` rounds. */
export function multigraphStats(mg: Multigraph, rounds: number): MultigraphStats {
  const S = mg.states.length;
  let roundsWithIsolated = 0,
    isolatedSum = 0;
  const full = Math.floor(rounds / S),
    rest = rounds % S;
  mg.states.forEach((st, s) => {
    const times = full + (s < rest ? 1 : 0);
    if (st.isolated.length) roundsWithIsolated += times;
    isolatedSum += times * st.isolated.length;
  });
  const strongEdgesPerState = mg.states.map((s) => s.strongEdges.length);
  const hist = new Array(mg.tMax).fill(0);
  for (const m of mg.multiplicity) hist[m - 1]++;
  return {
    states: S,
    statesWithIsolated: mg.states.filter((s) => s.isolated.length > 0).length,
    roundsWithIsolated,
    meanIsolatedPerRound: rounds ? isolatedSum / rounds : 0,
    strongEdgesPerState,
    meanStrongEdgesPerState: strongEdgesPerState.reduce((a, b) => a + b, 0) / S,
    multiplicityHistogram: hist,
  };
}
