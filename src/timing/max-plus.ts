/**
 * The per-silo max-plus clock (`../shared/spec/cycle-time-model.md`, section 4): silo j
 * finishes round k+1 at
 *
 *   t_j(k+1) = max(t_j(k) + C_j, max over the round's edges i -> j of t_i(k) + d_k(i,j))
 *
 * from t(0) = 0, where d_k uses round k's graph (its degrees). Round k ends when its last
 * silo does: max_j t_j(k+1). For a static overlay every round has the same edges; for a
 * time-varying topology each round brings its own.
 */
import type { Overlay } from './delay-model.js';

/** One round's directed exchanges with their delays (ms). */
export interface RoundDelays {
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  delayMs: ArrayLike<number>;
}

/**
 * A lazily extended max-plus clock.
 * @param n number of silos
 * @param computeMs C, the time a silo needs for a round without exchanges (ms): one for
 *   every silo, or C_j per silo (a silo profile)
 * @param roundDelays the exchanges of round k (called once per round, in order)
 * @returns the end of round k (ms since the start), k >= 0
 */
export function maxPlusClock(n: number, computeMs: number | ArrayLike<number>, roundDelays: (round: number) => RoundDelays): (round: number) => number {
  const C = typeof computeMs === 'number' ? new Float64Array(n).fill(computeMs) : Float64Array.from(computeMs);
  let t = new Float64Array(n);
  let next = new Float64Array(n);
  const ends: number[] = [];
  return (round: number): number => {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`max-plus clock: round must be a non-negative integer, got ${round}`);
    while (ends.length <= round) {
      const r = roundDelays(ends.length);
      for (let j = 0; j < n; j++) next[j] = t[j] + C[j];
      for (let e = 0; e < r.from.length; e++) {
        const c = t[r.from[e]] + r.delayMs[e];
        if (c > next[r.to[e]]) next[r.to[e]] = c;
      }
      let mx = 0;
      for (let j = 0; j < n; j++) if (next[j] > mx) mx = next[j];
      ends.push(mx);
      [t, next] = [next, t];
    }
    return ends[round];
  };
}

/**
 * Per-silo max-plus clock of a static overlay: `t_j(k+1) = max(t_j(k) + C_j, max_i t_i(k) + d(i,j))`
 * (silos finish rounds at their own times). Returns the time at which round k ends for
 * every silo, k = 0 .. rounds-1, as the latest silo.
 * @param d the delay of each overlay edge (ms)
 * @param computeMs C (ms), or C_j per silo
 */
export function maxPlusRoundEnds(o: Overlay, d: Float64Array, computeMs: number | ArrayLike<number>, rounds: number): Float64Array {
  const r: RoundDelays = { from: Int32Array.from(o.edges, (e) => e.from), to: Int32Array.from(o.edges, (e) => e.to), delayMs: d };
  const clock = maxPlusClock(o.silos.length, computeMs, () => r);
  const ends = new Float64Array(rounds);
  for (let k = 0; k < rounds; k++) ends[k] = clock(k);
  return ends;
}
